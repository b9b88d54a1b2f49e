"""Editors' pages of the register: records (writing, workflow, history, documents) and
partners."""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy.exc import IntegrityError

from portal.accounts.decorators import permission_required
from portal.content import attachments, formkeys, workflow
from portal.content.actions import (
    add_file,
    add_history_routes,
    apply_move,
    delete_file,
    edit_refusal,
    editable_or_403,
    restore_revision,
)
from portal.content.forms import AttachmentForm, EmptyForm
from portal.cooperation import services
from portal.cooperation.forms import PartnerForm, RecordEditForm, RecordForm
from portal.cooperation.models import CooperationRecord, Partner
from portal.cooperation.views import bp, record_of
from portal.extensions import db
from portal.i18n import current_language
from portal.web import int_arg, paginate


def _managed(record_id: int) -> CooperationRecord:
    record = record_of(record_id)
    if not services.may_manage(record, current_user):
        abort(403)
    return record


def _editable(record_id: int) -> CooperationRecord:
    return editable_or_403(record_of(record_id))


@bp.route("/manage")
@permission_required("cooperation.create")
def manage() -> ResponseReturnValue:
    state = request.args.get("state") or None
    q = request.args.get("q", "").strip()[:100]
    page = paginate(services.manage_listing(state, q), current_app.config["ADMIN_PER_PAGE"])
    return render_template("cooperation/manage.html", page=page, state=state, q=q,
                           states=workflow.STATE_LABELS)


@bp.route("/new", methods=["GET", "POST"])
@permission_required("cooperation.create")
def create() -> ResponseReturnValue:
    original_id = int_arg("translation_of")
    original = db.session.get(CooperationRecord, original_id) if original_id else None
    if original is not None and not services.can_view(original, current_user):
        original = None
    form = RecordForm()
    if request.method == "GET":
        if original is not None:
            # A translation starts from the original's details, in another language.
            form = RecordForm(obj=original)
            form.fill_from(original)
        form.form_key.data = formkeys.new_key()
        form.language.data = request.args.get("lang") or current_language()
    if form.validate_on_submit():
        earlier = formkeys.already_created(CooperationRecord, form.form_key.data)
        if earlier is not None:  # a double click: show what the first one made
            return redirect(url_for(".edit", record_id=earlier.id))
        if original is not None and (form.language.data == original.language
                                     or services.translation_in(original, form.language.data)):
            form.language.errors.append(_("This record already has a version in this "
                                          "language."))
        else:
            try:
                record = services.create_record(
                    form.to_input(), current_user.id, form_key=form.form_key.data or None,
                    translation_group=original.translation_group if original else None)
                db.session.commit()
            except IntegrityError:
                db.session.rollback()
                earlier = formkeys.already_created(CooperationRecord, form.form_key.data)
                if earlier is None:
                    raise
                return redirect(url_for(".edit", record_id=earlier.id))
            flash(_("Draft saved."), "success")
            return redirect(url_for(".edit", record_id=record.id))
    return render_template("cooperation/edit.html", form=form, record=None,
                           original=original), 422 if form.errors else 200


@bp.route("/<id:record_id>/edit", methods=["GET", "POST"])
def edit(record_id: int) -> ResponseReturnValue:
    if not current_user.is_authenticated:
        return current_app.login_manager.unauthorized()  # type: ignore[attr-defined]
    record = _editable(record_id)
    form = RecordEditForm(obj=record)
    if request.method == "GET":
        form.fill_from(record)
    if form.validate_on_submit():
        other = services.translation_in(record, form.language.data)
        refused = edit_refusal(
            form, record, language_taken=other is not None,
            taken=_("This record already has a version in this language."),
            stale=_("Someone else saved this record after you opened it. Your changes are "
                    "kept below; compare them with the history, then save again."))
        if refused is not None:
            return _edit_page(record, form, AttachmentForm(), refused)
        changed = services.update_record(record, form.to_input(), current_user.id,
                                         comment=form.comment.data or "")
        db.session.commit()
        flash(_("Saved.") if changed else _("Nothing changed."), "success")
        return redirect(url_for(".edit", record_id=record.id))
    return _edit_page(record, form, AttachmentForm(), 422 if form.errors else 200)


def _edit_page(record: CooperationRecord, form: RecordForm, attachment_form: AttachmentForm,
               status: int) -> ResponseReturnValue:
    return render_template("cooperation/edit.html", form=form, record=record, original=None,
                           attachment_form=attachment_form,
                           documents=attachments.for_item("cooperation", record.id),
                           delete_form=EmptyForm()), status


def _saved_form(record: CooperationRecord) -> RecordEditForm:
    """The form as saved, not filled from this request (an upload carries no text)."""
    form = RecordEditForm(formdata=None, obj=record)
    form.fill_from(record)
    return form


@bp.route("/<id:record_id>/workflow", methods=["POST"])
def move(record_id: int) -> ResponseReturnValue:
    record = record_of(record_id)
    response = apply_move(record, url_for(".detail", record_id=record_id))
    # Archived records remind nobody, reopened ones do again (keyed mails: never twice).
    services.schedule_reminders(record)
    db.session.commit()
    return response


add_history_routes(bp, "/<id:record_id>", managed=_managed, editable=_editable,
                   args=lambda record: {"record_id": record.id},
                   view_label=_l("View the record"), restore=False)


@bp.route("/<id:record_id>/history/<id:number>/restore", methods=["POST"])
def restore(record_id: int, number: int) -> ResponseReturnValue:
    """Restore, and let the reminders follow the restored dates."""
    record = _editable(record_id)
    return restore_revision(record, number, url_for(".history", record_id=record.id),
                            after=lambda: services.schedule_reminders(record))


@bp.route("/<id:record_id>/attachments", methods=["POST"])
def add_attachment(record_id: int) -> ResponseReturnValue:
    record = _editable(record_id)
    return add_file("cooperation", record.id,
                    url_for(".edit", record_id=record.id, _anchor="page-files"),
                    lambda form, status: _edit_page(record, _saved_form(record), form, status))


@bp.route("/<id:record_id>/attachments/<id:attachment_id>/delete", methods=["POST"])
def delete_attachment(record_id: int, attachment_id: int) -> ResponseReturnValue:
    record = _editable(record_id)
    return delete_file("cooperation", record.id, attachment_id,
                       url_for(".edit", record_id=record.id, _anchor="page-files"))


# Partners -------------------------------------------------------------------------------------


@bp.route("/partners/new", methods=["GET", "POST"])
@permission_required("cooperation.edit")
def new_partner() -> ResponseReturnValue:
    form = PartnerForm()
    if form.validate_on_submit():
        partner = services.create_partner(form.to_input(), current_user.id)
        db.session.commit()
        flash(_("Partner added: %(name)s.", name=partner.name), "success")
        return redirect(url_for(".partners"))
    return render_template("cooperation/partner_edit.html", form=form, partner=None,
                           delete_form=None), 422 if form.errors else 200


@bp.route("/partners/<id:partner_id>/edit", methods=["GET", "POST"])
@permission_required("cooperation.edit")
def edit_partner(partner_id: int) -> ResponseReturnValue:
    partner = db.session.get(Partner, partner_id)
    if partner is None:
        abort(404)
    form = PartnerForm(obj=partner, partner=partner)
    if request.method == "GET":
        form.kind.data = partner.kind.value
        form.country.data = partner.country or ""
    if form.validate_on_submit():
        services.update_partner(partner, form.to_input(), current_user.id)
        db.session.commit()
        flash(_("Saved."), "success")
        return redirect(url_for(".partners"))
    return render_template("cooperation/partner_edit.html", form=form, partner=partner,
                           delete_form=EmptyForm(),
                           used=services.record_count(partner)), 422 if form.errors else 200


@bp.route("/partners/<id:partner_id>/delete", methods=["POST"])
@permission_required("cooperation.edit")
def delete_partner(partner_id: int) -> ResponseReturnValue:
    partner = db.session.get(Partner, partner_id)
    if partner is None:
        abort(404)
    if not EmptyForm().validate_on_submit():
        abort(400)
    name = partner.name
    if not services.delete_partner(partner, current_user.id):
        flash(_("%(name)s is named by records: remove it from them first.", name=name),
              "error")
        return redirect(url_for(".edit_partner", partner_id=partner_id)), 303
    db.session.commit()
    flash(_("Partner removed: %(name)s.", name=name), "success")
    return redirect(url_for(".partners")), 303
