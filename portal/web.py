"""Request-reading helpers every blueprint shares: ids in URLs, page numbers, numeric arguments.

Databases keep ids in 32-bit (PostgreSQL ``integer``) or 64-bit columns: a larger number in a URL
is "no such item" (404), never an overflow deep in the driver (500).
"""

from __future__ import annotations

from typing import Any

from flask import Flask, abort, request
from flask_sqlalchemy.pagination import Pagination
from werkzeug.routing import IntegerConverter

from portal.extensions import db

MAX_ID = 2**31 - 1
#: No listing has more pages than this; a larger page number shows an empty page.
MAX_PAGE = 100_000


class IdConverter(IntegerConverter):
    """``<id:name>``: a positive integer that fits every database's id column."""

    def __init__(self, map: Any) -> None:  # noqa: A002 - werkzeug's signature
        super().__init__(map, min=1, max=MAX_ID)


def page_number() -> int:
    """The ``page`` query argument, 1 when missing or not a sensible number."""
    raw = request.args.get("page", "")
    if raw.isdecimal() and len(raw) <= 6:
        return max(1, min(int(raw), MAX_PAGE))
    return 1


def paginate(query: Any, per_page: int) -> Pagination:
    return db.paginate(query, page=page_number(), per_page=per_page, error_out=False)


def int_arg(name: str) -> int | None:
    """An optional id-sized integer query argument; anything else answers 400."""
    raw = request.args.get(name, "").strip()
    if not raw:
        return None
    if not (raw.isascii() and raw.isdecimal()) or not 0 < int(raw) <= MAX_ID:
        abort(400)
    return int(raw)


def init_app(app: Flask) -> None:
    app.url_map.converters["id"] = IdConverter
