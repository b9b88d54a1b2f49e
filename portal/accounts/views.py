"""Login, logout, registration and the user's own account pages."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user
from sqlalchemy.exc import IntegrityError

from portal.accounts import services
from portal.accounts.forms import LoginForm, PasswordChangeForm, ProfileForm, RegistrationForm
from portal.accounts.models import User
from portal.content import registry
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
        if result.user is not None:
            _start_session(result.user, remember=form.remember.data)
            flash(_("You are logged in."), "success")
            return redirect(safe_next(request.args.get("next")) or url_for("main.index"))
        # One message for an unknown email and a wrong password.
        form.form_errors.append(_("The email or the password is wrong."))
        return render_template("auth/login.html", form=form), 401
    return render_template("auth/login.html", form=form)


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
