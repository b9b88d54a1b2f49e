"""The citizens' forms: the request, tracking by reference and code, a follow-up message,
and the confirmation of withdrawing consent. Only allow-listed fields: no status, no
assignee, no user id from a form."""

from __future__ import annotations

from typing import Any

from flask import request
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    EmailField,
    HiddenField,
    PasswordField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Email, Length, Optional, ValidationError

from portal.consultations import files, services
from portal.consultations.intake import REGIONS
from portal.consultations.models import (
    CONTACT_TIME_LABELS,
    CONTACT_WAY_LABELS,
    LANGUAGES,
    MAX_ATTACHMENT_BYTES,
    MAX_TEXT,
    ContactTime,
    ContactWay,
)
from portal.content.attachments import AttachmentError
from portal.content.forms import strip_controls
from portal.i18n import LANGUAGE_NAMES


def _strip(value: Any) -> Any:
    return strip_controls(value.strip()) if isinstance(value, str) else value


class RequestForm(FlaskForm):
    """Step 3 of the intake; the topic's extra fields are read beside it (they vary)."""

    name = StringField(_l("Your name"), validators=[
        DataRequired(message=_l("Write your name.")), Length(max=120)], filters=[_strip],
        render_kw={"autocomplete": "name"})
    phone = StringField(_l("Phone"), validators=[
        DataRequired(message=_l("Give your phone number."))], filters=[_strip],
        description=_l("An Uzbek number: +998 and nine digits, e.g. +998 90 123 45 67."),
        render_kw={"autocomplete": "tel", "type": "tel", "inputmode": "tel"})
    email = EmailField(_l("Email (optional)"), validators=[
        Optional(), Length(max=254),
        Email(message=_l("Give a valid email address, e.g. name@example.uz."))],
        filters=[_strip],
        description=_l("If you give one, we mail you the reference, the code and a notice "
                       "of each reply."),
        render_kw={"autocomplete": "email"})
    contact_way = RadioField(_l("How should the consultant contact you?"),
                             choices=[(w.value, CONTACT_WAY_LABELS[w]) for w in ContactWay],
                             default=ContactWay.phone.value,
                             validators=[DataRequired(message=_l("Choose one."))])
    contact_time = SelectField(_l("When is it convenient?"),
                               choices=[(t.value, CONTACT_TIME_LABELS[t]) for t in ContactTime],
                               default=ContactTime.any.value)
    region = SelectField(_l("Region"), choices=[("", _l("Choose your region"))] + [
        (value, label) for value, label in REGIONS],
        validators=[DataRequired(message=_l("Choose your region."))])
    district = StringField(_l("District or city (optional)"), validators=[Length(max=120)],
                           filters=[_strip])
    mahalla = StringField(_l("Mahalla (optional)"), validators=[Length(max=120)],
                          filters=[_strip])
    language = SelectField(_l("Language of the answer"),
                           choices=[(code, LANGUAGE_NAMES[code]) for code in LANGUAGES])
    question = TextAreaField(_l("Your question"), validators=[
        DataRequired(message=_l("Write your question.")),
        Length(max=MAX_TEXT, message=_l("At most %(n)s characters.", n=MAX_TEXT))],
        filters=[_strip],
        description=_l("What happened, and what you would like to know. At most %(n)s "
                       "characters.", n=MAX_TEXT))
    attachment = FileField(_l("A document (optional)"), description=_l(
        "PDF, JPG, PNG or DOCX, at most %(mb)s MB.", mb=MAX_ATTACHMENT_BYTES // (1024 * 1024)))
    consent = BooleanField(_l("I agree to the processing of my personal data as described "
                              "above."),
                           validators=[DataRequired(message=_l(
                               "We can only take your request with your consent."))])
    publish_consent = BooleanField(_l("An editor may publish my question and the answer "
                                      "as an anonymised example (optional)."))
    #: The consent version shown: a form sent after a new version refuses and shows it.
    consent_version = HiddenField()
    #: The honeypot: hidden from people, filled by robots that fill every box.
    website = StringField(_l("Leave this field empty"), render_kw={
        "autocomplete": "off", "tabindex": "-1"})
    form_key = HiddenField()

    def validate_phone(self, field: Any) -> None:
        if field.data and services.normalise_phone(field.data) is None:
            raise ValidationError(_l("Give an Uzbek phone number: +998 and nine digits."))

    def validate(self, extra_validators: Any = None) -> bool:
        valid = super().validate(extra_validators)
        # Not a validate_email: the field's Optional() ends its checks when it is empty.
        if self.contact_way.data == ContactWay.email.value and not self.email.data:
            self.email.errors = [*self.email.errors, _l(
                "Give your email address, or choose another way to be contacted.")]
            valid = False
        return valid

    def validate_attachment(self, field: Any) -> None:
        """Check the file's bytes now, so a refused file is a message next to the field."""
        self.upload: files.Upload | None = None
        storage = request.files.get(field.name)
        if storage is None or not storage.filename:
            return
        upload = files.Upload(filename=storage.filename,
                              data=storage.stream.read(MAX_ATTACHMENT_BYTES + 1))
        try:
            files.check(upload)
        except AttachmentError as error:
            raise ValidationError(str(error)) from error
        self.upload = upload


class TrackForm(FlaskForm):
    reference = StringField(_l("Reference"), validators=[
        DataRequired(message=_l("Give the reference.")), Length(max=40)], filters=[_strip],
        description=_l("For example HQ-2026-000123."),
        render_kw={"autocomplete": "off", "spellcheck": "false", "autocapitalize": "characters"})
    code = PasswordField(_l("Tracking code"), validators=[
        DataRequired(message=_l("Give the tracking code.")), Length(max=64)],
        description=_l("The code shown once when you sent the request, e.g. ABCD-EFGH-JKMN."),
        render_kw={"autocomplete": "off", "spellcheck": "false",
                   "autocapitalize": "characters"})


class FollowUpForm(FlaskForm):
    body = TextAreaField(_l("Your message"), validators=[
        DataRequired(message=_l("Write a message.")),
        Length(max=MAX_TEXT, message=_l("At most %(n)s characters.", n=MAX_TEXT))],
        filters=[_strip])


class WithdrawForm(FlaskForm):
    confirm = BooleanField(_l("I understand: my name, contacts, question and the messages "
                              "are deleted, and the request is closed."),
                           validators=[DataRequired(message=_l(
                               "Tick the box to confirm."))])
