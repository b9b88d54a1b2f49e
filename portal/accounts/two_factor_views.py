"""Two-factor login on the account page (set up, recovery codes, turn off), and the gate that
keeps staff without it on the set-up page while an admin requires it.

New recovery codes are shown in the answer to the POST that made them, never kept in the
session (Flask's session is a signed, not encrypted, cookie: a copy of it would show them
again). Every change ends the user's other sessions; this device is logged in again.
"""

from __future__ import annotations

from typing import Any

from flask import (
    Flask,
    abort,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user

from portal.accounts import two_factor
from portal.accounts.cookies import API_BLUEPRINT
from portal.accounts.forms import CodeOrPasswordForm, TwoFactorConfirmForm
from portal.accounts.views import account_bp
from portal.extensions import db

#: What a staff user without two-factor may still reach while it is required.
GATE_OPEN = frozenset({
    "account.two_factor", "account.two_factor_start", "account.two_factor_confirm",
    "account.recovery_codes", "auth.logout", "auth.login", "i18n.switch", "static",
})


def _staff_only() -> None:
    # Not offered to citizens and inspectors: for them the page does not exist.
    if not two_factor.available_to(current_user):
        abort(404)


def _page(status: int = 200, **forms: Any) -> ResponseReturnValue:
    user = current_user
    secret = two_factor.pending_secret(user)
    setup: dict[str, Any] = {}
    if secret is not None:
        uri = two_factor.provisioning_uri(user, secret)
        setup = {"secret": " ".join(secret[i:i + 4] for i in range(0, len(secret), 4)),
                 "qr": two_factor.qr_svg(uri, _("QR code for your authenticator app"))}
    forms.setdefault("confirm_form", TwoFactorConfirmForm())
    forms.setdefault("codes_form", CodeOrPasswordForm(prefix="codes"))
    forms.setdefault("off_form", CodeOrPasswordForm(prefix="off"))
    return render_template(
        "account/two_factor.html", setup=setup, required=two_factor.required_for(user),
        remaining=two_factor.remaining_recovery_codes(user) if user.has_two_factor else 0,
        **forms), status


@account_bp.route("/two-factor", endpoint="two_factor")
@login_required
def two_factor_page() -> ResponseReturnValue:
    _staff_only()
    return _page()


@account_bp.route("/two-factor/start", methods=["POST"])
@login_required
def two_factor_start() -> ResponseReturnValue:
    _staff_only()
    if not current_user.has_two_factor:
        two_factor.begin_setup(current_user)
        db.session.commit()
    return redirect(url_for(".two_factor"))


@account_bp.route("/two-factor/confirm", methods=["POST"])
@login_required
def two_factor_confirm() -> ResponseReturnValue:
    _staff_only()
    form = TwoFactorConfirmForm()
    if current_user.has_two_factor:  # a reload of the page that showed the codes
        return redirect(url_for(".two_factor"))
    if form.validate_on_submit():
        if _over_limit(form.code):
            return _page(429, confirm_form=form)
        codes = two_factor.confirm_setup(current_user, form.code.data)
        if codes is not None:
            two_factor.attempt_succeeded(current_user.id, request.remote_addr or "unknown")
            db.session.commit()
            _stay_logged_in()
            flash(_("Two-factor login is on. Keep your recovery codes somewhere safe."),
                  "success")
            return _show_codes(codes)
        db.session.commit()  # the attempt's count
        form.code.errors.append(_("This code is wrong. Check the time on your phone and enter "
                                  "the code the app shows now."))
    return _page(422, confirm_form=form)


@account_bp.route("/two-factor/recovery-codes", methods=["GET", "POST"])
@login_required
def recovery_codes() -> ResponseReturnValue:
    """POST makes new codes (a current code or the password) and shows them, once; GET has
    nothing to show any more and goes back to the two-factor page."""
    _staff_only()
    if request.method == "GET" or not current_user.has_two_factor:
        return redirect(url_for(".two_factor"))
    form = CodeOrPasswordForm(prefix="codes")
    status = _refused(form)
    if status is not None:
        return _page(status, codes_form=form)
    codes = two_factor.regenerate_recovery_codes(current_user)
    db.session.commit()
    _stay_logged_in()
    flash(_("New recovery codes are made; the earlier ones no longer work, and you are logged "
            "out on your other devices."), "success")
    return _show_codes(codes)


def _stay_logged_in() -> None:
    """Log this device in under the new session version (the change ended every session).

    Not remembered: a remember cookie comes only from a login with the password and a code.
    (The real object: logging in the current_user proxy makes it point at itself.)
    """
    login_user(current_user._get_current_object())


def _show_codes(codes: list[str]) -> ResponseReturnValue:
    """The page with the new codes, as the POST's own answer: nothing to replay later (and,
    as every answer to a logged-in user, no-store: security.add_headers)."""
    return render_template("account/recovery_codes.html", codes=codes)


@account_bp.route("/two-factor/disable", methods=["POST"])
@login_required
def two_factor_disable() -> ResponseReturnValue:
    _staff_only()
    form = CodeOrPasswordForm(prefix="off")
    if not current_user.has_two_factor:
        return redirect(url_for(".two_factor"))
    if two_factor.required_for(current_user):
        flash(_("Two-factor login is required for staff accounts; it cannot be turned off."),
              "error")
        return redirect(url_for(".two_factor"))
    status = _refused(form)
    if status is not None:
        return _page(status, off_form=form)
    two_factor.disable(current_user, current_user)
    db.session.commit()
    _stay_logged_in()
    flash(_("Two-factor login is off. You are logged out on your other devices."), "success")
    return redirect(url_for(".two_factor"))


def _refused(form: CodeOrPasswordForm) -> int | None:
    """Check the form's current code or password, counted like a login attempt: None when
    it is right, else the status to answer with (the error is on the field)."""
    if not form.validate_on_submit():
        return 422
    if _over_limit(form.secret):
        return 429
    if not two_factor.code_or_password(current_user, form.secret.data):
        db.session.commit()  # the attempt's count
        form.secret.errors.append(_("This is neither a current code nor your password."))
        return 422
    two_factor.attempt_succeeded(current_user.id, request.remote_addr or "unknown")
    return None


def _over_limit(field: Any) -> bool:
    """Count a code or password attempt like a login; True (with the error) when over."""
    wait = two_factor.count_attempt(current_user.id, request.remote_addr or "unknown")
    db.session.commit()
    if wait:
        field.errors.append(_("Too many wrong attempts. Wait %(minutes)s minutes and try "
                              "again.", minutes=max(1, round(wait / 60))))
    return bool(wait)


def init_gate(app: Flask) -> None:
    @app.before_request
    def require_two_factor() -> ResponseReturnValue | None:
        """While an admin requires it, staff without two-factor can only set it up."""
        if request.endpoint is None or request.endpoint in GATE_OPEN:
            return None
        if request.blueprint == API_BLUEPRINT:
            # The API never uses the session: it answers in JSON for bearer tokens (and
            # refuses those of staff who lack a required two-factor itself). Looking at
            # current_user here would load it from the session cookie, and mark every API
            # answer "Vary: Cookie".
            return None
        if not current_user.is_authenticated or not two_factor.setup_missing(current_user):
            return None
        flash(_("Your account needs two-factor login. Please set it up to go on."), "info")
        return redirect(url_for("account.two_factor"))
