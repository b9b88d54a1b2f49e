"""The account page's personal access tokens: list, create (the token shown once), revoke.

The raw token is shown in the answer to the POST that made it (``Cache-Control: no-store``),
never kept in the session (Flask's session is a signed, not encrypted, cookie: a copy of it
would show the token again) nor put in a URL. Sending the form again (a reload, a double click)
makes no second token: its one-time key finds the first, whose token is not shown again.
"""

from __future__ import annotations

from datetime import timedelta

from flask import abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy.exc import IntegrityError

from portal.accounts import tokens
from portal.accounts.forms import TokenForm, TokenRevokeForm
from portal.accounts.models import PersonalToken
from portal.accounts.views import account_bp
from portal.content import formkeys
from portal.database import utcnow
from portal.extensions import db
from portal.web import int_arg


def _scope_choices() -> list[tuple[str, str]]:
    allowed = tokens.allowed_scopes(current_user)
    return [(name, str(label)) for name, label in tokens.SCOPES.items() if name in allowed]


def _own_token(token_id: int | None) -> PersonalToken:
    """The current user's live token *token_id*; 404 for anyone else's (not 403: ids of
    other people's tokens are not confirmed to exist)."""
    token = db.session.get(PersonalToken, token_id) if token_id else None
    if token is None or token.user_id != current_user.id or token.revoked_at is not None:
        abort(404)
    return token


@account_bp.route("/tokens", methods=["GET", "POST"])
@login_required
def tokens_page() -> ResponseReturnValue:
    form = TokenForm(scopes=_scope_choices())
    if request.method == "GET":
        _fresh(form)
    if form.validate_on_submit():
        earlier = formkeys.already_created(PersonalToken, form.form_key.data)
        if earlier is not None:
            return _repeated()
        days = int(form.expires.data or 0)
        try:
            token, raw = tokens.create_token(
                current_user, form.name.data, form.scopes.data or [],
                utcnow() + timedelta(days=days) if days else None,
                form_key=form.form_key.data or None)
            db.session.commit()
        except tokens.TokenError:
            db.session.rollback()
            form.scopes.errors.append(_("Choose at least one of the permissions offered."))
        except IntegrityError:  # the same form sent twice at once: the other one made it
            db.session.rollback()
            return _repeated()
        else:
            flash(_("The token is created. Copy it now: it is shown only once."), "success")
            # A new, empty form (with a new key) below the token, for the next one.
            form = TokenForm(formdata=None, scopes=_scope_choices())
            _fresh(form)
            # Not cached anywhere: security.add_headers marks logged-in answers no-store.
            return _render(form, new={"id": token.id, "token": raw})
    return _render(form), 422 if form.errors else 200


def _fresh(form: TokenForm) -> None:
    form.form_key.data = formkeys.new_key()
    form.scopes.data = ["learning:read"]


def _render(form: TokenForm, new: dict[str, object] | None = None) -> str:
    rows = db.session.scalars(tokens.tokens_of(current_user)).all()
    return render_template("account/tokens.html", form=form, tokens=rows, new=new,
                           scopes=tokens.SCOPES, now=utcnow())


def _repeated() -> ResponseReturnValue:
    flash(_("This form was already sent and the token created; it is shown only once. If you "
            "did not copy it, revoke it and create another."), "info")
    return redirect(url_for(".tokens_page"))


@account_bp.route("/tokens/revoke", methods=["GET", "POST"])
@login_required
def revoke_token() -> ResponseReturnValue:
    """GET asks for confirmation (``?token=<id>``), POST revokes."""
    form = TokenRevokeForm()
    if request.method == "GET":
        token = _own_token(int_arg("token"))
        form.token_id.data = token.id
        return render_template("account/token_revoke.html", form=form, token=token)
    if not form.validate_on_submit():
        abort(400)
    token = _own_token(form.token_id.data)
    tokens.revoke(token, current_user)
    db.session.commit()
    flash(_("The token “%(name)s” is revoked: it no longer works.", name=token.name), "success")
    return redirect(url_for(".tokens_page"))
