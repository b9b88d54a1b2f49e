"""One-time form keys: a double click or a retried POST creates one row, not two."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import String, select
from sqlalchemy.orm import Mapped, mapped_column

from portal.extensions import db


class FormKeyed:
    """A model created by a form; the key column is UNIQUE, so a repeat cannot insert twice."""

    form_key: Mapped[str | None] = mapped_column(String(36), unique=True)


def new_key() -> str:
    return str(uuid.uuid4())


def already_created(model: Any, key: str | None) -> Any:
    """The row an earlier submission of the same form created, if any."""
    if not key:
        return None
    return db.session.scalar(select(model).where(model.form_key == key))
