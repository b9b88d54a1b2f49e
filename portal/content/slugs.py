"""URL slugs: readable, transliterated, unique per table."""

from __future__ import annotations

from typing import Any

from slugify import slugify
from sqlalchemy import select

from portal.extensions import db


def make_slug(text: str, max_length: int = 80) -> str:
    """Turn a title in any of the portal's languages into an ASCII slug."""
    # Uzbek letters oʻ/gʻ and the ʼ sign are letters, not word breaks: drop them before slugify.
    cleaned = text.translate({0x02BB: None, 0x02BC: None, 0x2018: None, 0x2019: None, 0x27: None,
                              0x60: None})
    return slugify(cleaned, max_length=max_length, word_boundary=True) or "item"


def unique_slug(model: Any, text: str, exclude_id: int | None = None,
                reserved: frozenset[str] = frozenset()) -> str:
    """A slug for *text* not yet used in *model*'s table (suffix -2, -3, ... when taken).

    *reserved* slugs are taken by other pages of the same URL space (``/materials/new``).
    """
    base = make_slug(text)
    taken = set(db.session.scalars(
        select(model.slug).where(model.slug.startswith(base), model.id != (exclude_id or 0))))
    taken |= reserved
    if base not in taken:
        return base
    n = 2
    while f"{base}-{n}" in taken:
        n += 1
    return f"{base}-{n}"
