"""Forms of quizzes, attempts, enrolment, assignment and certificates."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from flask_babel import get_timezone
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    DateTimeLocalField,
    DecimalField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional, ValidationError

from portal.accounts.forms import MultiCheckboxField
from portal.courses.models import REVIEW_WHEN_LABELS, ReviewWhen
from portal.courses.quizzes import QuizSettings
from portal.courses.stats import GradingMethod

GRADING_LABELS = {
    GradingMethod.highest: _l("Highest attempt"),
    GradingMethod.average: _l("Average of the attempts"),
    GradingMethod.first: _l("First attempt"),
    GradingMethod.last: _l("Last attempt"),
}

_REVIEW_CHOICES = [(w.value, REVIEW_WHEN_LABELS[w]) for w in ReviewWhen]


def to_utc(local: datetime | None) -> datetime | None:
    """A date and time typed in the user's time zone, as UTC."""
    if local is None:
        return None
    return local.replace(tzinfo=get_timezone()).astimezone(UTC)


def to_local(moment: datetime | None) -> datetime | None:
    if moment is None:
        return None
    return moment.astimezone(get_timezone()).replace(tzinfo=None)


def sensible_year(form: Any, field: Any) -> None:
    if field.data and not 2000 <= field.data.year <= 2100:
        raise ValidationError(_l("Give a date between the years 2000 and 2100."))


class QuizForm(FlaskForm):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=300)])
    intro = TextAreaField(_l("Introduction"), validators=[Length(max=20_000)],
                          description=_l("Shown before the learner starts. Markdown."))
    pass_mark = DecimalField(_l("Pass mark (%)"), places=0, default=Decimal(60),
                             validators=[DataRequired(), NumberRange(min=1, max=100)])
    time_limit_minutes = IntegerField(
        _l("Time limit (minutes)"), validators=[Optional(), NumberRange(min=1, max=600)],
        description=_l("Leave empty for no time limit."))
    max_attempts = IntegerField(_l("Attempts allowed"),
                                validators=[Optional(), NumberRange(min=1, max=100)],
                                description=_l("Leave empty for no limit."))
    grading = SelectField(_l("Quiz grade"),
                          choices=[(m.value, GRADING_LABELS[m]) for m in GradingMethod])
    questions_per_page = IntegerField(_l("Questions per page"), default=5,
                                      validators=[DataRequired(), NumberRange(min=1, max=50)])
    shuffle_questions = BooleanField(_l("Shuffle the questions"))
    shuffle_choices = BooleanField(_l("Shuffle the choices within questions"), default=True)
    opens_at = DateTimeLocalField(_l("Opens"), validators=[Optional(), sensible_year],
                                  description=_l("In your time zone. Empty: open now."))
    closes_at = DateTimeLocalField(_l("Closes"), validators=[Optional(), sensible_year],
                                   description=_l("In your time zone. Empty: never closes."))
    review_score = SelectField(_l("Learners see their score"), choices=_REVIEW_CHOICES,
                               default=ReviewWhen.after_attempt.value)
    review_answers = SelectField(_l("Learners see the right answers"), choices=_REVIEW_CHOICES,
                                 default=ReviewWhen.after_close.value)
    review_feedback = SelectField(_l("Learners see the feedback"), choices=_REVIEW_CHOICES,
                                  default=ReviewWhen.after_attempt.value)
    everywhere = BooleanField(_l("Use these settings (all but the title, the introduction "
                                 "and the dates) for every quiz of this course"))

    def validate_closes_at(self, field: Any) -> None:
        if field.data and self.opens_at.data and field.data <= self.opens_at.data:
            raise ValidationError(_l("The quiz must close after it opens."))

    def fill(self, settings: QuizSettings) -> None:
        for name in ("pass_mark", "time_limit_minutes", "max_attempts", "questions_per_page",
                     "shuffle_questions", "shuffle_choices"):
            getattr(self, name).data = getattr(settings, name)
        self.grading.data = settings.grading
        self.opens_at.data = to_local(settings.opens_at)
        self.closes_at.data = to_local(settings.closes_at)
        for name in ("review_score", "review_answers", "review_feedback"):
            getattr(self, name).data = getattr(settings, name).value

    def settings(self) -> QuizSettings:
        return QuizSettings(
            shuffle_questions=bool(self.shuffle_questions.data),
            shuffle_choices=bool(self.shuffle_choices.data),
            questions_per_page=self.questions_per_page.data,
            time_limit_minutes=self.time_limit_minutes.data,
            max_attempts=self.max_attempts.data, grading=self.grading.data,
            pass_mark=self.pass_mark.data, opens_at=to_utc(self.opens_at.data),
            closes_at=to_utc(self.closes_at.data),
            review_score=ReviewWhen(self.review_score.data),
            review_answers=ReviewWhen(self.review_answers.data),
            review_feedback=ReviewWhen(self.review_feedback.data))


class QuizQuestionsForm(FlaskForm):
    """Fixed questions are checkboxes; random counts per category are read by the view
    (``random-<category id>``) because the categories are the course's own."""

    fixed = MultiCheckboxField(_l("Questions every attempt has"), coerce=int,
                               validate_choice=False)


class AssignForm(FlaskForm):
    learners = MultiCheckboxField(_l("Inspectors"), coerce=int, validate_choice=True)
    unit = SelectField(_l("Or every inspector of a unit"), coerce=int, default=0)
    due_on = DateField(_l("Due date"), validators=[Optional(), sensible_year])

    def validate_due_on(self, field: Any) -> None:
        if field.data and field.data < date.today():
            raise ValidationError(_l("The due date cannot be in the past."))

    def validate(self, extra_validators: Any = None) -> bool:
        if not super().validate(extra_validators):
            return False
        if not self.learners.data and not self.unit.data:
            self.learners.errors = [_l("Choose inspectors or a unit.")]
            return False
        return True


class RevokeForm(FlaskForm):
    reason = TextAreaField(_l("Reason"), validators=[DataRequired(), Length(max=500)])
