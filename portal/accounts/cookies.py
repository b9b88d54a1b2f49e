"""The session cookie, left out of the JSON API's answers."""

from __future__ import annotations

from flask import Flask, Response, request
from flask.sessions import SecureCookieSessionInterface, SessionMixin

#: The blueprint of the JSON API (portal.api): it knows callers by bearer token only.
API_BLUEPRINT = "api"


class SessionInterface(SecureCookieSessionInterface):
    """Flask's signed-cookie session, never saved for an answer of the JSON API.

    The API identifies its callers by bearer token only, so its answers do not depend on the
    cookie. But Flask-Login looks at the session after every request (for the remember
    cookie), and Flask then adds ``Vary: Cookie``: shared caches would keep one copy of public
    data per visitor, and an API answer could renew a browser's session cookie.
    """

    def save_session(self, app: Flask, session: SessionMixin, response: Response) -> None:
        if request.blueprint == API_BLUEPRINT:
            return
        super().save_session(app, session, response)
