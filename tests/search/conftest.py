"""The search tests' apps apply the search outbox at the end of each request, as production
does (the rest of the suite leaves it off)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask

from tests.conftest import make_app


@pytest.fixture
def empty_app(tmp_path: Path) -> Iterator[Flask]:
    yield make_app(tmp_path, SEARCH_SYNC_AFTER_REQUEST=True)
