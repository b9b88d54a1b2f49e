"""Done means: with the demo content loaded and the index rebuilt, a new user looking for
children's rights, in Uzbek (either script) or Russian, finds the guides, the course lessons
and the webinar about them, narrows to one type, never sees a draft, and the index matches the
database. The demo is loaded once for the module."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from portal.content.topics import Topic, ensure_default_topics
from portal.courses.models import Course, Lesson, Module
from portal.extensions import db
from portal.materials.models import Material
from portal.webinars.models import Webinar
from tests.conftest import Auth, make_app, make_material
from tests.search.helpers import Page, read_page, search, user_id

DRAFT = "Bolalar huquqlari: yangi qoʻllanma qoralamasi"


@pytest.fixture(scope="module")
def demo_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    app = make_app(tmp_path_factory.mktemp("demo-search"))
    with app.app_context():
        db.create_all()
        ensure_default_topics()
        db.session.commit()
    runner = app.test_cli_runner()
    loaded = runner.invoke(args=["demo", "load"])
    assert loaded.exit_code == 0, loaded.output
    with app.app_context():
        make_material(DRAFT, state="draft", language="uz", topics=["childrens-rights"],
                      body="Bolalar huquqlari haqida hali yozilmagan qoʻllanma.")
    app.extensions["demo_reindex"] = runner.invoke(args=["search", "reindex"])
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def urls_of(app: Flask, model: type, *conditions: object) -> set[str]:
    """The pages of the published items of *model* on children's rights (and *conditions*)."""
    with app.app_context():
        found = db.session.scalars(select(model).where(
            model.live_clause(), model.topics.any(Topic.slug == "childrens-rights"),
            *conditions))
        if model is Material:
            return {f"/materials/{m.slug}" for m in found}
        return {f"/webinars/{w.id}" for w in found}


def lesson_urls(app: Flask, course_title_start: str) -> set[str]:
    with app.app_context():
        course = db.session.scalar(select(Course).where(
            Course.title.startswith(course_title_start), Course.live_clause()))
        assert course is not None
        lessons = db.session.scalars(select(Lesson).join(Module).where(
            Module.course_id == course.id))
        return {f"/courses/{course.slug}/lessons/{lesson.id}" for lesson in lessons}


@pytest.fixture
def new_inspector(demo_app: Flask) -> FlaskClient:
    """A new user of the training portal: an inspector who has just got an account."""
    client = demo_app.test_client()
    user_id(demo_app, "inspector", "new-inspector@example.uz", "Yangi Inspektor")
    assert Auth(client).login("new-inspector@example.uz").status_code == 302
    return client


def test_the_index_is_rebuilt_from_the_demo_and_matches_it(demo_app: Flask) -> None:
    reindexed = demo_app.extensions["demo_reindex"]
    assert reindexed.exit_code == 0, reindexed.output
    assert "Indexing" in reindexed.stderr
    counted = re.fullmatch(r"(\d+) documents indexed from (\d+) items\n", reindexed.stdout)
    assert counted, reindexed.stdout
    # Every guide, course, webinar, record and partner, and the courses' lessons besides.
    assert int(counted.group(1)) > int(counted.group(2)) > 100

    verified = demo_app.test_cli_runner().invoke(args=["search", "verify"])
    assert verified.exit_code == 0
    assert verified.output == "The index matches the database.\n"


@pytest.mark.parametrize("q", ["bolalar huquqlari", "болалар ҳуқуқлари",
                               "bolalarning huquqlari", "Bola huquqlari"])
def test_a_new_inspector_finds_guides_lessons_and_the_webinar_in_uzbek(
        demo_app: Flask, new_inspector: FlaskClient, q: str) -> None:
    page = search(new_inspector, q)

    found = set(page.urls)
    guides = urls_of(demo_app, Material, Material.language == "uz",
                     Material.title.startswith("Bola huquqlari"))
    assert guides and guides <= found
    assert page.hits[0].title == "Bola huquqlari: qonun nimani kafolatlaydi"
    lessons = {hit.url for hit in page.hits if hit.type == "Lesson"}
    assert lessons and lessons <= lesson_urls(demo_app, "Bola tarbiyasida mahalla")
    assert any("Bola huquqlarining kafolatlari" in hit.title for hit in page.hits)
    webinars = urls_of(demo_app, Webinar, Webinar.language == "uz",
                       Webinar.title.startswith("Bola huquqlari"))
    assert webinars and webinars <= found
    assert DRAFT not in page.text


def test_the_russian_query_finds_the_russian_guide_and_webinar(
        demo_app: Flask, new_inspector: FlaskClient) -> None:
    page = search(new_inspector, "права ребёнка")

    assert page.hits[0].title in {"Права ребенка: что гарантирует закон",
                                  "Права ребёнка в семье и школе: вопросы родителей"}
    assert {"Права ребенка: что гарантирует закон",
            "Права ребёнка в семье и школе: вопросы родителей"} <= set(page.titles)
    assert {hit.language for hit in page.hits} == {"Русский"}
    assert search(new_inspector, "права ребенка").titles == page.titles


def test_narrowing_to_courses_with_the_type_facet(demo_app: Flask,
                                                  new_inspector: FlaskClient) -> None:
    page = search(new_inspector, "bolalar huquqlari")
    types = dict(page.facets["type"])
    assert types["Guide"] >= 1 and types["Lesson"] >= 1 and types["Webinar"] >= 1

    lessons: Page = read_page(new_inspector.get(page.facet_link("type", "Lesson")))
    assert lessons.total == types["Lesson"]
    assert {hit.type for hit in lessons.hits} == {"Lesson"}
    assert lessons.facets["type"] == [("Lesson", types["Lesson"])]
    courses = read_page(new_inspector.get(page.facet_link("type", "Course")))
    assert courses.titles == ["Bola tarbiyasida mahalla va oila bilan hamkorlik"]


def test_a_visitor_without_an_account_finds_the_public_part(demo_app: Flask) -> None:
    page = search(demo_app.test_client(), "bolalar huquqlari")

    assert "Bola huquqlari: qonun nimani kafolatlaydi" in page.titles
    assert any(hit.type == "Webinar" for hit in page.hits)
    assert not any(hit.type in ("Lesson", "Course") for hit in page.hits)  # for inspectors
    assert DRAFT not in page.text


def test_drafts_are_never_found(demo_app: Flask, new_inspector: FlaskClient) -> None:
    for q in ("qoralamasi", "yozilmagan", "bolalar huquqlari yangi"):
        assert DRAFT not in search(new_inspector, q).text, q
    assert DRAFT not in new_inspector.get("/archive/").get_data(as_text=True)
