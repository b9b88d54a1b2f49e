"""Guide forms: only the fields an author may set (never state, author or counters)."""

from __future__ import annotations

from datetime import datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from portal.accounts.forms import LANGUAGE_NAMES, MultiCheckboxField
from portal.content.forms import strip_controls
from portal.content.topics import all_topics
from portal.materials.models import AUDIENCE_LABELS, Audience
from portal.materials.services import MaterialInput


def sensible_date(form: Any, field: Any) -> None:
    if field.data and not 2000 <= field.data.year <= 2100:
        raise ValidationError(_l("Give a date between the years 2000 and 2100."))


class MaterialForm(FlaskForm):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=300)],
                        filters=[strip_controls])
    summary = TextAreaField(_l("Summary"), validators=[DataRequired(), Length(max=1000)],
                            filters=[strip_controls],
                            description=_l("One or two sentences shown in lists and feeds."))
    body = TextAreaField(_l("Text"), validators=[DataRequired(), Length(max=200_000)],
                         filters=[strip_controls],
                         description=_l("Markdown: ## for headings, - for lists, **bold**. "
                                        "HTML is not allowed."))
    topics = MultiCheckboxField(_l("Topics"), validators=[DataRequired(
        message=_l("Choose at least one topic."))])
    audience = SelectField(_l("Audience"),
                           choices=[(a.value, AUDIENCE_LABELS[a]) for a in Audience])
    language = SelectField(_l("Language"))
    legal_references = TextAreaField(_l("Legal references"), validators=[Length(max=5000)],
                                     filters=[strip_controls],
                                     description=_l("One a line, e.g. a law's name, number and "
                                                    "date."))
    reviewed_on = DateField(_l("Legally reviewed on"), validators=[Optional(), sensible_date])
    expires_on = DateField(_l("Expires on"), validators=[Optional(), sensible_date],
                           description=_l("From this day on the guide is no longer shown."))
    comment = StringField(_l("What changed"), validators=[Optional(), Length(max=300)],
                          filters=[strip_controls])
    form_key = HiddenField()
    #: The guide's version when the form was opened: a save over a newer one is refused.
    version = HiddenField()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.topics.choices = [(t.slug, t.name) for t in all_topics()]
        self.language.choices = [(code, LANGUAGE_NAMES[code])
                                 for code in current_app.config["LANGUAGES"]]

    def validate_reviewed_on(self, field: Any) -> None:
        today = datetime.now(ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])).date()
        if field.data and field.data > today:
            raise ValidationError(_l("The review date cannot be in the future."))

    def to_input(self) -> MaterialInput:
        expires_at = None
        if self.expires_on.data:
            zone = ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])
            expires_at = datetime.combine(self.expires_on.data, time(), zone)
        return MaterialInput(
            title=self.title.data, summary=self.summary.data, body=self.body.data,
            topics=list(self.topics.data or []), audience=self.audience.data,
            language=self.language.data, legal_references=self.legal_references.data or "",
            reviewed_on=self.reviewed_on.data, expires_at=expires_at)
