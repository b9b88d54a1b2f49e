"""Forms every content type's pages share."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import HiddenField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional


class WorkflowForm(FlaskForm):
    move = HiddenField(validators=[DataRequired()])
    comment = TextAreaField(_l("Comment"), validators=[Optional(), Length(max=1000)])


class EmptyForm(FlaskForm):
    """A form with only the CSRF token, for buttons that POST."""


class AttachmentForm(FlaskForm):
    file = FileField(_l("File (PDF, JPG or PNG)"), validators=[FileRequired(
        message=_l("Choose a file."))])
