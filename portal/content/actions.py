"""View steps shared by every content type's pages (guides, courses, ...)."""

from __future__ import annotations

from typing import TypeVar

from flask import abort, flash, redirect
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user

from portal.content import workflow
from portal.content.forms import WorkflowForm
from portal.extensions import db

Item = TypeVar("Item", bound=workflow.Publishable)


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
