"""Organisers' webinar pages: writing, workflow, history, materials, participants, attendance
and feedback results."""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import format_datetime
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy.exc import IntegrityError

from portal.accounts.decorators import permission_required
from portal.content import attachments, formkeys, revisions, workflow
from portal.content.actions import (
    add_file,
    add_history_routes,
    apply_move,
    delete_file,
    edit_refusal,
    editable_or_403,
    restore_revision,
)
from portal.content.csvfile import csv_response
from portal.content.forms import AttachmentForm, EmptyForm
from portal.database import utcnow
from portal.extensions import db
from portal.i18n import current_language
from portal.web import paginate
from portal.webinars import registration, services
from portal.webinars.forms import WebinarEditForm, WebinarForm
from portal.webinars.models import STATUS_LABELS, RegistrationStatus, Webinar
from portal.webinars.views import bp, webinar_of, zone


def managed(webinar_id: int) -> Webinar:
    """The webinar if the current user organises it: 404 when it does not exist or they may
    not see it, else 403. The organisers' pages and the API's participants export (whose
    current user is the token's owner) both ask here."""
    webinar = webinar_of(webinar_id)
    if not services.may_manage(webinar, current_user):
        abort(403)
    return webinar


def _editable(webinar_id: int) -> Webinar:
    return editable_or_403(webinar_of(webinar_id))


@bp.route("/manage")
@permission_required("webinar.create")
def manage() -> ResponseReturnValue:
    state = request.args.get("state") or None
    q = request.args.get("q", "").strip()[:100]
    page = paginate(services.manage_listing(state, q), current_app.config["ADMIN_PER_PAGE"])
    return render_template("webinars/manage.html", page=page, state=state, q=q,
                           states=workflow.STATE_LABELS, zone=zone())


@bp.route("/new", methods=["GET", "POST"])
@permission_required("webinar.create")
def create() -> ResponseReturnValue:
    form = WebinarForm()
    if request.method == "GET":
        form.form_key.data = formkeys.new_key()
        form.language.data = current_language()
    if form.validate_on_submit():
        earlier = formkeys.already_created(Webinar, form.form_key.data)
        if earlier is not None:  # a double click: show what the first one made
            return redirect(url_for(".edit", webinar_id=earlier.id))
        try:
            webinar = services.create_webinar(form.to_input(), current_user.id,
                                              form_key=form.form_key.data or None)
            db.session.commit()
        except IntegrityError:
            db.session.rollback()
            earlier = formkeys.already_created(Webinar, form.form_key.data)
            if earlier is None:
                raise
            return redirect(url_for(".edit", webinar_id=earlier.id))
        flash(_("Draft saved."), "success")
        return redirect(url_for(".edit", webinar_id=webinar.id))
    return render_template("webinars/edit.html", form=form, webinar=None,
                           zone=zone()), 422 if form.errors else 200


@bp.route("/<id:webinar_id>/edit", methods=["GET", "POST"])
def edit(webinar_id: int) -> ResponseReturnValue:
    if not current_user.is_authenticated:
        return current_app.login_manager.unauthorized()  # type: ignore[attr-defined]
    webinar = _editable(webinar_id)
    form = WebinarEditForm(obj=webinar, webinar=webinar)
    if request.method == "GET":
        form.fill_from(webinar)
    if form.validate_on_submit():
        refused = edit_refusal(
            form, webinar, language_taken=False, taken="",
            stale=_("Someone else saved this webinar after you opened it. Your changes are "
                    "kept below; compare them with the history, then save again."))
        if refused is not None:
            return _edit_page(webinar, form, AttachmentForm(), refused)
        before = webinar.revision_snapshot()
        try:
            changed = services.update_webinar(webinar, form.to_input(), current_user.id,
                                              comment=form.comment.data or "")
            promoted = registration.after_edit(webinar, before) if changed else []
            db.session.commit()
        except IntegrityError:  # a registration took a seat since the form was checked
            db.session.rollback()
            form.capacity.errors.append(_("More people have registered meanwhile: the "
                                          "capacity cannot be lower than their number."))
            return _edit_page(webinar, form, AttachmentForm(), 409)
        flash(_("Saved.") if changed else _("Nothing changed."), "success")
        if promoted:
            flash(_("%(n)s people moved up from the waiting list.", n=len(promoted)), "success")
        return redirect(url_for(".edit", webinar_id=webinar.id))
    return _edit_page(webinar, form, AttachmentForm(), 422 if form.errors else 200)


def _edit_page(webinar: Webinar, form: WebinarForm, attachment_form: AttachmentForm,
               status: int) -> ResponseReturnValue:
    return render_template("webinars/edit.html", form=form, webinar=webinar, zone=zone(),
                           attachment_form=attachment_form,
                           attachments=attachments.for_item("webinar", webinar.id),
                           delete_form=EmptyForm()), status


def _saved_form(webinar: Webinar) -> WebinarEditForm:
    """The form as saved, not filled from this request (an upload carries no text)."""
    form = WebinarEditForm(formdata=None, obj=webinar, webinar=webinar)
    form.fill_from(webinar)
    return form


@bp.route("/<id:webinar_id>/workflow", methods=["POST"])
def move(webinar_id: int) -> ResponseReturnValue:
    return apply_move(webinar_of(webinar_id), url_for(".detail", webinar_id=webinar_id))


add_history_routes(bp, "/<id:webinar_id>", managed=managed, editable=_editable,
                   args=lambda webinar: {"webinar_id": webinar.id},
                   view_label=_l("View the webinar"), restore=False)


@bp.route("/<id:webinar_id>/history/<id:number>/restore", methods=["POST"])
def restore(webinar_id: int, number: int) -> ResponseReturnValue:
    """Restore as an edit would save: participants are told, and never fewer seats than
    people registered."""
    webinar = _editable(webinar_id)
    back = url_for(".history", webinar_id=webinar.id)
    old = revisions.get(webinar, number)
    if old is not None and int(old.data.get("capacity", 1)) < webinar.seats_taken:
        flash(_("%(n)s people are registered already: a revision with fewer seats cannot be "
                "restored.", n=webinar.seats_taken), "error")
        return redirect(back), 303
    before = webinar.revision_snapshot()
    try:
        return restore_revision(webinar, number, back,
                                after=lambda: registration.after_edit(webinar, before))
    except IntegrityError:  # a registration took a seat meanwhile (seats_taken <= capacity)
        db.session.rollback()
        flash(_("Someone registered meanwhile: there are more people than that revision has "
                "seats."), "error")
        return redirect(back), 303


# Materials: files added before or after the webinar ----------------------------------------------

@bp.route("/<id:webinar_id>/attachments", methods=["POST"])
def add_attachment(webinar_id: int) -> ResponseReturnValue:
    webinar = _editable(webinar_id)
    return add_file("webinar", webinar.id,
                    url_for(".edit", webinar_id=webinar.id, _anchor="page-files"),
                    lambda form, status: _edit_page(webinar, _saved_form(webinar), form,
                                                    status))


@bp.route("/<id:webinar_id>/attachments/<id:attachment_id>/delete", methods=["POST"])
def delete_attachment(webinar_id: int, attachment_id: int) -> ResponseReturnValue:
    webinar = _editable(webinar_id)
    return delete_file("webinar", webinar.id, attachment_id,
                       url_for(".edit", webinar_id=webinar.id, _anchor="page-files"))


# Participants, attendance, feedback -------------------------------------------------------------

@bp.route("/<id:webinar_id>/participants")
def participants(webinar_id: int) -> ResponseReturnValue:
    webinar = managed(webinar_id)
    rows = registration.participants(webinar)
    rated = [r for r in rows if r.rating is not None]
    distribution = {n: sum(1 for r in rated if r.rating == n) for n in range(5, 0, -1)}
    return render_template(
        "webinars/participants.html", webinar=webinar, rows=rows, statuses=STATUS_LABELS,
        confirmed=[r for r in rows if r.status == RegistrationStatus.confirmed],
        waiting=[r for r in rows if r.status == RegistrationStatus.waiting],
        rated=rated, distribution=distribution,
        average=sum(r.rating or 0 for r in rated) / len(rated) if rated else None,
        may_mark=webinar.starts_at <= utcnow(), form=EmptyForm(), zone=zone())


@bp.route("/<id:webinar_id>/participants.csv")
def participants_csv(webinar_id: int) -> ResponseReturnValue:
    webinar = managed(webinar_id)
    rows = registration.participants(webinar)
    records = [registration.participant_record(r) for r in rows]
    return csv_response(
        f"webinar-{webinar.id}-participants.csv",
        [_("Name"), _("Email"), _("Status"), _("Registered"), _("Place on the waiting list"),
         _("Attended"), _("Rating"), _("Comment")],
        [[p["name"], p["email"], p["status_label"],
          format_datetime(p["registered_at"], "yyyy-MM-dd HH:mm"),
          p["waiting_position"] or "", _("yes") if p["attended"] else "", p["rating"] or "",
          p["comment"]] for p in records])


@bp.route("/<id:webinar_id>/attendance", methods=["POST"])
def attendance(webinar_id: int) -> ResponseReturnValue:
    webinar = managed(webinar_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    if webinar.starts_at > utcnow():
        flash(_("Attendance can be marked once the webinar has started."), "error")
        return redirect(url_for(".participants", webinar_id=webinar.id)), 303
    present = {int(v) for v in request.form.getlist("present") if v.isdecimal()
               and len(v) <= 10}
    count = registration.set_attendance(webinar, present, current_user.id)
    db.session.commit()
    flash(_("Attendance saved: %(n)s attended.", n=count), "success")
    return redirect(url_for(".participants", webinar_id=webinar.id))
