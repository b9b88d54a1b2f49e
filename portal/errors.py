"""Error pages in the visitor's language; a 500 shows no traceback."""

from __future__ import annotations

from flask import Flask, render_template
from flask.typing import ResponseReturnValue
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import HTTPException

from portal.extensions import db

MESSAGES = {
    400: (_l("Bad request"), _l("The request could not be understood. Check the address or the "
                                "form and try again.")),
    401: (_l("Please log in"), _l("You need to log in to do this.")),
    403: (_l("Not allowed"), _l("You do not have permission to see this page.")),
    404: (_l("Page not found"), _l("There is no page at this address. It may have been moved, "
                                   "withdrawn or expired.")),
    405: (_l("Not allowed"), _l("This address does not accept this kind of request.")),
    409: (_l("Changed by someone else"), _l("Someone else changed this at the same moment. "
                                             "Reload the page to see the current version, "
                                             "then try again.")),
    413: (_l("File too large"), _l("The file or form you sent is larger than the portal accepts. "
                                    "Send a smaller file.")),
    422: (_l("Check the form"), _l("Some fields need correcting.")),
    429: (_l("Too many requests"), _l("You have tried too often. Wait a few minutes and try "
                                      "again.")),
    500: (_l("Something went wrong"), _l("The portal could not finish your request. Nothing was "
                                         "saved; please try again later.")),
}


def render_error(code: int, message: str | None = None) -> ResponseReturnValue:
    title, text = MESSAGES.get(code, MESSAGES[500])
    return render_template("errors/error.html", code=code, title=title,
                           message=message or text), code


def init_app(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError) -> ResponseReturnValue:
        return render_error(400, str(_l("The form had expired. Please go back, reload the page "
                                        "and send it again.")))

    @app.errorhandler(StaleDataError)
    def stale(error: StaleDataError) -> ResponseReturnValue:
        # Raised at flush when the row's version moved on since this request read it.
        db.session.rollback()
        return render_error(409)

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> ResponseReturnValue:
        if error.code is None or error.code < 400:
            return error
        return render_error(error.code)

    # Registered for 500, not Exception: Flask logs the error first, and tests still see it raised.
    @app.errorhandler(500)
    def server_error(error: Exception) -> ResponseReturnValue:
        db.session.rollback()
        return render_error(500)
