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
from wtforms.validators import DataRequired, Length, NumberRange, Optional

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
    certificate_valid_months = IntegerField(
        _l("Certificates valid for (months)"), validators=[Optional(), NumberRange(min=1, max=240)],
        description=_l("Leave empty when a certificate does not expire. Learners are enrolled "
                       "again shortly before theirs expires."))
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
                           credit_hours=self.credit_hours.data or Decimal(0),
                           certificate_valid_months=self.certificate_valid_months.data)


class CourseEditForm(CourseForm):
    """The course's fields after creation: the same as the new-course form, plus a note."""

    form_key = None  # only a form that creates something carries a one-time key
    comment = StringField(_l("What changed"), validators=[Optional(), Length(max=300)])
    #: The course's version when the form was opened: a save over a newer one is refused.
    version = HiddenField()


class CoverForm(FlaskForm):
    file = FileField(_l("Cover image (JPG or PNG)"), validators=[FileRequired(
        message=_l("Choose a file."))],
        description=_l("Shown on the course page and in the catalogue. A new image replaces "
                       "the old one."))


class LessonFileForm(FlaskForm):
    file = FileField(_l("File (PDF, JPG or PNG)"), validators=[FileRequired(
        message=_l("Choose a file."))])


class QuestionForm(FlaskForm):
    gift = TextAreaField(_l("Question in GIFT"), validators=[DataRequired(), Length(max=50_000)],
                         description=_l("One question in Moodle's GIFT format, e.g. "
                                        "::Name::Question text? {=right ~wrong}. A $CATEGORY: "
                                        "line before it puts it in that category."))


class NewQuestionForm(QuestionForm):
    category = SelectField(_l("Category"), choices=[], default="")
    new_category = StringField(_l("Or a new category"), validators=[Optional(), Length(max=255)],
                               description=_l("Used instead of the chosen category."))

    def __init__(self, *args: Any, categories: list[str] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.category.choices = [("", _l("As the GIFT text says (or none)"))] + [
            (name, name) for name in categories or []]

    def chosen_category(self) -> str | None:
        """The category picked on the form; None to keep what the GIFT text says."""
        return (self.new_category.data or "").strip() or self.category.data or None


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
