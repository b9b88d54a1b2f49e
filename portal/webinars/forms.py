"""Webinar forms: the organisers' webinar form, registration, attendance and feedback."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import get_timezone
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    DecimalField,
    EmailField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import (
    DataRequired,
    Email,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)

from portal.accounts.forms import LANGUAGE_NAMES, MultiCheckboxField
from portal.content.forms import strip_controls, web_address
from portal.content.topics import all_topics
from portal.webinars.models import AUDIENCE_LABELS, Webinar, WebinarAudience
from portal.webinars.services import WebinarInput

#: The longest webinar the form accepts.
MAX_MINUTES = 12 * 60


def sensible_time(form: Any, field: Any) -> None:
    if field.data and not 2000 <= field.data.year <= 2100:
        raise ValidationError(_l("Give a date between the years 2000 and 2100."))


def _zone() -> ZoneInfo:
    """The zone the organiser types times in: their profile's, else the portal's."""
    return ZoneInfo(str(get_timezone() or current_app.config["BABEL_DEFAULT_TIMEZONE"]))


def local_input(moment: datetime | None) -> datetime | None:
    """A stored UTC time as the naive local time a datetime-local field shows."""
    return moment.astimezone(_zone()).replace(tzinfo=None) if moment else None


def _aware(moment: datetime | None) -> datetime | None:
    return moment.replace(tzinfo=_zone()) if moment else None


class WebinarForm(FlaskForm):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=300)],
                        filters=[strip_controls])
    summary = TextAreaField(_l("Summary"), validators=[DataRequired(), Length(max=1000)],
                            filters=[strip_controls],
                            description=_l("One or two sentences shown in the schedule."))
    description = TextAreaField(_l("Description"), validators=[Length(max=100_000)],
                                filters=[strip_controls],
                                description=_l("Markdown: ## for headings, - for lists."))
    speakers = TextAreaField(_l("Speakers"), validators=[Length(max=2000)],
                             filters=[strip_controls],
                             description=_l("One a line, e.g. a name and a role."))
    topics = MultiCheckboxField(_l("Topics"), validators=[DataRequired(
        message=_l("Choose at least one topic."))])
    language = SelectField(_l("Language"))
    audience = SelectField(_l("Audience"), choices=[
        (a.value, AUDIENCE_LABELS[a]) for a in WebinarAudience])
    starts = DateTimeLocalField(_l("Starts"), validators=[InputRequired(), sensible_time])
    ends = DateTimeLocalField(_l("Ends"), validators=[InputRequired(), sensible_time])
    join_url = StringField(_l("Join link"), validators=[Optional(), Length(max=500),
                                                        web_address],
                           description=_l("The online platform's room. Only registered "
                                          "participants see it."))
    capacity = IntegerField(_l("Capacity"), validators=[InputRequired(), NumberRange(
        min=1, max=100_000, message=_l("Give a number of seats of at least 1."))])
    registration_opens = DateTimeLocalField(_l("Registration opens"),
                                            validators=[Optional(), sensible_time],
                                            description=_l("Empty: as soon as it is published."))
    registration_closes = DateTimeLocalField(_l("Registration closes"),
                                             validators=[Optional(), sensible_time],
                                             description=_l("Empty: when the webinar starts."))
    credit_hours = DecimalField(_l("Credit hours"), places=1, default=Decimal(0),
                                validators=[InputRequired(), NumberRange(min=0, max=100)],
                                description=_l("Added to an inspector's learning record when "
                                               "you mark them as attended."))
    recording_url = StringField(_l("Recording link"), validators=[Optional(), Length(max=500),
                                                                  web_address],
                                description=_l("After the webinar: everyone who registered "
                                               "is mailed the link when you add it."))
    form_key = HiddenField()

    def __init__(self, *args: Any, webinar: Webinar | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.webinar = webinar
        self.topics.choices = [(t.slug, t.name) for t in all_topics()]
        self.language.choices = [(code, LANGUAGE_NAMES[code])
                                 for code in current_app.config["LANGUAGES"]]

    def fill_from(self, webinar: Webinar) -> None:
        """The fields that do not map one to one onto the webinar's columns."""
        self.topics.data = [t.slug for t in webinar.topics]
        self.audience.data = webinar.audience.value
        self.starts.data = local_input(webinar.starts_at)
        self.ends.data = local_input(webinar.ends_at)
        self.registration_opens.data = local_input(webinar.registration_opens_at)
        self.registration_closes.data = local_input(webinar.registration_closes_at)

    def validate_ends(self, field: Any) -> None:
        if not (field.data and self.starts.data):
            return
        minutes = (field.data - self.starts.data).total_seconds() / 60
        if minutes <= 0:
            raise ValidationError(_l("The end must be after the start."))
        if minutes > MAX_MINUTES:
            raise ValidationError(_l("A webinar lasts at most 12 hours."))

    def validate_registration_closes(self, field: Any) -> None:
        if not field.data:
            return
        if self.starts.data and field.data > self.starts.data:
            raise ValidationError(_l("Registration must close by the start."))
        if self.registration_opens.data and field.data <= self.registration_opens.data:
            raise ValidationError(_l("Registration must close after it opens."))

    def validate_capacity(self, field: Any) -> None:
        taken = self.webinar.seats_taken if self.webinar is not None else 0
        if field.data is not None and field.data < taken:
            raise ValidationError(_l(
                "%(n)s people are registered already: the capacity cannot be lower.", n=taken))

    def to_input(self) -> WebinarInput:
        starts = _aware(self.starts.data)
        ends = _aware(self.ends.data)
        assert starts is not None and ends is not None  # validated
        return WebinarInput(
            title=self.title.data, summary=self.summary.data,
            description=self.description.data or "", speakers=self.speakers.data or "",
            topics=tuple(self.topics.data or ()), language=self.language.data,
            audience=self.audience.data, starts_at=starts,
            duration_minutes=round((ends - starts).total_seconds() / 60),
            join_url=self.join_url.data or "", capacity=self.capacity.data,
            registration_opens_at=_aware(self.registration_opens.data),
            registration_closes_at=_aware(self.registration_closes.data),
            credit_hours=self.credit_hours.data or Decimal(0),
            recording_url=self.recording_url.data or "")


class WebinarEditForm(WebinarForm):
    form_key = None  # only a form that creates something carries a one-time key
    comment = StringField(_l("What changed"), validators=[Optional(), Length(max=300)],
                          filters=[strip_controls])
    #: The webinar's version when the form was opened: a save over a newer one is refused.
    version = HiddenField()


class RegisterForm(FlaskForm):
    """An anonymous visitor's registration; a logged-in user's form carries no fields."""

    # Ids of their own: a heading "Name" in the description must not share the field's id.
    name = StringField(_l("Your name"), validators=[DataRequired(), Length(max=120)],
                       filters=[strip_controls], render_kw={"autocomplete": "name"},
                       id="page-register-name")
    email = EmailField(_l("Email"), validators=[DataRequired(), Length(max=254), Email(
        message=_l("Give a valid email address, e.g. name@example.uz."))],
        filters=[lambda v: v.strip() if isinstance(v, str) else v],
        render_kw={"autocomplete": "email"}, id="page-register-email")
    consent = BooleanField(_l("I agree that the portal keeps my name and email to run this "
                              "webinar and mail me about it."),
                           validators=[DataRequired(message=_l(
                               "Registration needs your consent."))],
                           id="page-register-consent")


class FeedbackForm(FlaskForm):
    rating = RadioField(_l("How useful was the webinar?"), coerce=int,
                        choices=[(n, str(n)) for n in range(1, 6)],
                        validators=[InputRequired(message=_l("Choose a rating from 1 to 5."))])
    comment = TextAreaField(_l("What should we change or keep?"),
                            validators=[Length(max=2000)], filters=[strip_controls])
