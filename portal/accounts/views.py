"""Login, logout, registration and the user's own account pages."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required, login_user, logout_user
from sqlalchemy.exc import IntegrityError

from portal.accounts import pending, services, two_factor
from portal.accounts.forms import (
    LoginForm,
    PasswordChangeForm,
    ProfileForm,
    RegistrationForm,
    SecondStepForm,
)
from portal.accounts.models import User
from portal.content import audit, registry
from portal.extensions import db
from portal.security import safe_next

bp = Blueprint("auth", __name__, url_prefix="/auth")
account_bp = Blueprint("account", __name__, url_prefix="/account")


def _start_session(user: User, remember: bool = False) -> None:
    login_user(user, remember=remember)
    session["lang"] = user.language


@bp.route("/login", methods=["GET", "POST"])
def login() -> ResponseReturnValue:
    if current_user.is_authenticated:
        return redirect(url_for("main.index"))
    form = LoginForm()
    if form.validate_on_submit():
        address = request.remote_addr or "unknown"
        wait = services.count_login_attempt(form.email.data, address)
        db.session.commit()  # the count must be visible to parallel attempts before we go on
        if wait:
            minutes = max(1, round(wait / 60))
            form.form_errors.append(_(
                "Too many failed attempts. Wait %(minutes)s minutes and try again.",
                minutes=minutes))
            return render_template("auth/login.html", form=form), 429
        result = services.authenticate(form.email.data, form.password.data, address)
        db.session.commit()
        if result.user is not None and result.second_step:
            # Not a login yet: only a marker that the password was right, for a few minutes.
            pending.keep(result.user, remember=form.remember.data,
                         next_url=safe_next(request.args.get("next")))
            return redirect(url_for(".second_step"))
        if result.user is not None:
            return _finish_login(result.user, form.remember.data, request.args.get("next"))
        # One message for an unknown email and a wrong password.
        form.form_errors.append(_("The email or the password is wrong."))
        return render_template("auth/login.html", form=form), 401
    return render_template("auth/login.html", form=form)


def _finish_login(user: User, remember: bool, next_url: str | None) -> ResponseReturnValue:
    _start_session(user, remember=remember)
    flash(_("You are logged in."), "success")
    if two_factor.setup_missing(user):
        # Sent to set it up; the staff gate keeps them there until they have.
        return redirect(url_for("account.two_factor"))
    return redirect(safe_next(next_url) or url_for("main.index"))


@bp.route("/login/code", methods=["GET", "POST"])
def second_step() -> ResponseReturnValue:
    """The second step of a login with two-factor on: a code from the app or a recovery code."""
    if current_user.is_authenticated:
        return redirect(url_for("main.index"))
    marker = pending.current()
    user = db.session.get(User, marker.user_id) if marker else None
    if marker is None or user is None or not pending.still_valid(marker, user):
        pending.clear()
        flash(_("Please log in again: the time for entering the code has run out."), "info")
        return redirect(url_for(".login"))
    form = SecondStepForm()
    if form.validate_on_submit():
        address = request.remote_addr or "unknown"
        wait = two_factor.count_attempt(user.id, address)
        db.session.commit()  # seen by parallel attempts before the code is checked
        if wait:
            form.code.errors.append(_(
                "Too many wrong codes. Wait %(minutes)s minutes and try again.",
                minutes=max(1, round(wait / 60))))
            return render_template("auth/second_step.html", form=form), 429
        check = two_factor.verify(user, form.code.data)
        if check.ok:
            two_factor.attempt_succeeded(user.id, address)
            services.finish_login(user)
            db.session.commit()
            pending.clear()
            if check.recovery:
                flash(ngettext("You used a recovery code; %(num)d is left. Make new ones on "
                               "your account page.",
                               "You used a recovery code; %(num)d are left. Make new ones on "
                               "your account page if you are running out.",
                               two_factor.remaining_recovery_codes(user)), "info")
            return _finish_login(user, marker.remember, marker.next_url)
        audit.log("user.login_code_failed", "user", user.id, None, label=user.email)
        db.session.commit()
        form.code.errors.append(_("This code is wrong or was already used."))
        return render_template("auth/second_step.html", form=form), 401
    return render_template("auth/second_step.html", form=form), 422 if form.errors else 200


@bp.route("/logout", methods=["POST"])
@login_required
def logout() -> ResponseReturnValue:
    services.logout(current_user)
    db.session.commit()
    logout_user()
    flash(_("You are logged out on every device."), "success")
    return redirect(url_for("main.index"))


@bp.route("/register", methods=["GET", "POST"])
def register() -> ResponseReturnValue:
    if current_user.is_authenticated:
        return redirect(url_for("account.profile"))
    form = RegistrationForm(language=session.get("lang") or None)
    if form.validate_on_submit():
        wait = services.count_registration(request.remote_addr or "unknown")
        db.session.commit()
        if wait:
            form.form_errors.append(_("Too many new accounts from your address. Try again in "
                                      "%(minutes)s minutes.", minutes=max(1, round(wait / 60))))
            return render_template("auth/register.html", form=form), 429
        try:
            user = services.create_user(form.email.data, form.name.data, form.password.data,
                                        language=form.language.data)
            db.session.commit()
        except (services.AccountError, IntegrityError):
            # Taken already, or taken a moment ago by a parallel click of the same form.
            db.session.rollback()
            form.email.errors.append(_("An account with this email already exists."))
        else:
            _start_session(user)
            flash(_("Welcome! Your account is ready."), "success")
            return redirect(url_for("account.profile"))
    return render_template("auth/register.html", form=form), 422 if form.errors else 200


@account_bp.route("", methods=["GET", "POST"])
@login_required
def profile() -> ResponseReturnValue:
    form = ProfileForm(obj=current_user)
    if form.validate_on_submit():
        current_user.name = form.name.data.strip()
        current_user.language = form.language.data
        current_user.timezone = form.timezone.data
        session["lang"] = form.language.data
        db.session.commit()
        flash(_("Your profile is saved."), "success")
        return redirect(url_for(".profile"))
    # Logged in: security.add_headers keeps it out of caches (no-store), sections included.
    return render_template("account/profile.html", form=form, password_form=PasswordChangeForm(),
                           sections=registry.render_account(current_user)), (
        422 if form.errors else 200)


@account_bp.route("/password", methods=["GET", "POST"])
@login_required
def password() -> ResponseReturnValue:
    form = PasswordChangeForm()
    if form.validate_on_submit():
        if services.change_password(current_user, form.current.data, form.password.data):
            db.session.commit()
            # This device stays logged in under the new session version; every other one ends.
            # (The real object: logging in the current_user proxy makes it point at itself.)
            login_user(current_user._get_current_object())
            flash(_("Your password is changed. Other devices are logged out."), "success")
            return redirect(url_for(".profile"))
        form.current.errors.append(_("The current password is wrong."))
    return render_template("account/password.html", form=form), 422 if form.errors else 200
