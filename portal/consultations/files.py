"""A request's one optional attachment: PDF, JPG, PNG or DOCX, checked by its bytes, stored
under ``instance/consultation-files`` by a random name.

Not the shared attachments table: that one refuses DOCX, and writes the file's name to the
audit log (a citizen's file name can name them). The columns live on the request, so
anonymising it blanks them with the rest.
"""

from __future__ import annotations

import io
import secrets
import zipfile
from dataclasses import dataclass
from pathlib import Path

from flask import current_app
from flask_babel import lazy_gettext as _l

from portal.consultations.models import MAX_ATTACHMENT_BYTES
from portal.content.attachments import AttachmentError, sniff

DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


@dataclass(frozen=True)
class Upload:
    """An uploaded file as plain values: the name the browser gave and the bytes (read with
    ``stream.read(MAX_ATTACHMENT_BYTES + 1)``, so an oversized file is recognised)."""

    filename: str
    data: bytes


def _docx_names(data: bytes) -> list[str] | None:
    """The names in a DOCX's zip; None when *data* is not one."""
    if not data.startswith(b"PK\x03\x04"):
        return None
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = archive.namelist()
    except (zipfile.BadZipFile, ValueError):
        return None
    return names if "word/document.xml" in names else None


def check(upload: Upload) -> tuple[str, str]:
    """The content type and extension of an acceptable file; AttachmentError (with the message
    for the form) otherwise."""
    if not upload.data:
        raise AttachmentError(_l("The file is empty."))
    if len(upload.data) > MAX_ATTACHMENT_BYTES:
        raise AttachmentError(_l("The file is larger than %(mb)s MB.",
                                 mb=MAX_ATTACHMENT_BYTES // (1024 * 1024)),
                              too_large=True)
    kind = sniff(upload.data[:16])
    if kind is not None:
        return kind
    names = _docx_names(upload.data)
    if names is not None:
        if any(name.lower() == "word/vbaproject.bin" for name in names):
            # A macro-enabled document (.docm) renamed .docx.
            raise AttachmentError(_l("Documents with macros cannot be attached. Save it as "
                                     "a plain DOCX or PDF and attach that."))
        return DOCX_TYPE, ".docx"
    raise AttachmentError(_l("Only PDF, JPG, PNG and DOCX files can be attached."))


def storage_dir() -> Path:
    path = Path(current_app.instance_path) / "consultation-files"
    path.mkdir(parents=True, exist_ok=True)
    return path


def store(upload: Upload) -> tuple[str, str, str]:
    """Check and write the file; returns (shown name, stored name, content type)."""
    content_type, extension = check(upload)
    name = (Path(upload.filename or "file").name or "file")[:200]
    if not name.lower().endswith((extension, ".jpeg") if extension == ".jpg" else extension):
        name = f"{Path(name).stem or 'file'}{extension}"
    stored = secrets.token_hex(16) + extension
    (storage_dir() / stored).write_bytes(upload.data)
    return name, stored, content_type


def path_of(stored: str) -> Path | None:
    """The file on disk for a stored name (None for "" or anything that is not ours)."""
    if not stored or Path(stored).name != stored or stored.startswith("."):
        return None
    return storage_dir() / stored


def delete(stored: str) -> None:
    path = path_of(stored)
    if path is not None:
        path.unlink(missing_ok=True)
