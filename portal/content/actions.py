"""View steps shared by every content type's pages (guides, courses, ...)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user

from portal.content import attachments, revisions, workflow
from portal.content.forms import AttachmentForm, EmptyForm, WorkflowForm
from portal.extensions import db
from portal.web import int_arg

Item = TypeVar("Item", bound=workflow.Publishable)


def visible_or_404(item: Item | None, can_view: Callable[[Item, Any], bool]) -> Item:
    """*item* if the current user may see it; a missing item and a hidden one both answer 404.

    Drafts, expired and restricted items look like missing ones: there is nothing to probe.
    """
    if item is None or not can_view(item, current_user):
        abort(404)
    return item


def editable_or_403(item: Item) -> Item:
    """*item* if the current user may change its content now (nobody while it is in review)."""
    if not workflow.can_edit(item, current_user):
        abort(403)
    return item


def apply_move(item: workflow.Publishable, back: str) -> ResponseReturnValue:
    """Make the workflow move posted by the item's workflow form, then go back to *back*."""
    form = WorkflowForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        done = workflow.transition(item, form.move.data, current_user, form.comment.data or "")
    except workflow.WorkflowError as exc:
        if str(exc) == "comment required":
            flash(_("Say what should change: a comment is required to send it back."), "error")
            return redirect(back)
        abort(403)
    db.session.commit()
    flash(_("Done: %(move)s.", move=done.label), "success")
    return redirect(back)


# History, diff and restore ---------------------------------------------------------------------


@dataclass(frozen=True)
class HistoryLinks:
    """Where an item's history pages point.

    The content type's blueprint names its views ``detail``, ``history``, ``diff`` and
    ``restore``; *args* are the URL arguments that find the item (``{"slug": ...}``).
    """

    blueprint: str
    args: Mapping[str, Any] = field(default_factory=dict)

    def url(self, view: str, **extra: Any) -> str:
        return url_for(f"{self.blueprint}.{view}", **self.args, **extra)


def _revisioned(item: workflow.Publishable) -> revisions.Revisioned:
    if not isinstance(item, revisions.Revisioned):
        raise TypeError(f"{type(item).__name__} keeps no revisions")
    return item


def history_page(item: workflow.Publishable, links: HistoryLinks,
                 view_label: str) -> ResponseReturnValue:
    """The item's revisions, newest first, with "compare" and "restore" (the caller checked
    that the user may manage the item; restoring is offered only while they may edit it)."""
    return render_template("content/history.html", item=item, links=links,
                           view_label=view_label,
                           revisions=revisions.history(_revisioned(item)),
                           restore_form=EmptyForm(),
                           can_edit=workflow.can_edit(item, current_user))


def diff_page(item: workflow.Publishable, links: HistoryLinks,
              labels: Mapping[str, Any] | None = None) -> ResponseReturnValue:
    """The line diff of two revisions named by the ``a`` and ``b`` query arguments.

    Fields are the item's ``revision_fields`` first, then whatever else its snapshots hold
    (a guide's topics), so a content type that snapshots more is compared on all of it.
    """
    revisioned = _revisioned(item)
    a, b = int_arg("a"), int_arg("b")
    if a is None or b is None:
        abort(400)
    old, new = revisions.get(revisioned, a), revisions.get(revisioned, b)
    if old is None or new is None:
        abort(404)
    own = revisioned.revision_fields
    extra = sorted((old.data.keys() | new.data.keys()) - set(own))
    return render_template("content/diff.html", item=item, links=links, old=old, new=new,
                           diffs=revisions.diff(old.data, new.data, (*own, *extra)),
                           labels=revisioned.revision_labels if labels is None else labels)


def restore_revision(item: workflow.Publishable, number: int, back: str,
                     after: Callable[[], object] | None = None) -> ResponseReturnValue:
    """Put revision *number* back as a new revision, then go to *back*.

    The caller checked that the user may edit the item now (not while it is in review);
    *after* runs in the same transaction, once the item is restored (what an edit of this
    content type sets off, such as mails to a webinar's participants).
    """
    if not EmptyForm().validate_on_submit():
        abort(400)
    revisioned = _revisioned(item)
    revision = revisions.get(revisioned, number)
    if revision is None:
        abort(404)
    revisions.restore(revisioned, revision, current_user.id)
    if after is not None:
        after()
    db.session.commit()
    flash(_("Revision %(n)s is restored.", n=number), "success")
    return redirect(back)


def add_history_routes(bp: Blueprint, item_rule: str, *,
                       managed: Callable[..., workflow.Publishable],
                       editable: Callable[..., workflow.Publishable],
                       args: Callable[[Any], Mapping[str, Any]], view_label: Any,
                       labels: Mapping[str, Any] | None = None,
                       restore: bool = True) -> None:
    """Add an item's history pages to its content type's blueprint, as the views ``history``
    (GET ``<item_rule>/history``), ``diff`` (GET ``.../history/diff``) and ``restore`` (POST
    ``.../history/<number>/restore``; pass ``restore=False`` to write a view of one's own).

    *managed* and *editable* find the item from the rule's URL arguments (404 / 403 as the
    content type decides); *args* gives those arguments back for an item, for links.
    """
    def links(item: Any) -> HistoryLinks:
        return HistoryLinks(bp.name, args(item))

    def history(**values: Any) -> ResponseReturnValue:
        item = managed(**values)
        return history_page(item, links(item), view_label)

    def diff(**values: Any) -> ResponseReturnValue:
        item = managed(**values)
        return diff_page(item, links(item), labels)

    def restore_view(number: int, **values: Any) -> ResponseReturnValue:
        item = editable(**values)
        return restore_revision(item, number, links(item).url("history"))

    bp.add_url_rule(f"{item_rule}/history", "history", history)
    bp.add_url_rule(f"{item_rule}/history/diff", "diff", diff)
    if restore:
        bp.add_url_rule(f"{item_rule}/history/<id:number>/restore", "restore", restore_view,
                        methods=["POST"])


def edit_refusal(form: Any, item: workflow.Publishable, *, language_taken: bool,
                 taken: str, stale: str) -> int | None:
    """Why an edit form that validated must not be saved: 422 when its language is taken by a
    translation, 409 when someone else saved the item after the form was opened (the user's
    text stays in the form, and saving again overwrites on purpose); None to save."""
    if language_taken:
        form.language.errors.append(taken)
        return 422
    if form.version.data and str(form.version.data) != str(item.version):
        form.form_errors.append(stale)
        form.version.data = str(item.version)
        return 409
    return None


# Files attached to an item --------------------------------------------------------------------


def add_file(item_type: str, item_id: int, back: str,
             refused: Callable[[AttachmentForm, int], ResponseReturnValue]
             ) -> ResponseReturnValue:
    """Attach the uploaded file to the item, then go to *back*; a refused file shows the
    item's edit page again through *refused* (the form with the reason, and 413 or 422).

    The caller checked that the user may edit the item.
    """
    form = AttachmentForm()
    if form.validate_on_submit():
        try:
            attachments.save_upload(form.file.data, item_type, item_id, current_user.id)
        except attachments.AttachmentError as exc:
            db.session.rollback()
            form.file.errors.append(str(exc))
            if exc.too_large:
                return refused(form, 413)
        else:
            db.session.commit()
            flash(_("The file is attached."), "success")
            return redirect(back)
    return refused(form, 422)


def delete_file(item_type: str, item_id: int, attachment_id: int,
                back: str) -> ResponseReturnValue:
    """Remove one of the item's files (the row, then the stored bytes), then go to *back*."""
    attachment = db.session.get(attachments.Attachment, attachment_id)
    if attachment is None or (attachment.item_type, attachment.item_id) != (item_type, item_id):
        abort(404)
    if not EmptyForm().validate_on_submit():
        abort(400)
    attachments.remove(attachment, current_user.id)
    db.session.commit()
    attachments.remove_file(attachment)
    flash(_("The file is removed."), "success")
    return redirect(back)
