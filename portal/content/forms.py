"""Forms every content type's pages share."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import HiddenField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

_CONTROL = dict.fromkeys(c for c in range(32) if c not in (9, 10, 13))


def strip_controls(value: str | None) -> str | None:
    """Drop control characters: they are never meant, and they make XML feeds invalid."""
    return value.translate(_CONTROL) if isinstance(value, str) else value


def web_address(form: Any, field: Any) -> None:
    """An http(s) address with a host, or nothing."""
    value = (field.data or "").strip()
    if not value:
        return
    parts = urlsplit(value)
    if parts.scheme not in {"http", "https"} or not parts.netloc or any(c.isspace()
                                                                        for c in value):
        raise ValidationError(_l("Give a web address starting with https:// or http://."))


class WorkflowForm(FlaskForm):
    move = HiddenField(validators=[DataRequired()])
    comment = TextAreaField(_l("Comment"), validators=[Optional(), Length(max=1000)])


class EmptyForm(FlaskForm):
    """A form with only the CSRF token, for buttons that POST."""


class AttachmentForm(FlaskForm):
    file = FileField(_l("File (PDF, JPG or PNG)"), validators=[FileRequired(
        message=_l("Choose a file."))])
