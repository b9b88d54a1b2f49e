"""Languages: which one a page speaks, and the switcher."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Flask, current_app, redirect, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_babel import get_locale
from flask_login import current_user

from portal.extensions import db
from portal.security import safe_next

bp = Blueprint("i18n", __name__)

LANGUAGE_NAMES = {"uz": "Oʻzbekcha", "ru": "Русский", "en": "English"}


def select_locale() -> str:
    """Session choice, then the profile, then the browser's Accept-Language, then the default."""
    languages = current_app.config["LANGUAGES"]
    chosen = session.get("lang")
    if chosen in languages:
        return str(chosen)
    if current_user and current_user.is_authenticated and current_user.language in languages:
        return str(current_user.language)
    return request.accept_languages.best_match(languages) or current_app.config[
        "BABEL_DEFAULT_LOCALE"]


def select_timezone() -> str | None:
    if current_user and current_user.is_authenticated:
        return str(current_user.timezone)
    return None


def current_language() -> str:
    return str(get_locale() or "uz")[:2]


@bp.route("/language", methods=["POST"])
def switch() -> ResponseReturnValue:
    """Switch the page language; kept in the session and, when logged in, in the profile."""
    lang = request.form.get("lang", "")
    if lang in current_app.config["LANGUAGES"]:
        session["lang"] = lang
        if current_user.is_authenticated and current_user.language != lang:
            current_user.language = lang
            db.session.commit()
    return redirect(safe_next(request.form.get("next")) or url_for("main.index"))


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)

    @app.context_processor
    def languages() -> dict[str, Any]:
        return {"language_names": LANGUAGE_NAMES, "current_language": current_language()}
