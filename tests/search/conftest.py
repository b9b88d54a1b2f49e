"""The search tests' apps apply the search outbox at the end of each request, as production
does (the rest of the suite leaves it off)."""

from __future__ import annotations

from typing import Any

import pytest


@pytest.fixture
def app_settings() -> dict[str, Any]:
    return {"SEARCH_SYNC_AFTER_REQUEST": True}
