"""The issue's "done means", as one journey through real forms with CSRF protection on."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from portal.extensions import db
from tests.conftest import csrf_token, make_app


@pytest.fixture
def live_app(tmp_path):
    app = make_app(tmp_path, WTF_CSRF_ENABLED=True)
    with app.app_context():
        db.create_all()
    result = app.test_cli_runner().invoke(args=["demo", "load"])
    assert result.exit_code == 0, result.output
    return app


def post_form(client, url: str, data: dict, page_url: str | None = None):
    """Open the page, take its CSRF token and post the form, as a browser does."""
    page = client.get(page_url or url).get_data(as_text=True)
    return client.post(url, data={**data, "csrf_token": csrf_token(page)})


def test_editor_writes_reviews_publishes_edits_and_restores_a_guide(live_app) -> None:
    accounts = Path(live_app.instance_path, "demo-accounts.txt").read_text().splitlines()
    email, password = next(line.split()[1:] for line in accounts if line.startswith("editor "))
    editor = live_app.test_client()
    reader = live_app.test_client()

    # A citizen reads guides in three languages.
    for lang in ("uz", "ru", "en"):
        listing = reader.get(f"/materials/?language={lang}").get_data(as_text=True)
        assert listing.count('class="card"') >= 3, lang

    # The editor logs in through the real form.
    assert post_form(editor, "/auth/login", {"email": email, "password": password}
                     ).status_code == 302

    # Writes a guide: a draft nobody else sees.
    created = post_form(editor, "/materials/new", {
        "title": "Mahalla mediation for neighbours", "summary": "How a mahalla settles disputes.",
        "body": "## When to ask\n\nFirst version of the text.\n", "topics": ["mahalla-cooperation"],
        "audience": "everyone", "language": "en", "form_key": "journey-key-1"},
        page_url="/materials/new")
    assert created.status_code == 302
    slug = created.headers["Location"].split("/")[2]
    assert reader.get(f"/materials/{slug}").status_code == 404

    # Submits it for review, then publishes it: each button carries the page's token.
    for move in ("submit", "publish"):
        response = post_form(editor, f"/materials/{slug}/workflow", {"move": move},
                             page_url=f"/materials/{slug}")
        assert response.status_code == 302, move

    # It is in the list and the feed.
    assert "Mahalla mediation for neighbours" in reader.get("/materials/").get_data(as_text=True)
    feed = ET.fromstring(reader.get("/materials/feed.atom").data)
    titles = [e.text for e in feed.iter("{http://www.w3.org/2005/Atom}title")]
    assert "Mahalla mediation for neighbours" in titles

    # Edits it: a second revision.
    edited = post_form(editor, f"/materials/{slug}/edit", {
        "title": "Mahalla mediation for neighbours", "summary": "How a mahalla settles disputes.",
        "body": "## When to ask\n\nSecond, worse version.\n", "topics": ["mahalla-cooperation"],
        "audience": "everyone", "language": "en", "comment": "rewrote"})
    assert edited.status_code == 302
    assert "Second, worse version." in reader.get(f"/materials/{slug}").get_data(as_text=True)

    # Restores the first revision from the history page.
    history = editor.get(f"/materials/{slug}/history").get_data(as_text=True)
    assert re.search(r"/history/1/restore", history)
    restored = editor.post(f"/materials/{slug}/history/1/restore",
                           data={"csrf_token": csrf_token(history)})
    assert restored.status_code == 302
    page = reader.get(f"/materials/{slug}").get_data(as_text=True)
    assert "First version of the text." in page and "Second, worse version." not in page

    # The language switch and logout forms carry tokens too.
    assert post_form(reader, "/language", {"lang": "ru", "next": "/"}, page_url="/"
                     ).status_code == 302
    assert post_form(editor, "/auth/logout", {}, page_url="/").status_code == 302
    assert editor.get("/account").status_code == 302
