"""Course forms: only the fields a trainer may set."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from flask import current_app
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    DecimalField,
    HiddenField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, NumberRange

from portal.accounts.forms import LANGUAGE_NAMES, MultiCheckboxField
from portal.content.topics import all_topics
from portal.courses.models import COURSE_AUDIENCE_LABELS, CourseAudience
from portal.courses.services import CourseInput


class CourseForm(FlaskForm):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=300)])
    summary = TextAreaField(_l("Summary"), validators=[DataRequired(), Length(max=1000)])
    description = TextAreaField(_l("Description"), validators=[Length(max=100_000)],
                                description=_l("Markdown: ## for headings, - for lists."))
    topics = MultiCheckboxField(_l("Topics"), validators=[DataRequired(
        message=_l("Choose at least one topic."))])
    audience = SelectField(_l("Audience"), choices=[
        (a.value, COURSE_AUDIENCE_LABELS[a]) for a in CourseAudience])
    language = SelectField(_l("Language"))
    credit_hours = DecimalField(_l("Credit hours"), places=1, default=Decimal(0),
                                validators=[NumberRange(min=0, max=500)])
    form_key = HiddenField()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.topics.choices = [(t.slug, t.name) for t in all_topics()]
        self.language.choices = [(code, LANGUAGE_NAMES[code])
                                 for code in current_app.config["LANGUAGES"]]

    def to_input(self) -> CourseInput:
        return CourseInput(title=self.title.data, summary=self.summary.data,
                           description=self.description.data or "",
                           topics=tuple(self.topics.data or ()), audience=self.audience.data,
                           language=self.language.data,
                           credit_hours=self.credit_hours.data or Decimal(0))


class GiftImportForm(FlaskForm):
    file = FileField(_l("GIFT file"), validators=[FileRequired(message=_l("Choose a file."))],
                     description=_l("Moodle's GIFT text format, UTF-8. A file with errors "
                                    "imports nothing."))


class ModuleForm(FlaskForm):
    title = StringField(_l("Module title"), validators=[DataRequired(), Length(max=300)])


class LessonForm(FlaskForm):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=300)])
    body = TextAreaField(_l("Text"), validators=[DataRequired(), Length(max=200_000)],
                         description=_l("Markdown: ## for headings, - for lists."))
    minutes = IntegerField(_l("Estimated minutes"), default=10,
                           validators=[NumberRange(min=1, max=600)])
