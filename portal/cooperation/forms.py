"""Forms of the cooperation register: records and partners."""

from __future__ import annotations

from typing import Any

from flask import current_app
from flask_babel import format_date
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import (
    DateField,
    HiddenField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)

from portal.accounts.forms import LANGUAGE_NAMES, MultiCheckboxField
from portal.content.forms import strip_controls, web_address
from portal.content.topics import all_topics
from portal.cooperation import countries
from portal.cooperation.models import (
    KIND_LABELS,
    PARTNER_KIND_LABELS,
    STATUS_LABELS,
    CooperationRecord,
    Partner,
    PartnerKind,
    RecordKind,
    RecordStatus,
)
from portal.cooperation.services import PartnerInput, RecordInput, all_partners
from portal.extensions import db


class ChoiceOfRows(SelectMultipleField):
    """Rows chosen by id; an id that is not (or no longer) in the list gets *message*."""

    def __init__(self, *args: Any, missing: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, coerce=int, **kwargs)
        self.missing = missing

    def process_formdata(self, valuelist: list[str]) -> None:
        try:
            self.data = [int(v) for v in valuelist]
        except ValueError as exc:
            self.data = []
            raise ValueError(str(self.missing)) from exc

    def pre_validate(self, form: Any) -> None:
        known = {value for value, _label in (self.choices or [])}
        if any(value not in known for value in self.data or ()):
            raise ValidationError(str(self.missing))


def sensible_day(form: Any, field: Any) -> None:
    if field.data and not 1900 <= field.data.year <= 2100:
        raise ValidationError(_l("Give a date between the years 1900 and 2100."))


class RecordForm(FlaskForm):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=300)],
                        filters=[strip_controls])
    kind = SelectField(_l("Kind"), choices=[(k.value, KIND_LABELS[k]) for k in RecordKind])
    status = SelectField(_l("Status"), choices=[(s.value, STATUS_LABELS[s])
                                                for s in RecordStatus])
    language = SelectField(_l("Language"))
    partners = ChoiceOfRows(
        _l("Partners"),
        validators=[DataRequired(message=_l("Choose at least one partner."))],
        missing=_l("A partner you chose does not exist (any more): choose from the list."),
        description=_l("Hold Ctrl (⌘ on a Mac) to choose several. A partner that is not in "
                       "the list is added on the partners page first."))
    summary = TextAreaField(_l("Summary"), validators=[DataRequired(), Length(max=20_000)],
                            filters=[strip_controls],
                            description=_l("Markdown: ## for headings, - for lists."))
    outcomes = TextAreaField(_l("Outcomes"), validators=[Length(max=20_000)],
                             filters=[strip_controls],
                             description=_l("What came of it: people trained, documents "
                                            "adopted, visits made."))
    people_trained = IntegerField(_l("People trained"), validators=[Optional(), NumberRange(
        min=0, max=1_000_000, message=_l("Give a number of people, 0 or more."))])
    year = IntegerField(_l("Year"), validators=[Optional(), NumberRange(
        min=1900, max=2100, message=_l("Give a year between 1900 and 2100."))],
        description=_l("The year the register files it under. Empty: the year of the first "
                       "date below. Give the year alone when the exact date is not known."))
    signed_on = DateField(_l("Signed or acceded"), validators=[Optional(), sensible_day])
    starts_on = DateField(_l("Starts"), validators=[Optional(), sensible_day])
    ends_on = DateField(_l("Ends"), validators=[Optional(), sensible_day],
                        description=_l("When an agreement expires or a training ends."))
    renew_on = DateField(_l("Renewal due"), validators=[Optional(), sensible_day])
    remind_days = IntegerField(
        _l("Remind editors (days before)"),
        validators=[InputRequired(), NumberRange(
            min=1, max=730, message=_l("Give a number of days from 1 to 730."))],
        description=_l("Editors are mailed this many days before the end and the renewal "
                       "date."))
    courses = ChoiceOfRows(_l("Linked courses"),
                           missing=_l("A course you chose does not exist (any more)."))
    webinars = ChoiceOfRows(_l("Linked webinars"),
                            missing=_l("A webinar you chose does not exist (any more)."))
    topics = MultiCheckboxField(_l("Topics"))
    form_key = HiddenField()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        from portal.courses.models import Course
        from portal.webinars.models import Webinar

        self.language.choices = [(code, LANGUAGE_NAMES[code])
                                 for code in current_app.config["LANGUAGES"]]
        self.partners.choices = [(p.id, _partner_label(p)) for p in all_partners()]
        self.courses.choices = [(c.id, c.title) for c in db.session.scalars(
            select(Course).order_by(Course.title))]
        self.webinars.choices = [
            (w.id, f"{w.title} ({format_date(w.starts_at, 'medium')})")
            for w in db.session.scalars(select(Webinar).order_by(Webinar.starts_at.desc()))]
        self.topics.choices = [(t.slug, t.name) for t in all_topics()]
        if self.remind_days.data is None and not self.is_submitted():
            self.remind_days.data = current_app.config["COOPERATION_REMIND_DAYS"]

    def fill_from(self, record: CooperationRecord) -> None:
        """The fields that are not plain columns."""
        self.kind.data = record.kind.value
        self.status.data = record.status.value
        self.partners.data = [p.id for p in record.partners]
        self.courses.data = [c.id for c in record.courses]
        self.webinars.data = [w.id for w in record.webinars]
        self.topics.data = [t.slug for t in record.topics]

    def validate_ends_on(self, field: Any) -> None:
        if field.data and self.starts_on.data and field.data < self.starts_on.data:
            raise ValidationError(_l("The end cannot be before the start."))

    def to_input(self) -> RecordInput:
        return RecordInput(
            title=self.title.data or "", kind=self.kind.data, status=self.status.data,
            language=self.language.data, summary=self.summary.data or "",
            outcomes=self.outcomes.data or "", people_trained=self.people_trained.data,
            year=self.year.data, signed_on=self.signed_on.data, starts_on=self.starts_on.data,
            ends_on=self.ends_on.data, renew_on=self.renew_on.data,
            remind_days=self.remind_days.data or 60,
            partner_ids=tuple(self.partners.data or ()),
            course_ids=tuple(self.courses.data or ()),
            webinar_ids=tuple(self.webinars.data or ()),
            topics=tuple(self.topics.data or ()))


class RecordEditForm(RecordForm):
    form_key = None  # only a form that creates something carries a one-time key
    comment = StringField(_l("What changed"), validators=[Optional(), Length(max=300)],
                          filters=[strip_controls])
    #: The record's version when the form was opened: a save over a newer one is refused.
    version = HiddenField()


def _partner_label(partner: Partner) -> str:
    where = countries.name(partner.country) if partner.country else ""
    return f"{partner.label}, {where}" if where else partner.label


class PartnerForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=300)],
                       filters=[strip_controls],
                       description=_l("The organisation's full name, e.g. United Nations "
                                      "Office on Drugs and Crime."))
    short_name = StringField(_l("Short name"), validators=[Optional(), Length(max=40)],
                             filters=[strip_controls], description=_l("E.g. UNODC."))
    kind = SelectField(_l("Kind"), choices=[(k.value, PARTNER_KIND_LABELS[k])
                                            for k in PartnerKind])
    country = SelectField(_l("Country"), validate_choice=False,
                          description=_l("Empty for an international organisation."))
    website = StringField(_l("Website"), validators=[Optional(), Length(max=500),
                                                     web_address])

    def __init__(self, *args: Any, partner: Partner | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.partner = partner
        self.country.choices = [("", "—"), *countries.choices()]

    def validate_country(self, field: Any) -> None:
        raw = (field.data or "").strip()
        if not raw:
            if self.kind.data != PartnerKind.international.value:
                raise ValidationError(_l("Choose the country (only an international "
                                         "organisation has none)."))
            return
        code = countries.normalise(raw)
        if code is None:
            raise ValidationError(_l("“%(code)s” is not a country code: choose a country "
                                     "from the list.", code=raw[:10]))
        field.data = code

    def validate_name(self, field: Any) -> None:
        from portal.cooperation.services import partner_by_name

        other = partner_by_name(field.data or "", countries.normalise(self.country.data))
        if other is not None and (self.partner is None or other.id != self.partner.id):
            raise ValidationError(_l("This partner is in the list already."))

    def to_input(self) -> PartnerInput:
        return PartnerInput(name=self.name.data or "", kind=self.kind.data,
                            country=self.country.data or None,
                            short_name=self.short_name.data or "",
                            website=self.website.data or "")
