"""What admins configure (topics, extra fields, the consent text), the defaults, and the
permissions of each role."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from portal.accounts.permissions import ALL_PERMISSIONS, Role, permissions_for
from portal.consultations import configuration as config
from portal.consultations.models import ConsentText, ConsultationTopic, FieldKind
from portal.extensions import db
from tests.consultations.helpers import get, send


def test_the_default_topics_and_consent_are_there_once(app, runner) -> None:
    result = runner.invoke(args=["consultations", "defaults"])

    assert result.exit_code == 0 and "0 rows added" in result.output
    with app.app_context():
        assert [t.slug for t in config.active_topics()] == [
            "family", "domestic-conflict", "juvenile", "housing", "labour", "personal-data",
            "other"]
        family = config.topic_by_slug("family")
        assert family is not None and family.guide_topic is not None
        assert family.guide_topic.slug == "family"
        assert config.current_consent_version() == 1
        assert db.session.scalar(select(func.count()).select_from(ConsentText)) == 3


def test_topic_names_follow_the_language(app) -> None:
    from flask_babel import force_locale

    with app.test_request_context(), force_locale("ru"):
        topic = config.topic_by_slug("housing")
        assert topic is not None and topic.name == "Жильё"


def test_an_inactive_topic_is_not_offered_but_keeps_its_requests(app) -> None:
    sent = send(app, "labour")
    with app.app_context():
        topic = config.topic_by_slug("labour")
        assert topic is not None
        config.save_topic(config.TopicInput(
            slug="labour", name_uz=topic.name_uz, name_ru=topic.name_ru, name_en="Work",
            response_days=7, guide_topic="legal-aid", active=False), None, topic)
        db.session.commit()

        assert "labour" not in [t.slug for t in config.active_topics()]
        assert config.topic_by_slug("labour") is None
        assert get(sent.id).topic.name_en == "Work"


@pytest.mark.parametrize(("slug", "days"), [("Bad Slug", 5), ("family", 5), ("fine", 0),
                                            ("fine", 61)])
def test_bad_topics_are_refused(app, slug, days) -> None:
    with app.app_context(), pytest.raises(config.ConfigurationError):
        config.save_topic(config.TopicInput(slug=slug, name_uz="a", name_ru="b", name_en="c",
                                            response_days=days), None)


def test_extra_fields_are_checked_and_cleaned(app) -> None:
    with app.app_context():
        topic = config.topic_by_slug("family")
        assert topic is not None
        config.save_field(topic, config.FieldInput(
            name="children", label_uz="Bolalar soni", label_ru="Число детей",
            label_en="Number of children", kind=FieldKind.number.value, required=True), None)
        config.save_field(topic, config.FieldInput(
            name="married", label_uz="Nikoh", label_ru="Брак", label_en="Marriage",
            kind="choice", choices=["registered", "religious only", " "]), None)
        config.save_field(topic, config.FieldInput(
            name="since", label_uz="Qachondan", label_ru="С какого числа", label_en="Since",
            kind="date", position=5), None)
        db.session.commit()
        topic = config.topic_by_slug("family")
        assert topic is not None
        assert [f.name for f in topic.fields] == ["children", "married", "since"]
        assert topic.fields[1].choices == ["registered", "religious only"]

        answers, errors = config.clean_extra_answers(topic, {
            "children": "2", "married": "religious only", "since": "2025-03-01",
            "unknown": "dropped"})
        assert answers == {"children": "2", "married": "religious only", "since": "2025-03-01"}
        assert errors == {}

        answers, errors = config.clean_extra_answers(topic, {
            "married": "maybe", "since": "March"})
        assert set(errors) == {"children", "married", "since"}


def test_a_field_name_is_unique_per_topic(app) -> None:
    with app.app_context():
        topic = config.topic_by_slug("family")
        assert topic is not None
        data = config.FieldInput(name="children", label_uz="a", label_ru="b", label_en="c")
        config.save_field(topic, data, None)
        with pytest.raises(config.ConfigurationError):
            config.save_field(topic, data, None)
        with pytest.raises(config.ConfigurationError):
            config.save_field(topic, config.FieldInput(
                name="x", label_uz="a", label_ru="b", label_en="c", kind="choice"), None)


def test_a_new_consent_version_leaves_earlier_requests_with_theirs(app) -> None:
    sent = send(app)
    with app.app_context():
        version = config.new_consent_version(
            {"uz": "Yangi matn", "ru": "Новый текст", "en": "New text"}, None)
        db.session.commit()

        assert version == 2 and config.current_consent_version() == 2
        current = config.current_consent("ru")
        assert current is not None and current.text == "Новый текст"
        assert get(sent.id).consent_version == 1
        first = config.consent_text(1, "en")
        assert first is not None and first.text.startswith("I agree")
        with pytest.raises(config.ConfigurationError):
            config.new_consent_version({"uz": "faqat", "ru": "", "en": "only"}, None)


def test_the_roles_hold_the_consultation_permissions() -> None:
    assert "consultation.answer" in permissions_for({Role.consultant.value})
    assert "consultation.supervise" not in permissions_for({Role.consultant.value})
    assert permissions_for({Role.admin.value}) >= {
        "consultation.answer", "consultation.supervise", "consultation.configure"}
    editor = permissions_for({Role.editor.value})
    assert not {p for p in editor if p.startswith("consult")}
    # Publishing answered requests as questions and answers is not built: no permission
    # pretends it is.
    assert not {p for p in ALL_PERMISSIONS if p.startswith("consultation.publish")}
    assert not {p for p in permissions_for({Role.citizen.value}) if p.startswith("consult")}
    assert ConsultationTopic.__tablename__ == "consultation_topics"
