"""Shared views of the content machinery: attachment downloads."""

from __future__ import annotations

from flask import Blueprint, abort, send_from_directory
from flask.typing import ResponseReturnValue
from flask_login import current_user

from portal.content import attachments
from portal.extensions import db

bp = Blueprint("content", __name__)


@bp.route("/attachments/<id:attachment_id>/<path:name>")
def download(attachment_id: int, name: str) -> ResponseReturnValue:
    attachment = db.session.get(attachments.Attachment, attachment_id)
    # One answer for "no such file" and "not yours to see": nothing to learn by guessing ids.
    if attachment is None or not attachments.may_download(attachment, current_user):
        abort(404)
    return send_from_directory(
        attachments.storage_dir(), attachment.stored_name, as_attachment=True,
        download_name=attachment.original_name, mimetype=attachment.content_type)
