"""Huquq Portal: legal outreach and the training of prevention inspectors."""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask


def create_app(test_config: Mapping[str, Any] | None = None,
               instance_path: str | None = None) -> Flask:
    """Create and configure an instance of the portal."""
    app = Flask(__name__, instance_relative_config=True, instance_path=instance_path)
    app.config.from_object("portal.config.DefaultConfig")
    if test_config is None:
        app.config.from_pyfile("config.py", silent=True)  # instance/config.py, untracked
        app.config.from_prefixed_env("PORTAL")  # PORTAL_SECRET_KEY=... wins last
    else:
        app.config.from_mapping(test_config)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _instance_secret_key(Path(app.instance_path))

    from portal.database import configure_database
    from portal.extensions import babel, csrf, db, login_manager, migrate

    configure_database(app)
    db.init_app(app)
    migrate.init_app(app, db, directory=str(Path(app.root_path).parent / "migrations"),
                     render_as_batch=True, compare_type=True)
    csrf.init_app(app)

    from portal import i18n, security, web

    babel.init_app(app, locale_selector=i18n.select_locale, timezone_selector=i18n.select_timezone)
    i18n.init_app(app)
    security.init_app(app)
    web.init_app(app)

    from portal import (
        accounts,
        api,
        consultations,
        content,
        cooperation,
        courses,
        demo,
        errors,
        mail,
        main,
        materials,
        search,
        webinars,
    )

    accounts.init_app(app)
    content.init_app(app)
    courses.init_app(app)
    mail.init_app(app)
    webinars.init_app(app)
    cooperation.init_app(app)
    consultations.init_app(app)
    search.init_app(app)
    api.init_app(app)
    app.register_blueprint(main.bp)
    app.register_blueprint(materials.bp)
    errors.init_app(app)
    demo.init_app(app)
    login_manager.init_app(app)
    return app


def _instance_secret_key(instance: Path) -> str:
    """Read the instance's secret key, writing a random one on first run."""
    path = instance / "secret-key"
    if not path.exists():
        # O_EXCL: two workers starting at once agree on one key.
        try:
            with open(path, "x", encoding="ascii") as fh:
                fh.write(secrets.token_urlsafe(48))
            path.chmod(0o600)
        except FileExistsError:
            pass
    return path.read_text(encoding="ascii").strip()
