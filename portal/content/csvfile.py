"""CSV downloads: the one way every report and export of the portal is sent as a spreadsheet.

Cells are made safe against CSV (formula) injection, the file starts with a UTF-8 byte order
mark so Excel reads Uzbek and Russian text correctly, and the file name survives non-ASCII
letters.
"""

from __future__ import annotations

import csv
import io
import unicodedata
from collections.abc import Iterable, Sequence
from decimal import Decimal
from urllib.parse import quote

from flask import Response
from slugify import slugify

#: A text cell starting with one of these is run as a formula by spreadsheets (OWASP advice).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

_BOM = "\ufeff"


def safe_cell(value: object) -> str:
    """The text of one CSV cell: ``str(value)``, ``""`` for ``None``.

    A text starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return gets a leading
    apostrophe, so a spreadsheet shows it instead of running it as a formula (OWASP's CSV
    injection advice). Numbers (``int``, ``float``, ``Decimal``) are written as they are: -3
    stays -3 and is still a number in the spreadsheet.
    """
    if value is None:
        return ""
    text = str(value)
    if isinstance(value, int | float | Decimal):
        return text
    if text.startswith(FORMULA_STARTS):
        return "'" + text
    return text


def _ascii_filename(filename: str) -> str:
    """A plain ASCII stand-in for *filename*, for clients that ignore ``filename*``."""
    if filename.isascii():
        stem, ext = filename, ""
    else:
        stem, dot, ext = filename.rpartition(".")
        if not dot or not ext.isascii() or not ext.isalnum():
            stem, ext = filename, ""
        # Transliterate (Cyrillic letters, Uzbek oʻ/gʻ, ...), as the portal's slugs do.
        stem = slugify(stem.translate({0x02BB: None, 0x02BC: None, 0x2018: None, 0x2019: None}),
                       lowercase=False) or "export"
    cleaned = "".join(c for c in stem if c.isprintable() and c not in '"\\/')
    return (cleaned or "export") + (f".{ext}" if ext else "")


def _content_disposition(filename: str) -> str:
    # Control characters (a newline would end the header) never belong in a file name.
    filename = "".join(c for c in filename
                       if unicodedata.category(c) not in ("Cc", "Cf", "Zl", "Zp")).strip()
    fallback = _ascii_filename(filename)
    value = f'attachment; filename="{fallback}"'
    if fallback != filename:
        value += f"; filename*=UTF-8''{quote(filename, safe='')}"
    return value


def csv_response(filename: str, header: Sequence[str],
                 rows: Iterable[Sequence[object]]) -> Response:
    """A download of *header* and *rows* as ``filename`` (e.g. ``"quiz-results.csv"``).

    ``text/csv; charset=utf-8`` with a UTF-8 BOM first, CRLF line ends, every cell (the header
    too) through :func:`safe_cell`. The file is built in memory, which suits the portal's
    reports (thousands of rows, not millions).
    """
    buffer = io.StringIO()
    buffer.write(_BOM)
    writer = csv.writer(buffer)  # excel dialect: quotes as needed, "\r\n" line ends
    writer.writerow([safe_cell(cell) for cell in header])
    writer.writerows([safe_cell(cell) for cell in row] for row in rows)
    return Response(buffer.getvalue().encode("utf-8"), content_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": _content_disposition(filename)})
