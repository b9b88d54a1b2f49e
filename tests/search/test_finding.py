"""Finding things through the search page as people type: inflected words in three languages,
any Uzbek apostrophe, either Uzbek script, half-typed words, misspellings, phrases and
exclusions; results with highlighted, escaped snippets, labels, dates and languages; sorting,
facets and pages; and nothing a person types breaks the page.

The content is made once for the module; every test only reads it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from argon2 import PasswordHasher
from flask import Flask
from flask.testing import FlaskClient

from portal.accounts import passwords
from portal.content.topics import ensure_default_topics
from portal.courses.models import Course
from portal.extensions import db
from portal.materials.models import Material
from portal.webinars.models import Webinar
from tests.conftest import Auth, make_app
from tests.search.helpers import (
    change,
    course,
    guide,
    make_webinar,
    read_page,
    search,
    sync,
    titles,
    user_id,
)


def day(year: int, month: int, day_: int) -> datetime:
    return datetime(year, month, day_, 9, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    app = make_app(tmp_path_factory.mktemp("finding"))
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(passwords, "_hasher",
                      PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))
        with app.app_context():
            db.create_all()
            ensure_default_topics()
            db.session.commit()
        guide(app, "Bolalar huquqlari", "Har bir bolaning oʻz huquqlari bor. Oʻgʻil va qiz "
              "bolalar teng huquqli.", language="uz", topics=["childrens-rights"])
        guide(app, "Ота-оналар мажбуриятлари", "Ота-оналар фарзандлари тарбияси учун масъул. "
              "Маҳалла оилага ёрдам беради.", language="uz", topics=["family"])
        guide(app, "Права ребёнка", "Каждый ребёнок имеет право на защиту от насилия.",
              language="ru", topics=["childrens-rights"])
        guide(app, "Tenants' rights", "A landlord must return the deposit. The deposit is "
              "returned within a month. Renting a flat is protected by law.",
              topics=["family", "legal-aid"])
        guide(app, "Mediation between neighbours", "Mediation helps before going to court.")
        guide(app, "Family mediation", "Mediation in the family, without lawyers.")
        guide(app, "Beware <script>alert(1)</script> tricks",
              "Scammers send <script>alert(1)</script> xylograph messages.",
              summary="<script>alert(2)</script>")
        # Dated content for sorting and facets: all of it says "harbour".
        dated = [
            (Material, guide(app, "Harbour rules", "Rules of the harbour.",
                             topics=["family"]), day(2023, 2, 1)),
            (Material, guide(app, "Old port", "The port next to the harbour.",
                             topics=["family"]), day(2024, 6, 1)),
            (Material, guide(app, "Newest notice", "Новости: harbour открыт.", language="ru",
                             topics=["childrens-rights"]), day(2025, 9, 1)),
        ]
        made = course(app, "Harbour safety", [("Knots", "Harbour knots, tied fast.")],
                      topics=("legal-aid",))
        webinar_id = make_webinar(app, "Harbour evening", topics=("family",))
        for model, item_id, when in dated:
            change(app, model, item_id, published_at=when)
        change(app, Course, made.id, published_at=day(2025, 3, 1))
        change(app, Webinar, webinar_id, starts_at=day(2024, 5, 20))
        for n in range(12):
            guide(app, f"Ledger {n:02d}", f"Page {n} of the ledgerbook.")
        guide(app, "Checkpoint drill", "The zephyrine checkpoint drill.",
              audience="inspectors")
        sync(app)
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def client(corpus: Flask) -> FlaskClient:
    return corpus.test_client()


# Words as people type them ---------------------------------------------------------------------

@pytest.mark.parametrize("q", ["ребёнок", "ребенка", "правами", "защиты", "насилию"])
def test_russian_words_find_their_other_forms(client, q: str) -> None:
    assert titles(client, q) == ["Права ребёнка"]


@pytest.mark.parametrize("q", ["tenant", "landlords", "returning", "rented", "protection",
                               "deposits"])
def test_english_words_find_their_other_forms(client, q: str) -> None:
    assert titles(client, q) == ["Tenants' rights"]


@pytest.mark.parametrize("q", ["bolalarning huquqlarini", "huquqlar", "bolaga"])
def test_uzbek_words_find_their_other_forms(client, q: str) -> None:
    assert titles(client, q) == ["Bolalar huquqlari"]


@pytest.mark.parametrize("q", ["o'g'il", "oʻgʻil", "o‘g‘il", "o`g`il", "o’g’il", "oʼgʼil",
                               "O'G'IL"])
def test_any_uzbek_apostrophe_finds_the_word(client, q: str) -> None:
    assert titles(client, q) == ["Bolalar huquqlari"]


def test_an_uzbek_cyrillic_query_finds_latin_text_and_the_reverse(client) -> None:
    assert titles(client, "болалар ҳуқуқлари") == ["Bolalar huquqlari"]
    assert titles(client, "БОЛАЛАР") == ["Bolalar huquqlari"]
    assert titles(client, "ota-onalar majburiyatlari") == ["Ота-оналар мажбуриятлари"]
    assert titles(client, "mahalla") == ["Ота-оналар мажбуриятлари"]
    assert titles(client, "mahallaga yordam") == ["Ота-оналар мажбуриятлари"]


@pytest.mark.parametrize(("q", "found"), [
    ("huquql", "Bolalar huquqlari"), ("bolal", "Bolalar huquqlari"),
    ("масъу", "Ота-оналар мажбуриятлари"), ("landl", "Tenants' rights"),
    ("ledgerb", None),
])
def test_a_word_typed_half_way_finds(client, q: str, found: str | None) -> None:
    got = titles(client, q)
    if found is None:
        assert len(got) == 10  # every ledger (the first page of them)
    else:
        assert got == [found]


def test_two_letters_are_not_taken_for_the_start_of_every_word(client) -> None:
    assert titles(client, "bo") == []


def test_a_misspelt_query_is_offered_the_right_spelling(client) -> None:
    page = search(client, "tenents")
    assert page.titles == []
    assert "Did you mean:" in page.text
    link = re.search(r'Did you mean: <a href="([^"]+)">([^<]+)</a>', page.text)
    assert link, page.text
    assert link.group(2) == "tenants"
    assert read_page(client.get(link.group(1).replace("&amp;", "&"))).titles == [
        "Tenants' rights"]


def test_a_word_only_inspectors_may_find_is_suggested_only_to_them(corpus, client) -> None:
    assert "Did you mean" not in search(client, "zephyrene").text
    user_id(corpus, "inspector", "drill@example.uz")
    assert Auth(client).login("drill@example.uz").status_code == 302
    page = search(client, "zephyrene")
    assert re.search(r'Did you mean: <a href="[^"]+">zephyrine</a>', page.text), page.text


def test_the_closest_most_frequent_visible_word_is_suggested(client) -> None:
    # "mediatoin": a swap of two letters is one edit; "mediation" is in two guides.
    assert re.search(r'Did you mean: <a href="[^"]+">mediation</a>',
                     search(client, "mediatoin").text)


def test_a_well_spelt_query_is_offered_nothing(client) -> None:
    assert "Did you mean" not in search(client, "ledgerbook").text


def test_a_quoted_phrase_finds_only_that_sequence(client) -> None:
    assert titles(client, '"returned within a month"') == ["Tenants' rights"]
    assert titles(client, '"month within returned"') == []
    assert titles(client, '"deposit" "landlord"') == ["Tenants' rights"]


def test_a_minus_leaves_out_what_has_the_word(client) -> None:
    assert sorted(titles(client, "mediation")) == ["Family mediation",
                                                   "Mediation between neighbours"]
    assert titles(client, "mediation -court") == ["Family mediation"]
    assert titles(client, 'mediation -"going to court"') == ["Family mediation"]
    assert titles(client, "mediation -court -lawyers") == []


# The results ------------------------------------------------------------------------------------

def test_the_words_found_are_highlighted(client) -> None:
    [hit] = search(client, "deposit").hits
    assert '<b class="match">deposit</b>' in hit.snippet
    [hit] = search(client, "болалар").hits  # a Cyrillic query marks the Latin words
    assert re.search(r'<b class="match">[Bb]olalar</b>', hit.snippet), hit.snippet


def test_markup_in_content_comes_out_as_text(client) -> None:
    page = search(client, "xylograph")
    assert page.titles == ["Beware <script>alert(1)</script> tricks"]
    assert "<script" not in page.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt; tricks" in page.text
    assert "&lt;" in page.hits[0].snippet and "<b class=\"match" in page.hits[0].snippet


def test_each_result_shows_its_type_date_and_language(client) -> None:
    [guide_hit] = search(client, "rules harbour").hits
    assert (guide_hit.type, guide_hit.language, guide_hit.date[:10]) == (
        "Guide", "English", "2023-02-01")
    assert ">February 1, 2023<" in search(client, "rules harbour").text
    types = {hit.title: hit.type for hit in search(client, "harbour").hits}
    assert types == {"Harbour rules": "Guide", "Old port": "Guide", "Newest notice": "Guide",
                     "Harbour safety": "Course", "Knots": "Lesson",
                     "Harbour evening": "Webinar"}
    [russian] = search(client, "открыт").hits
    assert russian.language == "Русский"
    assert '<li lang="ru">' in search(client, "открыт").text


def test_sorting_by_date_puts_the_newest_first(client) -> None:
    by_date = search(client, "harbour", sort="date")
    assert by_date.titles[0] == "Newest notice" and by_date.titles[-1] == "Harbour rules"
    assert [hit.date for hit in by_date.hits] == sorted((hit.date for hit in by_date.hits),
                                                        reverse=True)
    by_relevance = search(client, "harbour")
    assert by_relevance.titles.index("Harbour rules") < by_relevance.titles.index("Old port")
    assert "Newest first" in by_date.text and "Most relevant first" in by_relevance.text


def test_facets_count_the_results_and_choosing_one_narrows_them(client) -> None:
    page = search(client, "harbour")

    assert page.total == 6
    assert page.facets["type"] == [("Guide", 3), ("Course", 1), ("Lesson", 1), ("Webinar", 1)]
    assert dict(page.facets["topics"]) == {"Family": 3, "Legal aid": 2, "Children's rights": 1}
    assert page.facets["language"] == [("English", 5), ("Русский", 1)]
    assert dict(page.facets["year"]) == {"2025": 3, "2024": 2, "2023": 1}

    guides = read_page(client.get(page.facet_link("type", "Guide")))
    assert sorted(guides.titles) == ["Harbour rules", "Newest notice", "Old port"]
    assert guides.facets["type"] == [("Guide", 3)]
    assert dict(guides.facets["language"]) == {"English": 2, "Русский": 1}
    assert dict(guides.facets["year"]) == {"2025": 1, "2024": 1, "2023": 1}

    english_2024 = read_page(client.get(guides.facet_link("year", "2024")))
    assert english_2024.titles == ["Old port"]
    lessons = read_page(client.get(page.facet_link("topics", "Legal aid")))
    assert sorted(lessons.titles) == ["Harbour safety", "Knots"]
    anything = read_page(client.get(english_2024.facet_link("year", "Any")))
    assert sorted(anything.titles) == ["Harbour rules", "Newest notice", "Old port"]


def test_results_come_in_pages(client) -> None:
    first = search(client, "ledgerbook")
    second = search(client, "ledgerbook", page=2)
    beyond = search(client, "ledgerbook", page=3)

    assert first.total == second.total == 12
    assert len(first.hits) == 10 and len(second.hits) == 2
    assert set(first.titles) | set(second.titles) == {f"Ledger {n:02d}" for n in range(12)}
    assert 'rel="next" href="/search?q=ledgerbook&amp;page=2"' in first.text
    assert 'rel="prev"' in second.text and 'rel="next"' not in second.text
    assert beyond.status == 200 and beyond.hits == []
    assert '<ol class="results" start="11">' in second.text


# Whatever is typed ---------------------------------------------------------------------------

@pytest.mark.parametrize("q", [
    "", " ", "-", "+", "AND", "OR", "NOT", '"', '""', "*", "?", "\x00", "-\x00", "()", "~",
    "a" * 10_000, "deposit " * 2000, "&amp;", "%", "\\", "title:deposit", "field:*",
    '"unbalanced', 'deposit"', "-deposit", "ё" * 300, "\u202e\u200b", "𝔡𝔢𝔭𝔬𝔰𝔦𝔱",
])
def test_nothing_typed_breaks_the_page(client, q: str) -> None:
    response = client.get("/search", query_string={"q": q})
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "<h1>Search</h1>" in page
    assert "<script" not in page


@pytest.mark.parametrize(("q", "message"), [
    ("", "Type a word or two above"),
    ("-", "There is nothing to search for"),
    ("AND", "There is nothing to search for"),
    ('"', "There is nothing to search for"),
    ("*", "There is nothing to search for"),
    ("?", "There is nothing to search for"),
    ("\x00", "There is nothing to search for"),
    ("zzzqqqxxx", "Nothing found. Try fewer or other words"),
])
def test_a_query_with_nothing_to_find_gets_a_friendly_word(client, q: str, message: str) -> None:
    assert message in client.get("/search", query_string={"q": q}).get_data(as_text=True)


def test_odd_input_still_finds_what_it_can(client) -> None:
    assert titles(client, 'deposit"') == ["Tenants' rights"]
    assert titles(client, '"deposit') == ["Tenants' rights"]
    assert titles(client, "deposit\x00") == ["Tenants' rights"]
    assert titles(client, "+deposit AND landlord") == ["Tenants' rights"]
    assert titles(client, "(deposit)") == ["Tenants' rights"]
    assert titles(client, "deposit " * 2000) == ["Tenants' rights"]


@pytest.mark.parametrize("args", [
    {"page": "0"}, {"page": "-1"}, {"page": "x"}, {"page": "99999999999"},
    {"sort": "nonsense"}, {"type": "nothing"}, {"topic": "x" * 500}, {"year": "abc"},
    {"language": "\x00"},
])
def test_odd_arguments_are_taken_as_nothing_special(client, args: dict[str, str]) -> None:
    response = client.get("/search", query_string={"q": "deposit", **args})
    assert response.status_code == 200
