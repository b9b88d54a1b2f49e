"""Users, roles, units, login, registration, profile and the admin pages."""

from __future__ import annotations

from flask import Flask
from flask_babel import lazy_gettext as _l

from portal.accounts.models import AnonymousUser, User
from portal.extensions import db, login_manager


def init_app(app: Flask) -> None:
    from portal.accounts import admin, cli, cookies, token_views, two_factor_views, views

    del token_views  # imported for its routes on the account blueprint
    app.session_interface = cookies.SessionInterface()
    two_factor_views.init_gate(app)
    app.register_blueprint(views.bp)
    app.register_blueprint(views.account_bp)
    app.register_blueprint(admin.bp)
    app.cli.add_command(cli.users_cli)

    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Please log in to see this page.")
    login_manager.login_message_category = "info"
    login_manager.anonymous_user = AnonymousUser


@login_manager.user_loader
def load_user(identity: str) -> User | None:
    """Find the session's user; a session from before a logout or password change fails here."""
    user_id, _, version = identity.partition(":")
    if not (user_id.isdigit() and version.isdigit()):
        return None
    user = db.session.get(User, int(user_id))
    if user is None or not user.active or user.session_version != int(version):
        return None
    return user
