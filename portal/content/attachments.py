"""Attachments: PDF, JPG and PNG only, checked by their bytes, stored under a random name.

Downloads go through one view that asks the owning content type whether the user may see the item
(see :func:`register_owner`).
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from flask import current_app
from flask_babel import format_decimal
from flask_babel import lazy_gettext as _l
from sqlalchemy import ForeignKey, String, select
from sqlalchemy.orm import Mapped, mapped_column
from werkzeug.datastructures import FileStorage

from portal.content import audit
from portal.database import UTCDateTime, utcnow
from portal.extensions import Model, db

#: The start of each accepted file type, and the content type it is served with.
SIGNATURES: tuple[tuple[bytes, str, str], ...] = (
    (b"%PDF-", "application/pdf", ".pdf"),
    (b"\x89PNG\r\n\x1a\n", "image/png", ".png"),
    (b"\xff\xd8\xff", "image/jpeg", ".jpg"),
)


class AttachmentError(ValueError):
    """An upload that is refused; the message is shown to the user next to the field."""

    def __init__(self, message: object, too_large: bool = False) -> None:
        super().__init__(message)
        #: Answered with 413, like a request over the whole-request limit.
        self.too_large = too_large


class Attachment(Model):
    __tablename__ = "attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Which content type owns it (``material``) and the owner's id.
    item_type: Mapped[str] = mapped_column(String(40), index=True)
    item_id: Mapped[int] = mapped_column(index=True)
    original_name: Mapped[str] = mapped_column(String(255))
    #: Random file name under ``instance/attachments``; never derived from user input.
    stored_name: Mapped[str] = mapped_column(String(64), unique=True)
    content_type: Mapped[str] = mapped_column(String(60))
    size: Mapped[int]
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


#: item_type -> function(item_id, user) telling whether the user may download its files.
_owners: dict[str, Callable[[int, Any], bool]] = {}


def register_owner(item_type: str, may_see: Callable[[int, Any], bool]) -> None:
    _owners[item_type] = may_see


def may_download(attachment: Attachment, user: Any) -> bool:
    check = _owners.get(attachment.item_type)
    return bool(check and check(attachment.item_id, user))


def storage_dir() -> Path:
    path = Path(current_app.instance_path) / "attachments"
    path.mkdir(parents=True, exist_ok=True)
    return path


def sniff(head: bytes) -> tuple[str, str] | None:
    """The content type and extension for a file starting with *head*, or None if refused."""
    for magic, content_type, extension in SIGNATURES:
        if head.startswith(magic):
            return content_type, extension
    return None


def save_upload(upload: FileStorage, item_type: str, item_id: int,
                actor_id: int | None) -> Attachment:
    """Check and store *upload*; adds the row to the session (the caller commits)."""
    limit = current_app.config["UPLOAD_MAX_BYTES"]
    data = upload.read(limit + 1)
    if not data:
        raise AttachmentError(_l("The file is empty."))
    if len(data) > limit:
        # Not floor division: a limit below 1 MB must not read "larger than 0 MB".
        raise AttachmentError(_l("The file is larger than %(mb)s MB.",
                                 mb=format_decimal(round(limit / (1024 * 1024), 2))),
                              too_large=True)
    kind = sniff(data[:16])
    if kind is None:
        raise AttachmentError(_l("Only PDF, JPG and PNG files can be attached."))
    content_type, extension = kind
    name = (Path(upload.filename or "file").name or "file")[:200]
    if not name.lower().endswith((extension, ".jpeg") if extension == ".jpg" else extension):
        name = f"{Path(name).stem or 'file'}{extension}"
    stored = secrets.token_hex(16) + extension
    (storage_dir() / stored).write_bytes(data)
    attachment = Attachment(item_type=item_type, item_id=item_id, original_name=name,
                            stored_name=stored, content_type=content_type, size=len(data),
                            uploaded_by_id=actor_id)
    db.session.add(attachment)
    db.session.flush()
    audit.log("attachment.add", item_type, item_id, actor_id, label=name)
    return attachment


def remove(attachment: Attachment, actor_id: int | None) -> None:
    """Delete the row now and the file too (a lost file is worse than a stray one: row first)."""
    audit.log("attachment.remove", attachment.item_type, attachment.item_id, actor_id,
              label=attachment.original_name)
    db.session.delete(attachment)


def remove_file(attachment: Attachment) -> None:
    """Delete the stored bytes; call after the commit that removed the row."""
    (storage_dir() / attachment.stored_name).unlink(missing_ok=True)


def for_item(item_type: str, item_id: int) -> list[Attachment]:
    return list(db.session.scalars(select(Attachment).where(
        Attachment.item_type == item_type, Attachment.item_id == item_id
    ).order_by(Attachment.id)))
