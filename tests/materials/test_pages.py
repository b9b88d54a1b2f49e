"""What readers see: guide list and filters, guide pages, languages, print, votes, feed, sitemap."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from datetime import timedelta

import pytest
from sqlalchemy import select

from portal.database import utcnow
from portal.extensions import db
from portal.materials.models import Material
from tests.conftest import make_material

ATOM = "{http://www.w3.org/2005/Atom}"
SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


def listed_titles(page: str) -> list[str]:
    """Titles of the guide cards on a list page, in order."""
    return re.findall(r'<h3><a href="/materials/[^"]+">([^<]+)</a></h3>', page)


def parse_xml(data: bytes | str) -> ET.Element:
    """Parse a document the portal itself produced; a malformed one fails the test."""
    return ET.fromstring(data)  # noqa: S314 - our own response, not untrusted input


def feed_entries(client) -> list[ET.Element]:
    response = client.get("/materials/feed.atom")
    assert response.status_code == 200
    assert response.mimetype == "application/atom+xml"
    return parse_xml(response.data).findall(f"{ATOM}entry")


def sitemap_urls(client) -> list[str]:
    response = client.get("/sitemap.xml")
    assert response.status_code == 200
    return [loc.text or "" for loc in parse_xml(response.data).iter(f"{SITEMAP}loc")]


def votes(app, slug: str) -> tuple[int, int]:
    with app.app_context():
        guide = db.session.scalar(select(Material).where(Material.slug == slug))
        return guide.useful_yes, guide.useful_no


# The list


def test_the_list_shows_published_guides_only(app, client) -> None:
    with app.app_context():
        make_material("Tenant rights", state="published")
        make_material("Unfinished", state="draft")
        make_material("Waiting for review", state="review")
        make_material("Old rules", state="archived")
        make_material("Expired rules", expires_at=utcnow() - timedelta(minutes=1))
        make_material("Expiring next year", expires_at=utcnow() + timedelta(days=365))

    page = client.get("/materials/").get_data(as_text=True)

    assert sorted(listed_titles(page)) == ["Expiring next year", "Tenant rights"]
    assert "2 guides" in page


def test_the_list_shows_newest_first(app, client) -> None:
    with app.app_context():
        for title in ("First", "Second", "Third"):
            make_material(title)

    page = client.get("/materials/").get_data(as_text=True)

    assert listed_titles(page) == ["Third", "Second", "First"]


def test_the_list_filters_by_topic(app, client) -> None:
    with app.app_context():
        make_material("Alimony", topics=["family"])
        make_material("Street safety", topics=["crime-prevention"])
        make_material("Both", topics=["family", "crime-prevention"])

    page = client.get("/materials/?topic=crime-prevention").get_data(as_text=True)

    assert sorted(listed_titles(page)) == ["Both", "Street safety"]
    assert '<option value="crime-prevention" selected>' in page


def test_the_list_filters_by_language(app, client) -> None:
    with app.app_context():
        make_material("In English", language="en")
        make_material("По-русски", language="ru")
        make_material("Oʻzbekcha", language="uz")

    page = client.get("/materials/?language=ru").get_data(as_text=True)

    assert listed_titles(page) == ["По-русски"]


def test_the_audience_filter_includes_guides_written_for_everyone(app, client, as_role) -> None:
    with app.app_context():
        make_material("For citizens", audience="citizens")
        make_material("For everyone", audience="everyone")
        make_material("For inspectors", audience="inspectors")
    as_role("inspector")

    citizens = client.get("/materials/?audience=citizens").get_data(as_text=True)
    inspectors = client.get("/materials/?audience=inspectors").get_data(as_text=True)
    everyone = client.get("/materials/?audience=everyone").get_data(as_text=True)

    assert sorted(listed_titles(citizens)) == ["For citizens", "For everyone"]
    assert sorted(listed_titles(inspectors)) == ["For everyone", "For inspectors"]
    assert listed_titles(everyone) == ["For everyone"]


def test_guides_in_the_page_language_come_first(app, client) -> None:
    with app.app_context():
        make_material("Oʻzbekcha qoʻllanma", language="uz")
        make_material("Русское руководство", language="ru")
        make_material("English guide", language="en")  # newest

    russian = client.get("/materials/", headers={"Accept-Language": "ru"}).get_data(as_text=True)
    english = client.get("/materials/").get_data(as_text=True)

    assert listed_titles(russian)[0] == "Русское руководство"
    assert listed_titles(english)[0] == "English guide"
    assert len(listed_titles(russian)) == 3


def test_unknown_filter_values_are_ignored(app, client) -> None:
    with app.app_context():
        make_material("Alimony")

    response = client.get("/materials/?language=xx&audience=martians&page=abc")

    assert response.status_code == 200
    assert listed_titles(response.get_data(as_text=True)) == ["Alimony"]


def test_the_list_is_paginated_and_keeps_the_filter(app, client) -> None:
    with app.app_context():
        for n in range(1, 8):
            make_material(f"Family guide {n}", topics=["family"])
        make_material("Other topic", topics=["legal-aid"])

    first = client.get("/materials/?topic=family").get_data(as_text=True)
    second = client.get("/materials/?topic=family&page=2").get_data(as_text=True)
    beyond = client.get("/materials/?topic=family&page=3").get_data(as_text=True)

    assert listed_titles(first) == [f"Family guide {n}" for n in (7, 6, 5, 4, 3)]
    assert listed_titles(second) == ["Family guide 2", "Family guide 1"]
    assert listed_titles(beyond) == []
    assert "7 guides" in first
    assert re.search(r'rel="next" href="/materials/\?[^"]*page=2', first)
    assert "topic=family" in re.search(r'rel="next" href="([^"]+)"', first).group(1)
    assert 'rel="next"' not in second and 'rel="prev"' in second


# Guides for inspectors only


@pytest.mark.parametrize(("role", "sees"), [
    (None, False), ("citizen", False), ("inspector", True), ("trainer", True),
    ("editor", True), ("admin", True)])
def test_inspectors_only_guides_are_shown_to_staff_only(app, client, as_role, role,
                                                        sees) -> None:
    with app.app_context():
        make_material("Raid protocol", audience="inspectors")
        make_material("Public guide")
    if role:
        as_role(role)

    listing = client.get("/materials/").get_data(as_text=True)
    response = client.get("/materials/raid-protocol")

    assert ("Raid protocol" in listed_titles(listing)) is sees
    assert response.status_code == (200 if sees else 404)
    if sees:
        assert "Inspectors only" in response.get_data(as_text=True)


@pytest.mark.parametrize("role", [None, "citizen", "inspector", "editor"])
def test_inspectors_only_guides_stay_out_of_the_public_feed_and_sitemap(app, client, as_role,
                                                                         role) -> None:
    with app.app_context():
        make_material("Raid protocol", audience="inspectors")
        make_material("Public guide")
    if role:
        as_role(role)

    titles = [e.findtext(f"{ATOM}title") for e in feed_entries(client)]
    urls = sitemap_urls(client)

    assert titles == ["Public guide"]
    assert "http://portal.test/materials/public-guide" in urls
    assert not [u for u in urls if "raid-protocol" in u]


# Expiry


@pytest.mark.parametrize(("role", "status"), [
    (None, 404), ("citizen", 404), ("inspector", 404), ("trainer", 404), ("editor", 200),
    ("admin", 200)])
def test_an_expired_guide_is_gone_for_everyone_but_editors(app, client, as_role, role,
                                                            status) -> None:
    with app.app_context():
        make_material("Old tariff", expires_at=utcnow() - timedelta(days=1))
    if role:
        as_role(role)

    response = client.get("/materials/old-tariff")

    assert response.status_code == status
    if status == 200:
        assert "Expired" in response.get_data(as_text=True)
    assert client.get("/materials/old-tariff/print").status_code == status


def test_an_expired_guide_leaves_the_feed_and_sitemap(app, client) -> None:
    with app.app_context():
        make_material("Old tariff", expires_at=utcnow() - timedelta(days=1))
        make_material("Current tariff")

    assert [e.findtext(f"{ATOM}title") for e in feed_entries(client)] == ["Current tariff"]
    assert not [u for u in sitemap_urls(client) if "old-tariff" in u]


@pytest.mark.parametrize("state", ["draft", "review", "archived"])
def test_an_unpublished_guide_is_not_found_for_visitors(app, client, as_role, state) -> None:
    with app.app_context():
        make_material("Hidden", state=state)
    as_role("inspector")

    assert client.get("/materials/hidden").status_code == 404
    assert client.get("/materials/hidden/print").status_code == 404


def test_a_missing_guide_is_not_found(client) -> None:
    assert client.get("/materials/no-such-guide").status_code == 404


# The guide page


def test_the_guide_page_shows_text_reading_time_contents_and_references(app, client) -> None:
    body = ("## Who pays\n\n" + "word " * 300 + "\n\n## How much\n\nA quarter of income.\n")
    with app.app_context():
        make_material("Alimony", body=body, summary="Who pays and how much.",
                      legal_references="Family Code, art. 99\nCivil Code, art. 5")

    page = client.get("/materials/alimony").get_data(as_text=True)

    assert "<h1>Alimony</h1>" in page
    assert "Who pays and how much." in page
    assert "2 minutes read" in page
    toc = re.search(r'<nav class="toc".*?</nav>', page, re.S).group(0)
    assert '<a href="#who-pays">Who pays</a>' in toc
    assert '<a href="#how-much">How much</a>' in toc
    assert "<li>Family Code, art. 99</li><li>Civil Code, art. 5</li>" in page


def test_the_guide_page_links_to_its_other_languages(app, client) -> None:
    with app.app_context():
        english = make_material("Child benefits", language="en")
        make_material("Детские пособия", language="ru",
                      translation_group=english.translation_group)
        make_material("Bolalar nafaqalari", language="uz", state="draft",
                      translation_group=english.translation_group)

    page = client.get("/materials/child-benefits").get_data(as_text=True)

    nav = re.search(r'<nav class="translations".*?</nav>', page, re.S).group(0)
    assert re.findall(r'href="(/materials/[^"]+)" hreflang="(\w+)"', nav) == [
        ("/materials/detskie-posobiia", "ru")]
    assert "Русский" in nav


def test_asking_for_a_language_with_a_translation_redirects_to_it(app, client) -> None:
    with app.app_context():
        english = make_material("Child benefits", language="en")
        make_material("Детские пособия", language="ru",
                      translation_group=english.translation_group)

    response = client.get("/materials/child-benefits?lang=ru")

    assert response.status_code == 302
    assert response.headers["Location"].endswith("/materials/detskie-posobiia")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "<h1>Детские пособия</h1>" in page


def test_asking_for_a_missing_language_shows_the_guide_with_a_notice(app, client) -> None:
    with app.app_context():
        make_material("Child benefits", language="en")

    response = client.get("/materials/child-benefits?lang=ru")

    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<h1>Child benefits</h1>" in page
    assert "This guide is not available in Русский; it is shown in English." in page


def test_a_guide_in_the_asked_language_needs_no_notice(app, client) -> None:
    with app.app_context():
        make_material("Child benefits", language="en")

    page = client.get("/materials/child-benefits?lang=en").get_data(as_text=True)

    assert "is not available in" not in page


def test_a_translation_in_draft_is_not_offered_to_visitors(app, client) -> None:
    with app.app_context():
        english = make_material("Child benefits", language="en")
        make_material("Детские пособия", language="ru", state="draft",
                      translation_group=english.translation_group)

    response = client.get("/materials/child-benefits?lang=ru")

    assert response.status_code == 200
    assert "is not available in Русский" in response.get_data(as_text=True)


def test_related_guides_share_a_topic_and_the_language(app, client) -> None:
    with app.app_context():
        main = make_material("Alimony", topics=["family"])
        make_material("Custody", topics=["family", "legal-aid"])
        make_material("Street safety", topics=["crime-prevention"])
        make_material("Опека", topics=["family"], language="ru")
        make_material("Adoption draft", topics=["family"], state="draft")
        make_material("Guardianship for inspectors", topics=["family"], audience="inspectors")
        make_material("Alimony, another version", topics=["family"],
                      translation_group=main.translation_group)

    page = client.get("/materials/alimony").get_data(as_text=True)

    related = re.search(r'<section aria-labelledby="page-related-title">.*?</section>', page,
                        re.S).group(0)
    assert re.findall(r'<li><a href="[^"]+">([^<]+)</a></li>', related) == ["Custody"]


def test_a_guide_with_nothing_related_shows_no_related_section(app, client) -> None:
    with app.app_context():
        make_material("Alimony", topics=["family"])

    page = client.get("/materials/alimony").get_data(as_text=True)

    assert "Related guides" not in page


def test_the_print_view_has_the_text_without_the_sites_navigation(app, client) -> None:
    with app.app_context():
        make_material("Alimony", body="## Who pays\n\nThe parent.\n",
                      legal_references="Family Code, art. 99")

    response = client.get("/materials/alimony/print")

    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<h1>Alimony</h1>" in page
    assert '<h2 id="who-pays">Who pays</h2>' in page
    assert "Family Code, art. 99" in page
    assert "http://portal.test/materials/alimony" in page
    assert "Log in" not in page and "<nav" not in page
    assert "print.css" in page


def test_the_guide_page_links_to_the_print_view(app, client) -> None:
    with app.app_context():
        make_material("Alimony")

    page = client.get("/materials/alimony").get_data(as_text=True)

    assert 'href="/materials/alimony/print"' in page


# Was this page useful?


def test_a_visitor_answers_was_this_useful_once_per_session(app, client) -> None:
    with app.app_context():
        make_material("Alimony")

    first = client.post("/materials/alimony/useful", data={"useful": "yes"})
    client.post("/materials/alimony/useful", data={"useful": "yes"})
    client.post("/materials/alimony/useful", data={"useful": "no"})

    assert first.status_code == 302
    assert first.headers["Location"].endswith("/materials/alimony#page-useful")
    assert votes(app, "alimony") == (1, 0)
    page = client.get("/materials/alimony").get_data(as_text=True)
    assert "Thank you for your answer." in page
    assert 'name="useful" value="yes"' not in page


def test_each_visitor_session_counts(app) -> None:
    with app.app_context():
        make_material("Alimony")

    app.test_client().post("/materials/alimony/useful", data={"useful": "yes"})
    app.test_client().post("/materials/alimony/useful", data={"useful": "yes"})
    app.test_client().post("/materials/alimony/useful", data={"useful": "no"})

    assert votes(app, "alimony") == (2, 1)


def test_a_vote_on_one_guide_does_not_use_up_the_vote_on_another(app, client) -> None:
    with app.app_context():
        make_material("Alimony")
        make_material("Custody")
        make_material("Tenant rights")

    client.post("/materials/alimony/useful", data={"useful": "yes"})
    client.post("/materials/custody/useful", data={"useful": "no"})

    assert votes(app, "alimony") == (1, 0)
    assert votes(app, "custody") == (0, 1)
    unanswered = client.get("/materials/tenant-rights").get_data(as_text=True)
    assert 'name="useful" value="yes"' in unanswered


@pytest.mark.parametrize("answer", ["", "maybe", "YES"])
def test_a_vote_that_is_neither_yes_nor_no_is_refused(app, client, answer) -> None:
    with app.app_context():
        make_material("Alimony")

    response = client.post("/materials/alimony/useful", data={"useful": answer})

    assert response.status_code == 400
    assert votes(app, "alimony") == (0, 0)


def test_nobody_votes_on_a_draft(app, client) -> None:
    with app.app_context():
        make_material("Alimony", state="draft")

    response = client.post("/materials/alimony/useful", data={"useful": "yes"})

    assert response.status_code == 404
    assert votes(app, "alimony") == (0, 0)


def test_editors_see_the_answers_so_far(app, client, as_role) -> None:
    with app.app_context():
        make_material("Alimony")
    app.test_client().post("/materials/alimony/useful", data={"useful": "yes"})
    as_role("editor")

    page = client.get("/materials/alimony").get_data(as_text=True)

    assert "Answers so far: 1 yes, 0 no." in page


# Feed and sitemap


def test_the_feed_lists_published_guides_only(app, client) -> None:
    with app.app_context():
        make_material("Tenant rights")
        make_material("Alimony", summary="Who pays.")
        make_material("Unfinished", state="draft")
        make_material("In review", state="review")
        make_material("Archived", state="archived")

    entries = feed_entries(client)

    assert [e.findtext(f"{ATOM}title") for e in entries] == ["Alimony", "Tenant rights"]
    alimony = entries[0]
    assert alimony.findtext(f"{ATOM}summary") == "Who pays."
    assert alimony.find(f"{ATOM}link").get("href") == "http://portal.test/materials/alimony"
    assert alimony.findtext(f"{ATOM}id") == "http://portal.test/materials/alimony"
    assert alimony.findtext(f"{ATOM}author/{ATOM}name") == "Guide Maker"
    assert alimony.find(f"{ATOM}category").get("term") == "family"


def test_the_feed_escapes_markup_in_titles(app, client) -> None:
    with app.app_context():
        make_material("<script>alert(1)</script> & friends", summary="<b>bold</b> claim")

    raw = client.get("/materials/feed.atom").get_data(as_text=True)
    [entry] = parse_xml(raw).findall(f"{ATOM}entry")

    assert "<script>" not in raw and "<b>" not in raw
    assert entry.findtext(f"{ATOM}title") == "<script>alert(1)</script> & friends"
    assert entry.findtext(f"{ATOM}summary") == "<b>bold</b> claim"


def test_an_empty_feed_is_still_valid(client) -> None:
    root = parse_xml(client.get("/materials/feed.atom").data)

    assert root.tag == f"{ATOM}feed"
    assert root.findall(f"{ATOM}entry") == []
    assert root.findtext(f"{ATOM}updated")


def test_the_feed_can_be_narrowed_to_one_language(app, client) -> None:
    with app.app_context():
        make_material("In English", language="en")
        make_material("По-русски", language="ru")

    response = client.get("/materials/feed.atom?language=ru")

    entries = parse_xml(response.data).findall(f"{ATOM}entry")
    assert [e.findtext(f"{ATOM}title") for e in entries] == ["По-русски"]


def test_the_sitemap_lists_public_guides_only(app, client) -> None:
    with app.app_context():
        make_material("Tenant rights")
        make_material("Unfinished", state="draft")
        make_material("In review", state="review")
        make_material("Archived", state="archived")
        make_material("Raid protocol", audience="inspectors")
        make_material("Old tariff", expires_at=utcnow() - timedelta(days=1))

    urls = sitemap_urls(client)

    guides = sorted(u for u in urls if re.fullmatch(r"http://portal\.test/materials/[^/]+", u))
    assert guides == ["http://portal.test/materials/tenant-rights"]
    assert "http://portal.test/materials/" in urls
