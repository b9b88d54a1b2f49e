"""The API tests' app has the default consultation topics and consent text (the
consultation tests' app); ``token(role, scopes)`` makes a user with a personal access token and
gives the header to send."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask import Flask

from portal.accounts import tokens
from portal.accounts.models import User
from portal.extensions import db
from tests.conftest import make_user
from tests.consultations import conftest as consultations

app = consultations.app  # the same app: the consultation topics and consent text


@pytest.fixture
def token(app: Flask) -> Callable[..., dict[str, str]]:
    """``token("inspector", ["learning:read"])``: the Authorization header of a new token of a
    new user with that role (``email=`` to reuse one)."""

    def make(role: str = "inspector", scopes: tuple[str, ...] | list[str] = ("learning:read",),
             email: str | None = None) -> dict[str, str]:
        with app.app_context():
            address = email or f"{role}-api@example.uz"
            user = db.session.scalar(db.select(User).where(User.email == address)) \
                or make_user(role, address)
            _row, raw = tokens.create_token(user, "test", scopes)
            db.session.commit()
        return {"Authorization": f"Bearer {raw}"}

    return make
