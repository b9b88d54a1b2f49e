"""The consultation tests' app has the default consultation topics and consent text."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from portal.consultations.configuration import ensure_defaults
from portal.extensions import db
from tests.conftest import make_app


@pytest.fixture
def app(tmp_path: Path, app_settings: dict[str, Any]) -> Flask:
    app = make_app(tmp_path, tables=True, **app_settings)
    with app.app_context():
        ensure_defaults()  # the content topics too
        db.session.commit()
    return app
