"""Guide addresses: ASCII slugs from titles in Uzbek, Russian and English; never two alike."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from portal.content.slugs import make_slug
from portal.extensions import db
from portal.materials.models import Material
from tests.conftest import make_material


def write_guide(client, title: str):
    return client.post("/materials/new", data={
        "title": title, "summary": "Summary.", "body": "Text.", "topics": ["family"],
        "audience": "everyone", "language": "uz"})


@pytest.mark.parametrize(("title", "slug"), [
    ("Права ребёнка в семье", "prava-rebenka-v-seme"),
    ("Профилактика правонарушений", "profilaktika-pravonarushenii"),
    ("Oʻzbekiston Respublikasi Oila kodeksi", "ozbekiston-respublikasi-oila-kodeksi"),
    ("Gʻamxoʻrlik va vasiylik", "gamxorlik-va-vasiylik"),
    ("O'g'il va qiz bolalar", "ogil-va-qiz-bolalar"),  # apostrophe typed as ASCII
    ("O‘quvchilar huquqlari", "oquvchilar-huquqlari"),  # typed with a left quote
    ("Shaxsga doir maʼlumotlar", "shaxsga-doir-malumotlar"),
    ("Ўзбекистон Республикаси қонуни", "uzbekiston-respublikasi-konuni"),
])
def test_titles_in_the_portals_languages_give_ascii_addresses(app, client, as_role, title,
                                                              slug) -> None:
    as_role("editor")

    response = write_guide(client, title)

    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/materials/{slug}/edit")
    with app.app_context():
        guide = db.session.scalar(select(Material))
        assert guide.slug == slug
        assert guide.slug.isascii()
        assert guide.title == title
    assert client.get(f"/materials/{slug}").status_code == 200


def test_a_taken_address_gets_a_number(app, client, as_role) -> None:
    with app.app_context():
        make_material("Bola huquqlari")
    as_role("editor")

    response = write_guide(client, "Bola huquqlari")

    assert response.headers["Location"].endswith("/materials/bola-huquqlari-2/edit")
    with app.app_context():
        slugs = set(db.session.scalars(select(Material.slug)))
    assert slugs == {"bola-huquqlari", "bola-huquqlari-2"}


def test_each_further_guide_with_the_same_title_gets_the_next_number(app, client,
                                                                     as_role) -> None:
    with app.app_context():
        make_material("Oila")
        make_material("Oila")
        make_material("Oila huquqi")  # starts alike, but is not a numbered copy
    as_role("editor")

    response = write_guide(client, "Oila")

    assert response.headers["Location"].endswith("/materials/oila-3/edit")


def test_the_same_title_in_another_script_counts_as_taken(app, client, as_role) -> None:
    with app.app_context():
        make_material("Ozbekiston")
    as_role("editor")

    response = write_guide(client, "Oʻzbekiston")

    assert response.headers["Location"].endswith("/materials/ozbekiston-2/edit")


def test_editing_the_title_keeps_the_address(app, client, as_role) -> None:
    with app.app_context():
        slug = make_material("Old title", state="draft").slug
    as_role("editor")

    client.post(f"/materials/{slug}/edit", data={
        "title": "Yangi sarlavha", "summary": "Summary.", "body": "Text.", "topics": ["family"],
        "audience": "everyone", "language": "uz"})

    assert client.get(f"/materials/{slug}").status_code == 200
    assert client.get("/materials/yangi-sarlavha").status_code == 404


@pytest.mark.parametrize("title", ["!!!", "«»", "   "])
def test_a_title_without_letters_still_gets_an_address(title) -> None:
    assert make_slug(title) == "item"


def test_long_titles_are_cut_at_a_word_boundary() -> None:
    slug = make_slug("Voyaga yetmaganlar ishlari boʻyicha idoralararo komissiyalar " * 3)

    assert len(slug) <= 80
    assert not slug.endswith("-")
    assert slug.startswith("voyaga-yetmaganlar-ishlari-boyicha")
