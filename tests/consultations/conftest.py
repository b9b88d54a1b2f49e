"""The consultation tests' app has the default consultation topics and consent text."""

from __future__ import annotations

import pytest
from flask import Flask

from portal.consultations.configuration import ensure_defaults
from portal.extensions import db


@pytest.fixture
def app(empty_app: Flask) -> Flask:
    with empty_app.app_context():
        db.create_all()
        ensure_defaults()  # the content topics too
        db.session.commit()
    return empty_app
