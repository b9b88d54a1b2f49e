"""Account forms. Only allow-listed fields: no role, state or flag comes from a citizen's form."""

from __future__ import annotations

from functools import cache
from typing import Any
from zoneinfo import available_timezones

from flask import current_app
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    EmailField,
    HiddenField,
    IntegerField,
    PasswordField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
)
from wtforms.validators import (
    DataRequired,
    Email,
    EqualTo,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)
from wtforms.widgets import CheckboxInput, ListWidget

from portal.accounts import passwords
from portal.accounts.permissions import ROLE_LABELS, Role
from portal.web import MAX_ID

LANGUAGE_NAMES = {"uz": "Oʻzbekcha", "ru": "Русский", "en": "English"}

_PASSWORD_MESSAGES = {
    "short": _l("Use at least %(n)s characters.", n=passwords.MIN_LENGTH),
    "long": _l("Use at most %(n)s characters.", n=passwords.MAX_LENGTH),
    "common": _l("This password is too common; choose one that is harder to guess."),
}


def strong_password(form: Any, field: Any) -> None:
    reason = passwords.problem(field.data or "")
    if reason:
        raise ValidationError(str(_PASSWORD_MESSAGES[reason]))


def language_choices() -> list[tuple[str, str]]:
    return [(code, LANGUAGE_NAMES.get(code, code)) for code in current_app.config["LANGUAGES"]]


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class LoginForm(FlaskForm):
    email = EmailField(_l("Email"), validators=[DataRequired(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=1024)])
    remember = BooleanField(_l("Keep me logged in on this device"))


class RegistrationForm(FlaskForm):
    name = StringField(_l("Full name"), validators=[DataRequired(), Length(max=120)])
    email = EmailField(_l("Email"), validators=[
        DataRequired(), Email(check_deliverability=False), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), strong_password],
                             description=_l("At least 8 characters; a common password is refused."))
    confirm = PasswordField(_l("Repeat the password"), validators=[
        DataRequired(), EqualTo("password", message=_l("The two passwords differ."))])
    language = SelectField(_l("Language"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.language.choices = language_choices()


@cache
def timezone_choices() -> list[tuple[str, str]]:
    """Every IANA zone by name, the portal's own first."""
    zones = sorted(z for z in available_timezones()
                   if "/" in z and not z.startswith(("posix/", "right/", "Etc/")))
    first = ["Asia/Tashkent", "UTC"]
    return [(z, z.replace("_", " ")) for z in first + [z for z in zones if z not in first]]


class ProfileForm(FlaskForm):
    name = StringField(_l("Full name"), validators=[DataRequired(), Length(max=120)])
    language = SelectField(_l("Language"))
    timezone = SelectField(_l("Time zone"), description=_l(
        "Webinar times and other dates are shown in this zone."))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.language.choices = language_choices()
        self.timezone.choices = timezone_choices()


class PasswordChangeForm(FlaskForm):
    current = PasswordField(_l("Current password"), validators=[DataRequired()])
    password = PasswordField(_l("New password"), validators=[DataRequired(), strong_password])
    confirm = PasswordField(_l("Repeat the new password"), validators=[
        DataRequired(), EqualTo("password", message=_l("The two passwords differ."))])


class AdminUserForm(FlaskForm):
    roles = MultiCheckboxField(_l("Roles"), choices=[(r.value, ROLE_LABELS[r]) for r in Role])
    unit_id = SelectField(_l("Unit"), coerce=int, validators=[Optional()])
    active = BooleanField(_l("Account enabled"))

    def __init__(self, *args: Any, units: list[tuple[int, str]] | None = None,
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.unit_id.choices = [(0, str(_l("No unit")))] + (units or [])


class SecondStepForm(FlaskForm):
    code = StringField(_l("Code"), validators=[DataRequired(), Length(max=40)], description=_l(
        "The 6-digit code your authenticator app shows now, or one of your recovery codes."))


class TwoFactorConfirmForm(FlaskForm):
    code = StringField(_l("Code from the app"), validators=[DataRequired(), Length(max=12)],
                       description=_l("Enter the 6-digit code the app shows now."))


class CodeOrPasswordForm(FlaskForm):
    """Proves it is the user at the keyboard before a two-factor change."""

    secret = PasswordField(_l("A current code or your password"),
                           validators=[DataRequired(), Length(max=1024)], description=_l(
        "The 6-digit code your authenticator app shows now, or your account password."))


#: Days a new token lasts; 0: until revoked.
EXPIRY_CHOICES = [("30", _l("30 days")), ("90", _l("90 days")), ("365", _l("One year")),
                  ("0", _l("No expiry"))]


class TokenForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=80)], description=_l(
        "What the token is for, e.g. the script or the system that uses it."))
    scopes = MultiCheckboxField(_l("What the token may do"), validators=[DataRequired(
        message=_l("Choose at least one."))])
    expires = RadioField(_l("Expires after"), choices=EXPIRY_CHOICES, default="90")
    form_key = HiddenField()

    def __init__(self, *args: Any, scopes: list[tuple[str, str]] | None = None,
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Only the scopes the user's roles allow are choices: anything else fails validation.
        self.scopes.choices = scopes or []


class TokenRevokeForm(FlaskForm):
    token_id = IntegerField(validators=[DataRequired(), NumberRange(1, MAX_ID)])


class AccountSettingsForm(FlaskForm):
    two_factor_required = BooleanField(
        _l("Require two-factor login for staff accounts"), description=_l(
            "Administrators, editors, trainers and consultants without it are sent to set it "
            "up after logging in, and can do nothing else until they have."))
