"""The staff's pages: the queue, a request with its messages, taking, assigning, replying,
notes and statuses; the administrators' topics, extra fields and consent texts.

A request's address holds its reference only (not personal data). A request the user may not
see as staff answers 404, like one that does not exist: nothing to learn by guessing. Every
page showing a request's details writes who opened it to the audit log. They are sent with
``Cache-Control: no-store`` by :func:`portal.security.init_app`, as every page for a logged-in
user (and every page here needs a login).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import wraps
from typing import Any, TypeVar

from flask import (
    abort,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from werkzeug.wrappers import Response

from portal.accounts.decorators import permission_required
from portal.accounts.models import User
from portal.consultations import configuration, files, queue_helpers, references, services
from portal.consultations.configuration import ConfigurationError
from portal.consultations.models import (
    CONTACT_TIME_LABELS,
    CONTACT_WAY_LABELS,
    FIELD_KIND_LABELS,
    LANGUAGES,
    STATUS_LABELS,
    ConsultationRequest,
    ConsultationTopic,
    ExtraField,
    MessageKind,
    Status,
)
from portal.consultations.staff_forms import (
    AssignForm,
    ConsentForm,
    FieldForm,
    NoteForm,
    ReplyForm,
    StatusForm,
    TopicForm,
)
from portal.consultations.views import bp
from portal.content.forms import EmptyForm
from portal.extensions import db, login_manager
from portal.web import paginate

__all__ = ["bp"]

F = TypeVar("F", bound=Callable[..., Any])

#: Values of the queue's assignee filter besides a consultant's id.
UNASSIGNED, MINE = "unassigned", "mine"


def staff_required(view: F) -> F:
    """Consultants and supervisors; anonymous visitors are sent to log in, others get 403."""

    @wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if not current_user.is_authenticated:
            return login_manager.unauthorized()
        if not (current_user.can("consultation.answer")
                or current_user.can("consultation.supervise")):
            abort(403)
        return view(*args, **kwargs)

    return wrapped  # type: ignore[return-value]


def _statuses() -> dict[str, str]:
    """The status labels, translated once per page."""
    return {s.value: str(label) for s, label in STATUS_LABELS.items()}


# The queue ------------------------------------------------------------------------------------

@dataclass
class QueueFilters:
    status: str = ""
    topic: str = ""
    region: str = ""
    #: "", "unassigned", "mine" or a consultant's id (supervisors).
    assignee: str = ""
    overdue: bool = False
    errors: dict[str, str] = field(default_factory=dict)

    def args(self, **changes: Any) -> dict[str, Any]:
        """The query arguments that give these filters back (links: pages, the counts)."""
        found = {"status": self.status, "topic": self.topic, "region": self.region,
                 "assignee": self.assignee, "overdue": "1" if self.overdue else ""}
        found.update(changes)
        return {name: value for name, value in found.items() if value}


def _assignee_choices() -> list[tuple[str, str]]:
    choices = [(UNASSIGNED, _("Unassigned")), (MINE, _("Assigned to me"))]
    if services.may_assign(current_user):
        choices += [(str(u.id), u.name) for u in services.consultants()]
    return choices


def read_queue_filters(topics: list[ConsultationTopic], regions: list[str],
                       assignees: list[tuple[str, str]]) -> QueueFilters:
    """The queue's filters from the query string, with a message per value that makes no
    sense. Every value is a code (status, topic slug, region, staff id), never personal."""
    args = request.args
    filters = QueueFilters()
    checks: list[tuple[str, set[str], str]] = [
        ("status", {s.value for s in Status}, _("There is no such status.")),
        ("topic", {t.slug for t in topics}, _("There is no such topic.")),
        ("region", set(regions), _("No request comes from this region.")),
        ("assignee", {value for value, _label in assignees},
         _("Choose someone from the list.")),
    ]
    for name, allowed, message in checks:
        value = args.get(name, "").strip()[:120]
        if value and value not in allowed:
            filters.errors[name] = message
        setattr(filters, name, value)
    overdue = args.get("overdue", "").strip()
    if overdue not in ("", "1"):
        filters.errors["overdue"] = _("Tick the box or leave it empty.")
    filters.overdue = overdue == "1"
    return filters


@bp.route("/queue")
@staff_required
def queue() -> ResponseReturnValue:
    topics = configuration.all_topics()
    regions = queue_helpers.regions()
    assignees = _assignee_choices()
    filters = read_queue_filters(topics, regions, assignees)
    page = None
    if not filters.errors:
        topic_ids = {t.slug: t.id for t in topics}
        assignee_id = None
        if filters.assignee == MINE:
            assignee_id = current_user.id
        elif filters.assignee and filters.assignee != UNASSIGNED:
            assignee_id = int(filters.assignee)
        query = services.queue(
            current_user, status=filters.status or None,
            topic_id=topic_ids.get(filters.topic), region=filters.region or None,
            assignee_id=assignee_id, unassigned=filters.assignee == UNASSIGNED,
            overdue=filters.overdue)
        page = paginate(query, int(current_app.config["ADMIN_PER_PAGE"]))
    response = make_response(render_template(
        "consultations/staff/queue.html", page=page, filters=filters,
        topic_choices=[(t.slug, t.name) for t in topics],
        region_choices=[(r, r) for r in regions], assignees=assignees,
        counts=services.queue_counts(current_user),
        statuses=_statuses(), is_overdue=services.is_overdue),
        400 if filters.errors else 200)
    return response


# A request ------------------------------------------------------------------------------------

def _by_reference(reference: str) -> ConsultationRequest | None:
    if not references.REFERENCE_RE.match(reference):
        return None
    return db.session.scalar(select(ConsultationRequest).where(
        ConsultationRequest.reference == reference))


def request_of(reference: str) -> ConsultationRequest:
    """The request if the current user may see it as staff; hidden and missing ones: 404."""
    found = _by_reference(reference)
    if found is None or not services.can_view_as_staff(found, current_user):
        abort(404)
    return found


@dataclass
class ActionForms:
    reply: ReplyForm
    note: NoteForm
    assign: AssignForm | None
    status: StatusForm
    empty: EmptyForm


def _forms(item: ConsultationRequest, **given: Any) -> ActionForms:
    """The action forms of the page: *given* ones (with the user's input and errors), blank
    ones for the rest (``formdata=None``: not filled from another form's POST)."""
    def blank(cls: Any, *args: Any) -> Any:
        return cls(*args, formdata=None)

    assign = given.get("assign")
    if assign is None and services.may_assign(current_user):
        assign = blank(AssignForm, services.consultants())
        assign.assignee.data = str(item.assignee_id or "")
    return ActionForms(
        reply=given.get("reply") or blank(ReplyForm), note=given.get("note") or blank(NoteForm),
        assign=assign, status=given.get("status") or blank(StatusForm,
                                                           services.allowed_statuses(item)),
        empty=EmptyForm(formdata=None))


def _request_page(item: ConsultationRequest, code: int = 200, message: str = "",
                  **given: Any) -> Response:
    """The request with its thread and actions; the opening is audited (also when the page
    comes back with a form's errors: it shows the request all the same)."""
    services.record_opened(item, current_user)
    db.session.commit()
    consent = configuration.consent_text(item.consent_version, item.language)
    response = make_response(render_template(
        "consultations/staff/request.html", item=item, forms=_forms(item, **given),
        messages=services.staff_messages(item), message=message, statuses=_statuses(),
        overdue=services.is_overdue(item), consent=consent,
        extra_labels={f.name: f.label for f in item.topic.fields},
        may_work=services.may_work_on(item, current_user),
        may_take=services.may_take(item, current_user),
        may_note=not item.is_anonymised,
        may_reopen=services.may_work_on(item, current_user)
        and item.status in (Status.answered, Status.closed),
        kinds=MessageKind, contact_ways=CONTACT_WAY_LABELS,
        contact_times=CONTACT_TIME_LABELS), code)
    return response


def _back(item: ConsultationRequest, anchor: str | None = None) -> Response:
    return redirect(url_for(".staff_request", reference=item.reference, _anchor=anchor), 303)


def _refused(item: ConsultationRequest, error: services.ConsultationError) -> Response:
    """A service's refusal after the checks the page made (the page was stale)."""
    db.session.rollback()
    if isinstance(error, services.NotAllowed):
        abort(403)
    item = request_of(item.reference)
    return _request_page(item, 409, str(error))


def _taken(reference: str, message: str, kept: str = "") -> Response:
    """Another consultant took the request first: 409, and the way back to the queue; *kept*,
    the text the consultant had written (a reply, a note), shown to be copied."""
    flash(message, "error")
    return make_response(render_template("consultations/staff/taken.html",
                                         reference=reference, kept=kept), 409)


def _taken_by_another(reference: str) -> bool:
    """The request exists but another consultant has it now (a page opened while it was free):
    worth saying so rather than a bare 404. Nothing about the request is shown."""
    found = _by_reference(reference)
    return (found is not None and not services.can_view_as_staff(found, current_user)
            and found.assignee_id is not None and current_user.can("consultation.answer"))


def _already_taken(reference: str, kept: str = "") -> Response:
    return _taken(reference, _("Another consultant has taken this request."), kept)


@bp.route("/queue/<reference>")
@staff_required
def staff_request(reference: str) -> ResponseReturnValue:
    return _request_page(request_of(reference))


@bp.route("/queue/<reference>/attachment")
@staff_required
def staff_attachment(reference: str) -> ResponseReturnValue:
    item = request_of(reference)
    path = files.path_of(item.attachment_stored)
    if path is None or not path.is_file():
        abort(404)
    queue_helpers.record_download(item, current_user)
    db.session.commit()
    response = send_file(path, as_attachment=True, download_name=item.attachment_name,
                         mimetype=item.attachment_type or "application/octet-stream",
                         max_age=0)
    return response


@bp.route("/queue/<reference>/take", methods=["POST"])
@staff_required
def staff_take(reference: str) -> ResponseReturnValue:
    if not EmptyForm().validate_on_submit():
        abort(400)
    if _taken_by_another(reference):
        # Another consultant was quicker (the queue the consultant saw listed it as free).
        return _already_taken(reference)
    item = request_of(reference)
    try:
        services.take(item, current_user)
    except services.AlreadyTaken as error:
        db.session.rollback()
        return _taken(reference, str(error))
    except services.ConsultationError as error:
        return _refused(item, error)
    db.session.commit()
    flash(_("You have taken %(reference)s.", reference=item.reference), "success")
    return _back(item)


@bp.route("/queue/<reference>/assign", methods=["POST"])
@staff_required
def staff_assign(reference: str) -> ResponseReturnValue:
    item = request_of(reference)
    if not services.may_assign(current_user):
        abort(403)
    form = AssignForm(services.consultants())
    if not form.validate_on_submit():
        return _request_page(item, 422, assign=form)
    assignee = (db.session.get(User, int(form.assignee.data))
                if form.assignee.data else None)
    try:
        services.assign(item, assignee, current_user)
    except services.InvalidInput as error:
        db.session.rollback()
        form.assignee.errors = [str(error)]
        return _request_page(request_of(reference), 422, assign=form)
    except services.ConsultationError as error:
        return _refused(item, error)
    db.session.commit()
    flash(_("Assigned to %(name)s.", name=assignee.name) if assignee
          else _("Back in the queue."), "success")
    return _back(item)


def _write(reference: str, form: ReplyForm | NoteForm, name: str, action: Any,
           done: str) -> ResponseReturnValue:
    """A message from the staff page's *name* form (reply or note) written by *action*
    (``services.reply`` or ``services.note``); what was typed is kept on every refusal."""
    if _taken_by_another(reference):  # taken while the consultant was writing
        return _already_taken(reference, form.body.data or "")
    item = request_of(reference)
    if not form.validate_on_submit():
        return _request_page(item, 422, **{name: form})
    try:
        action(item, form.body.data or "", current_user)
    except services.InvalidInput as error:
        db.session.rollback()
        form.body.errors = [str(error)]
        return _request_page(request_of(reference), 422, **{name: form})
    except services.AlreadyTaken:
        db.session.rollback()
        return _already_taken(reference, form.body.data or "")
    except services.ConsultationError as error:
        return _refused(item, error)
    db.session.commit()
    flash(done, "success")
    return _back(item, "page-thread")


@bp.route("/queue/<reference>/reply", methods=["POST"])
@staff_required
def staff_reply(reference: str) -> ResponseReturnValue:
    return _write(reference, ReplyForm(), "reply", services.reply,
                  _("Reply sent; the citizen is told by mail if they gave an address."))


@bp.route("/queue/<reference>/note", methods=["POST"])
@staff_required
def staff_note(reference: str) -> ResponseReturnValue:
    return _write(reference, NoteForm(), "note", services.note, _("Internal note saved."))


@bp.route("/queue/<reference>/status", methods=["POST"])
@staff_required
def staff_status(reference: str) -> ResponseReturnValue:
    item = request_of(reference)
    form = StatusForm(services.allowed_statuses(item))
    if not form.validate_on_submit():
        return _request_page(item, 422, status=form)
    try:
        services.set_status(item, form.status.data, current_user)
    except services.InvalidTransition as error:
        db.session.rollback()
        item = request_of(reference)
        form = StatusForm(services.allowed_statuses(item))
        form.status.errors = [str(error)]
        return _request_page(item, 409, status=form)
    except services.ConsultationError as error:
        return _refused(item, error)
    db.session.commit()
    flash(_("The status is now “%(status)s”.", status=STATUS_LABELS[item.status]), "success")
    return _back(item)


@bp.route("/queue/<reference>/reopen", methods=["POST"])
@staff_required
def staff_reopen(reference: str) -> ResponseReturnValue:
    item = request_of(reference)
    if not EmptyForm().validate_on_submit():
        abort(400)
    if item.status not in (Status.answered, Status.closed):
        return _request_page(item, 409, _("Only an answered or closed request can be "
                                          "reopened."))
    try:
        services.reopen(item, current_user)
    except services.ConsultationError as error:
        return _refused(item, error)
    db.session.commit()
    flash(_("Reopened."), "success")
    return _back(item)


# Administration -------------------------------------------------------------------------------

def _topic_of(topic_id: int) -> ConsultationTopic:
    topic = db.session.get(ConsultationTopic, topic_id)
    if topic is None:
        abort(404)
    return topic


@bp.route("/admin/topics")
@permission_required("consultation.configure")
def admin_topics() -> ResponseReturnValue:
    return render_template("consultations/staff/topics.html",
                           topics=configuration.all_topics(),
                           consent_version=configuration.current_consent_version())


def _topic_page(form: TopicForm, topic: ConsultationTopic | None,
                status: int) -> ResponseReturnValue:
    return render_template("consultations/staff/topic_edit.html", form=form, topic=topic,
                           kinds={k.value: str(v) for k, v in FIELD_KIND_LABELS.items()},
                           delete_form=EmptyForm()), status


def _save_topic(form: TopicForm, topic: ConsultationTopic | None) -> ResponseReturnValue:
    if form.validate_on_submit():
        try:
            saved = configuration.save_topic(form.to_input(), current_user.id, topic)
        except ConfigurationError as error:
            db.session.rollback()
            target = form.response_days if "response" in str(error).lower() else form.slug
            target.errors = [str(error)]
        else:
            db.session.commit()
            flash(_("Topic saved: %(name)s.", name=saved.name), "success")
            return redirect(url_for(".admin_topic", topic_id=saved.id), 303)
    return _topic_page(form, topic, 422 if form.errors else 200)


@bp.route("/admin/topics/new", methods=["GET", "POST"])
@permission_required("consultation.configure")
def admin_topic_new() -> ResponseReturnValue:
    form = TopicForm()
    if request.method == "GET":
        form.active.data = True
        form.response_days.data = 5
    return _save_topic(form, None)


@bp.route("/admin/topics/<id:topic_id>", methods=["GET", "POST"])
@permission_required("consultation.configure")
def admin_topic(topic_id: int) -> ResponseReturnValue:
    topic = _topic_of(topic_id)
    form = TopicForm(obj=topic)
    if request.method == "GET":
        form.fill_from(topic)
    return _save_topic(form, topic)


def _field_of(topic: ConsultationTopic, field_id: int) -> ExtraField:
    extra = db.session.get(ExtraField, field_id)
    if extra is None or extra.topic_id != topic.id:
        abort(404)
    return extra


def _save_field(topic: ConsultationTopic, form: FieldForm,
                extra: ExtraField | None) -> ResponseReturnValue:
    if form.validate_on_submit():
        try:
            configuration.save_field(topic, form.to_input(), current_user.id, extra)
        except ConfigurationError as error:
            db.session.rollback()
            target = form.choices if "option" in str(error).lower() else form.name
            target.errors = [str(error)]
        else:
            db.session.commit()
            flash(_("Field saved."), "success")
            return redirect(url_for(".admin_topic", topic_id=topic.id, _anchor="page-fields"),
                            303)
    return render_template("consultations/staff/field_edit.html", form=form, topic=topic,
                           extra=extra), 422 if form.errors else 200


@bp.route("/admin/topics/<id:topic_id>/fields/new", methods=["GET", "POST"])
@permission_required("consultation.configure")
def admin_field_new(topic_id: int) -> ResponseReturnValue:
    topic = _topic_of(topic_id)
    form = FieldForm()
    if request.method == "GET":
        form.position.data = len(topic.fields)
    return _save_field(topic, form, None)


@bp.route("/admin/topics/<id:topic_id>/fields/<id:field_id>", methods=["GET", "POST"])
@permission_required("consultation.configure")
def admin_field(topic_id: int, field_id: int) -> ResponseReturnValue:
    topic = _topic_of(topic_id)
    extra = _field_of(topic, field_id)
    form = FieldForm(obj=extra)
    if request.method == "GET":
        form.fill_from(extra)
    return _save_field(topic, form, extra)


@bp.route("/admin/topics/<id:topic_id>/fields/<id:field_id>/delete", methods=["POST"])
@permission_required("consultation.configure")
def admin_field_delete(topic_id: int, field_id: int) -> ResponseReturnValue:
    topic = _topic_of(topic_id)
    extra = _field_of(topic, field_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    label = extra.label
    configuration.delete_field(extra, current_user.id)
    db.session.commit()
    flash(_("Field removed: %(label)s. Answers already given stay in their requests.",
            label=label), "success")
    return redirect(url_for(".admin_topic", topic_id=topic.id, _anchor="page-fields"), 303)


@bp.route("/admin/consent", methods=["GET", "POST"])
@permission_required("consultation.configure")
def admin_consent() -> ResponseReturnValue:
    version = configuration.current_consent_version()
    current = {language: configuration.consent_text(version, language)
               for language in LANGUAGES} if version else {}
    form = ConsentForm()
    if request.method == "GET":
        for language, text in current.items():
            if text is not None:
                form[f"text_{language}"].data = text.text
    if form.validate_on_submit():
        try:
            new = configuration.new_consent_version(form.texts(), current_user.id)
        except ConfigurationError as error:
            db.session.rollback()
            form.text_en.errors = [str(error)]
        else:
            db.session.commit()
            flash(_("Consent text version %(version)s published; new requests use it.",
                    version=new), "success")
            return redirect(url_for(".admin_consent"), 303)
    return render_template("consultations/staff/consent.html", form=form, version=version,
                           current=current), 422 if form.errors else 200
