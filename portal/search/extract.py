"""Text for the index: Markdown as plain words, the text of attached PDFs, page paths."""

from __future__ import annotations

import html
import logging
from typing import Any

import nh3
from flask import current_app, has_request_context, url_for
from pypdf import PdfReader
from pypdf.errors import PyPdfError

from portal.content import attachments
from portal.content.markdown import render

log = logging.getLogger(__name__)

#: Pages of one PDF read for the index.
MAX_PDF_PAGES = 60


def plain(markdown: str) -> str:
    """The words of a Markdown text, without markup."""
    if not markdown:
        return ""
    return html.unescape(nh3.clean(str(render(markdown).html), tags=set()))


def pdf_text(attachment: attachments.Attachment) -> str:
    """The text of an attached PDF (empty for images and unreadable files)."""
    if attachment.content_type != "application/pdf":
        return ""
    path = attachments.storage_dir() / attachment.stored_name
    try:
        reader = PdfReader(str(path))
        pages = reader.pages[:MAX_PDF_PAGES]
        return "\n".join(page.extract_text() or "" for page in pages)
    except (OSError, PyPdfError, ValueError, KeyError) as exc:  # a broken file is not fatal
        log.warning("no text from attachment %s: %s", attachment.id, exc)
        return ""


def files_text(item_type: str, item_id: int) -> str:
    """The names and PDF text of an item's attachments."""
    parts = []
    for attachment in attachments.for_item(item_type, item_id):
        parts.append(attachment.original_name)
        parts.append(pdf_text(attachment))
    return "\n".join(part for part in parts if part)


def path_for(endpoint: str, **values: Any) -> str:
    """A page's path, in a request or in a command."""
    if has_request_context():
        return url_for(endpoint, **values)
    with current_app.test_request_context():
        return url_for(endpoint, **values)
