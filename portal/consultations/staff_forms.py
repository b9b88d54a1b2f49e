"""Forms of the staff's pages: the actions on a request (reply, note, assign, status) and the
administrators' topics, extra fields and consent texts.

Each action form has its own prefix, so several of them on one page have distinct ids.
"""

from __future__ import annotations

import re
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, ValidationError

from portal.consultations.configuration import FieldInput, TopicInput
from portal.consultations.models import (
    FIELD_KIND_LABELS,
    LANGUAGES,
    MAX_TEXT,
    STATUS_LABELS,
    ConsultationTopic,
    ExtraField,
    FieldKind,
    Status,
)
from portal.content.forms import strip_controls
from portal.content.topics import all_topics


def _message_field(label: Any, description: Any) -> TextAreaField:
    return TextAreaField(label, validators=[
        DataRequired(message=_l("Write a message.")),
        Length(max=MAX_TEXT, message=_l("At most %(max)d characters."))],
        filters=[strip_controls], description=description)


class ReplyForm(FlaskForm):
    body = _message_field(_l("Reply to the citizen"),
                          _l("The citizen reads it on the tracking page; the mail to them "
                             "says only that there is a reply."))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, prefix="reply", **kwargs)


class NoteForm(FlaskForm):
    body = _message_field(_l("Internal note"),
                          _l("Staff only: the citizen never sees it."))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, prefix="note", **kwargs)


class AssignForm(FlaskForm):
    assignee = SelectField(_l("Assign to"))

    def __init__(self, consultants: list[Any], *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, prefix="assign", **kwargs)
        self.assignee.choices = [("", str(_l("Nobody (back to the queue)")))] + [
            (str(u.id), u.name) for u in consultants]


class StatusForm(FlaskForm):
    status = SelectField(_l("New status"), validate_choice=False)

    def __init__(self, allowed: list[Status], *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, prefix="status", **kwargs)
        # Only the statuses reachable now are offered; any other is refused by the service
        # (with 409: someone may have moved the request since the page was opened).
        self.status.choices = [(s.value, str(STATUS_LABELS[s])) for s in allowed]

    def validate_status(self, field: Any) -> None:
        if field.data not in {s.value for s in Status}:
            raise ValidationError(_l("Choose a status from the list."))


# Administration -------------------------------------------------------------------------------

def _name(label: Any, length: int, description: Any = "") -> StringField:
    return StringField(label, validators=[
        DataRequired(message=_l("This field is required.")),
        Length(max=length, message=_l("At most %(max)d characters."))],
        filters=[strip_controls], description=description)


class TopicForm(FlaskForm):
    slug = _name(_l("Short name"), 40, _l("Lower-case letters, digits and hyphens, e.g. "
                                          "family. Used in the intake's addresses."))
    name_uz = _name(_l("Name in Uzbek"), 120)
    name_ru = _name(_l("Name in Russian"), 120)
    name_en = _name(_l("Name in English"), 120)
    response_days = IntegerField(_l("Response time (working days)"), validators=[
        InputRequired(message=_l("Give a number of working days.")),
        NumberRange(min=1, max=60, message=_l("The response time is 1 to 60 working days."))],
        description=_l("Monday to Friday, less public holidays."))
    guide_topic = SelectField(_l("Suggested guides"),
                              description=_l("The published guides of this topic are shown "
                                             "before the form."))
    active = BooleanField(_l("Offered to citizens"))
    position = IntegerField(_l("Order"), default=0, validators=[
        InputRequired(message=_l("Give a number.")),
        NumberRange(min=0, max=1000, message=_l("Give a number from 0 to 1000."))])

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.guide_topic.choices = [("", str(_l("None")))] + [
            (t.slug, t.name) for t in all_topics()]

    def validate_slug(self, field: Any) -> None:
        field.data = (field.data or "").strip().lower()
        if not re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", field.data):
            raise ValidationError(_l("Use lower-case letters, digits and hyphens."))

    def fill_from(self, topic: ConsultationTopic) -> None:
        self.guide_topic.data = topic.guide_topic.slug if topic.guide_topic else ""

    def to_input(self) -> TopicInput:
        return TopicInput(
            slug=self.slug.data or "", name_uz=self.name_uz.data or "",
            name_ru=self.name_ru.data or "", name_en=self.name_en.data or "",
            response_days=int(self.response_days.data or 0),
            guide_topic=self.guide_topic.data or "", active=bool(self.active.data),
            position=int(self.position.data or 0))


class FieldForm(FlaskForm):
    name = _name(_l("Key"), 40, _l("Lower-case letters, digits and underscores, starting with "
                                   "a letter, e.g. children_ages. The answers are stored under "
                                   "it."))
    label_uz = _name(_l("Label in Uzbek"), 200)
    label_ru = _name(_l("Label in Russian"), 200)
    label_en = _name(_l("Label in English"), 200)
    kind = SelectField(_l("Kind of answer"),
                       choices=[(k.value, FIELD_KIND_LABELS[k]) for k in FieldKind])
    required = BooleanField(_l("Required"))
    choices = TextAreaField(_l("Options"), validators=[
        Length(max=5000, message=_l("At most %(max)d characters."))],
        filters=[strip_controls],
        description=_l("For a choice only: one option a line."))
    position = IntegerField(_l("Order"), default=0, validators=[
        InputRequired(message=_l("Give a number.")),
        NumberRange(min=0, max=1000, message=_l("Give a number from 0 to 1000."))])

    def validate_name(self, field: Any) -> None:
        field.data = (field.data or "").strip().lower()
        if not re.fullmatch(r"[a-z][a-z0-9_]{0,39}", field.data):
            raise ValidationError(_l("Use lower-case letters, digits and underscores, "
                                     "starting with a letter."))

    def option_lines(self) -> list[str]:
        return [line.strip() for line in (self.choices.data or "").splitlines() if line.strip()]

    def validate_choices(self, field: Any) -> None:
        lines = self.option_lines()
        if self.kind.data == FieldKind.choice.value and not lines:
            raise ValidationError(_l("A choice needs at least one option."))
        if any(len(line) > 200 for line in lines):
            raise ValidationError(_l("An option has at most 200 characters."))

    def fill_from(self, extra: ExtraField) -> None:
        self.kind.data = extra.kind.value
        self.choices.data = "\n".join(extra.choices or [])

    def to_input(self) -> FieldInput:
        return FieldInput(
            name=self.name.data or "", label_uz=self.label_uz.data or "",
            label_ru=self.label_ru.data or "", label_en=self.label_en.data or "",
            kind=self.kind.data, required=bool(self.required.data),
            choices=self.option_lines(), position=int(self.position.data or 0))


def _consent(label: Any) -> TextAreaField:
    return TextAreaField(label, validators=[
        DataRequired(message=_l("Give the consent text in every language.")),
        Length(max=20_000, message=_l("At most %(max)d characters."))],
        filters=[strip_controls])


class ConsentForm(FlaskForm):
    text_uz = _consent(_l("Consent text in Uzbek"))
    text_ru = _consent(_l("Consent text in Russian"))
    text_en = _consent(_l("Consent text in English"))

    def texts(self) -> dict[str, str]:
        return {language: self[f"text_{language}"].data or "" for language in LANGUAGES}
