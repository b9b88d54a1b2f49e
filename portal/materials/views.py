"""Guide pages: list, reading, print, feed; and the editors' writing, workflow and history."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy.exc import IntegrityError

from portal.accounts.decorators import permission_required
from portal.accounts.models import AnonymousUser
from portal.content import attachments, formkeys, workflow
from portal.content.actions import (
    add_file,
    add_history_routes,
    apply_move,
    delete_file,
    edit_refusal,
    editable_or_403,
    visible_or_404,
)
from portal.content.forms import AttachmentForm, EmptyForm, WorkflowForm
from portal.content.markdown import reading_minutes, render
from portal.content.topics import all_topics
from portal.extensions import db
from portal.i18n import LANGUAGE_NAMES, current_language
from portal.materials import services
from portal.materials.forms import MaterialForm
from portal.materials.models import AUDIENCE_LABELS, Audience, Material
from portal.web import paginate

bp = Blueprint("materials", __name__, url_prefix="/materials")


def _get_visible(slug: str) -> Material:
    return visible_or_404(services.by_slug(slug), services.can_view)


def _get_editable(slug: str) -> Material:
    """The guide if the user may change it now: 404 when they may not see it, else 403."""
    return editable_or_403(_get_visible(slug))


def _get_managed(slug: str) -> Material:
    """The guide if the user is staff who may see its history: 404 if hidden, else 403."""
    material = _get_visible(slug)
    if not services.may_manage(material, current_user):
        abort(403)
    return material


def _fill_from(form: MaterialForm, material: Material) -> None:
    """Set the fields that do not map one to one onto the guide's columns."""
    form.topics.data = [t.slug for t in material.topics]
    form.audience.data = material.audience.value
    form.expires_on.data = None
    if material.expires_at:
        zone = ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])
        form.expires_on.data = material.expires_at.astimezone(zone).date()


@bp.route("/")
def index() -> ResponseReturnValue:
    args = request.args
    topic = args.get("topic") or None
    language = args.get("language") if args.get("language") in LANGUAGE_NAMES else None
    audience = args.get("audience") if args.get("audience") in Audience.__members__ else None
    query = services.listing(current_user, topic=topic, language=language, audience=audience,
                             prefer_language=current_language())
    page = paginate(query, current_app.config["MATERIALS_PER_PAGE"])
    return render_template("materials/index.html", page=page, topics=all_topics(),
                           topic=topic, language=language, audience=audience,
                           audiences=AUDIENCE_LABELS,
                           may_create=current_user.can("material.create"))


@bp.route("/manage")
@permission_required("material.create")
def manage() -> ResponseReturnValue:
    state = request.args.get("state") or None
    q = request.args.get("q", "").strip()[:100]
    page = paginate(services.manage_listing(state, q), current_app.config["ADMIN_PER_PAGE"])
    return render_template("materials/manage.html", page=page, state=state, q=q,
                           states=workflow.STATE_LABELS)


@bp.route("/new", methods=["GET", "POST"])
@permission_required("material.create")
def create() -> ResponseReturnValue:
    original = services.by_slug(request.args.get("translation_of", ""))
    if original is not None and not services.can_view(original, current_user):
        original = None
    form = MaterialForm()
    if request.method == "GET":
        if original is not None:
            # A translation starts from the original's text, but with its own key, language
            # and expiry (the original's key would only lead back to the original).
            form = MaterialForm(obj=original)
            _fill_from(form, original)
            # The translation has not been legally reviewed yet, whatever the original says.
            form.expires_on.data = form.reviewed_on.data = None
        form.form_key.data = formkeys.new_key()
        form.language.data = request.args.get("lang") or current_language()
    if form.validate_on_submit():
        # A double click or a retry carries the same key: show what the first one made.
        earlier = formkeys.already_created(Material, form.form_key.data)
        if earlier is not None:
            return redirect(url_for(".edit", slug=earlier.slug))
        if original is not None and services.translation_in(original, form.language.data):
            form.language.errors.append(_("This guide already has a version in this language."))
        else:
            for attempt in range(3):
                try:
                    material = services.create_material(
                        form.to_input(), current_user.id, form_key=form.form_key.data or None,
                        translation_group=original.translation_group if original else None)
                    db.session.commit()
                    break
                except IntegrityError:
                    db.session.rollback()
                    # The same key committed by a parallel request: show what it made.
                    earlier = formkeys.already_created(Material, form.form_key.data)
                    if earlier is not None:
                        return redirect(url_for(".edit", slug=earlier.slug))
                    if attempt == 2:  # not a slug taken a moment ago either
                        raise
            flash(_("Draft saved."), "success")
            return redirect(url_for(".edit", slug=material.slug))
    return render_template("materials/edit.html", form=form, material=None,
                           original=original), 422 if form.errors else 200


@bp.route("/<slug>")
def detail(slug: str) -> ResponseReturnValue:
    material = _get_visible(slug)
    translations = services.translations(material, current_user)
    wanted = request.args.get("lang") or current_language()
    fallback_from = None
    if wanted != material.language and wanted in LANGUAGE_NAMES:
        match = next((t for t in translations if t.language == wanted), None)
        if match is not None and request.args.get("lang"):
            return redirect(url_for(".detail", slug=match.slug))
        if match is None:
            fallback_from = wanted
    rendered = render(material.body)
    return render_template(
        "materials/detail.html", material=material, html=rendered.html, toc=rendered.toc,
        minutes=reading_minutes(material.body), translations=translations,
        fallback_from=fallback_from, related=services.related(material, current_user),
        attachments=attachments.for_item("material", material.id),
        moves=workflow.available_moves(material, current_user),
        can_edit=workflow.can_edit(material, current_user),
        voted=material.id in session.get("voted", []),
        audiences=AUDIENCE_LABELS, states=workflow.STATE_LABELS,
        workflow_form=WorkflowForm(), vote_form=EmptyForm())


@bp.route("/<slug>/print")
def print_view(slug: str) -> ResponseReturnValue:
    material = _get_visible(slug)
    return render_template("materials/print.html", material=material,
                           html=render(material.body).html)


@bp.route("/<slug>/useful", methods=["POST"])
def vote(slug: str) -> ResponseReturnValue:
    material = _get_visible(slug)
    form = EmptyForm()
    answer = request.form.get("useful")
    if not form.validate_on_submit() or answer not in {"yes", "no"}:
        abort(400)
    voted = list(session.get("voted", []))
    if material.id not in voted:  # one answer per visitor session
        services.record_vote(material, answer == "yes")
        db.session.commit()
        session["voted"] = (voted + [material.id])[-200:]
    flash(_("Thank you for your answer."), "success")
    return redirect(url_for(".detail", slug=slug, _anchor="page-useful"))


@bp.route("/<slug>/edit", methods=["GET", "POST"])
def edit(slug: str) -> ResponseReturnValue:
    if not current_user.is_authenticated:
        return current_app.login_manager.unauthorized()  # type: ignore[attr-defined]
    material = _get_editable(slug)
    form = MaterialForm(obj=material)
    if request.method == "GET":
        _fill_from(form, material)
    if form.validate_on_submit():
        refused = edit_refusal(
            form, material,
            language_taken=services.translation_in(material, form.language.data) is not None,
            taken=_("This guide already has a version in this language."),
            stale=_("Someone else saved this guide after you opened it. Your text is kept "
                    "below; compare it with the current version in the history, then save "
                    "again."))
        if refused is None:
            changed = services.update_material(material, form.to_input(), current_user.id,
                                               comment=form.comment.data or "")
            db.session.commit()
            flash(_("Saved.") if changed else _("Nothing changed."), "success")
            return redirect(url_for(".edit", slug=material.slug))
        return _edit_page(material, form, AttachmentForm(), refused)
    return _edit_page(material, form, AttachmentForm(), 422 if form.errors else 200)


def _edit_page(material: Material, form: MaterialForm, attachment_form: AttachmentForm,
               status: int) -> ResponseReturnValue:
    return render_template("materials/edit.html", form=form, material=material,
                           attachment_form=attachment_form,
                           attachments=attachments.for_item("material", material.id),
                           delete_form=EmptyForm()), status


@bp.route("/<slug>/workflow", methods=["POST"])
def move(slug: str) -> ResponseReturnValue:
    return apply_move(_get_visible(slug), url_for(".detail", slug=slug))


add_history_routes(bp, "/<slug>", managed=_get_managed, editable=_get_editable,
                   args=lambda material: {"slug": material.slug},
                   view_label=_l("View the guide"))


@bp.route("/<slug>/attachments", methods=["POST"])
def add_attachment(slug: str) -> ResponseReturnValue:
    material = _get_editable(slug)
    return add_file("material", material.id, url_for(".edit", slug=slug, _anchor="page-files"),
                    lambda form, status: _edit_page(material, _saved_text(material), form,
                                                    status))


def _saved_text(material: Material) -> MaterialForm:
    """The guide's form as saved, not filled from this request (an upload carries no text)."""
    form = MaterialForm(formdata=None, obj=material)
    _fill_from(form, material)
    return form


@bp.route("/<slug>/attachments/<id:attachment_id>/delete", methods=["POST"])
def delete_attachment(slug: str, attachment_id: int) -> ResponseReturnValue:
    material = _get_editable(slug)
    return delete_file("material", material.id, attachment_id,
                       url_for(".edit", slug=slug, _anchor="page-files"))


@bp.route("/feed.atom")
def feed() -> ResponseReturnValue:
    # The feed is public: it lists what an anonymous visitor may read, whoever fetches it.
    language = request.args.get("language") if request.args.get("language") in LANGUAGE_NAMES \
        else None
    items = db.session.scalars(services.listing(AnonymousUser(), language=language).limit(30)).all()
    updated = max((m.updated_at for m in items), default=datetime(2026, 1, 1, tzinfo=UTC))
    xml = render_template("materials/feed.xml", items=items, updated=updated)
    return Response(xml, mimetype="application/atom+xml")

