"""What admins configure: the topics, their extra fields, the consent text; and the defaults
every portal starts with (:func:`ensure_defaults`, idempotent, like the content topics)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from portal.consultations.models import (
    LANGUAGES,
    ConsentText,
    ConsultationTopic,
    ExtraField,
    FieldKind,
)
from portal.content import audit
from portal.content.topics import Topic, ensure_default_topics
from portal.extensions import db


class ConfigurationError(ValueError):
    """A configuration change that is refused; the message is meant for the admin."""


#: slug, Uzbek, Russian, English, content topic of the suggested guides, working days.
DEFAULT_TOPICS = (
    ("family", "Oila va bola tarbiyasi", "Семья и воспитание детей",
     "Family and children's upbringing", "family", 5),
    ("domestic-conflict", "Oilaviy nizolar", "Семейные конфликты", "Domestic conflict",
     "crime-prevention", 3),
    ("juvenile", "Voyaga yetmaganlar masalalari", "Дела несовершеннолетних", "Juvenile matters",
     "childrens-rights", 3),
    ("housing", "Uy-joy", "Жильё", "Housing", "legal-aid", 10),
    ("labour", "Mehnat munosabatlari", "Трудовые отношения", "Labour", "legal-aid", 10),
    ("personal-data", "Shaxsga doir maʼlumotlar", "Персональные данные", "Personal data",
     "personal-data", 10),
    ("other", "Boshqa", "Другое", "Other", "legal-aid", 10),
)

#: Version 1 of the consent to the processing of personal data.
DEFAULT_CONSENT = {
    "uz": ("Men Huquq portaliga ushbu murojaatda ko'rsatgan shaxsga doir maʼlumotlarimni "
           "(ism, telefon, elektron pochta, manzil, savol matni va ilova) faqat yuridik "
           "maslahat berish maqsadida qayta ishlashga roziman. Maʼlumotlar maslahatchilarga "
           "ko'rsatiladi, uchinchi shaxslarga berilmaydi va murojaat yopilganidan keyin "
           "belgilangan muddat o'tgach anonimlashtiriladi. Roziligimni kuzatuv sahifasida "
           "istalgan vaqtda qaytarib olishim mumkin: shunda murojaat darhol "
           "anonimlashtiriladi."),
    "ru": ("Я соглашаюсь на обработку порталом Huquq персональных данных, указанных в этом "
           "обращении (имя, телефон, электронная почта, адрес, текст вопроса и вложение), "
           "исключительно для оказания юридической консультации. Данные видят только "
           "консультанты, они не передаются третьим лицам и обезличиваются по истечении "
           "установленного срока после закрытия обращения. Я могу отозвать согласие в любое "
           "время на странице отслеживания: обращение тогда сразу обезличивается."),
    "en": ("I agree that the Huquq portal processes the personal data given in this request "
           "(name, phone, email, address, the question and the attachment) only to give me "
           "legal advice. Only consultants see it; it is not passed to third parties, and it "
           "is anonymised a set time after the request is closed. I can withdraw this consent "
           "at any time on the tracking page, which anonymises the request at once."),
}


def ensure_defaults() -> int:
    """Add the default consultation topics and consent version 1 where missing; returns how
    many rows were added. The content topics they point to are ensured first."""
    ensure_default_topics()
    db.session.flush()
    content_topics = {t.slug: t for t in db.session.scalars(select(Topic))}
    existing = set(db.session.scalars(select(ConsultationTopic.slug)))
    added = 0
    for position, (slug, uz, ru, en, guides, days) in enumerate(DEFAULT_TOPICS):
        if slug in existing:
            continue
        db.session.add(ConsultationTopic(
            slug=slug, name_uz=uz, name_ru=ru, name_en=en, guide_topic=content_topics.get(guides),
            response_days=days, active=True, position=position))
        added += 1
    if db.session.scalar(select(func.count()).select_from(ConsentText)) == 0:
        for language, text in DEFAULT_CONSENT.items():
            db.session.add(ConsentText(version=1, language=language, text=text))
            added += 1
    db.session.flush()
    return added


# Topics ---------------------------------------------------------------------------------------

def active_topics() -> list[ConsultationTopic]:
    """The topics offered to citizens, in order."""
    return list(db.session.scalars(select(ConsultationTopic).where(
        ConsultationTopic.active.is_(True)).order_by(ConsultationTopic.position,
                                                       ConsultationTopic.id)))


def all_topics() -> list[ConsultationTopic]:
    return list(db.session.scalars(select(ConsultationTopic).order_by(
        ConsultationTopic.position, ConsultationTopic.id)))


def topic_by_slug(slug: str, *, active_only: bool = True) -> ConsultationTopic | None:
    query = select(ConsultationTopic).where(ConsultationTopic.slug == slug)
    if active_only:
        query = query.where(ConsultationTopic.active.is_(True))
    return db.session.scalar(query)


@dataclass
class TopicInput:
    slug: str
    name_uz: str
    name_ru: str
    name_en: str
    response_days: int = 5
    #: The content topic (its slug) whose guides are suggested; "" for none.
    guide_topic: str = ""
    active: bool = True
    position: int = 0


def save_topic(data: TopicInput, actor_id: int | None,
               topic: ConsultationTopic | None = None) -> ConsultationTopic:
    """Create a topic, or change *topic*; audited."""
    slug = data.slug.strip().lower()
    if not re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", slug) or len(slug) > 40:
        raise ConfigurationError(_l("Use lower-case letters, digits and hyphens."))
    clash = db.session.scalar(select(ConsultationTopic.id).where(ConsultationTopic.slug == slug))
    if clash is not None and (topic is None or clash != topic.id):
        raise ConfigurationError(_l("Another topic has this short name."))
    if not 1 <= data.response_days <= 60:
        raise ConfigurationError(_l("The response time is 1 to 60 working days."))
    created = topic is None
    if topic is None:
        topic = ConsultationTopic()
        db.session.add(topic)
    topic.slug = slug
    topic.name_uz, topic.name_ru, topic.name_en = (
        data.name_uz.strip(), data.name_ru.strip(), data.name_en.strip())
    topic.response_days = data.response_days
    topic.active = data.active
    topic.position = data.position
    topic.guide_topic = (db.session.scalar(select(Topic).where(Topic.slug == data.guide_topic))
                         if data.guide_topic else None)
    db.session.flush()
    audit.log("consultation_topic.create" if created else "consultation_topic.edit",
              "consultation_topic", topic.id, actor_id, label=topic.name_en)
    return topic


# Extra fields ---------------------------------------------------------------------------------

@dataclass
class FieldInput:
    name: str
    label_uz: str
    label_ru: str
    label_en: str
    kind: str = FieldKind.text.value
    required: bool = False
    choices: list[str] = field(default_factory=list)
    position: int = 0


def save_field(topic: ConsultationTopic, data: FieldInput, actor_id: int | None,
               extra: ExtraField | None = None) -> ExtraField:
    """Add a field to *topic*, or change *extra*; audited."""
    name = data.name.strip().lower()
    if not re.fullmatch(r"[a-z][a-z0-9_]{0,39}", name):
        raise ConfigurationError(_l("Use lower-case letters, digits and underscores."))
    if any(f.name == name and f is not extra for f in topic.fields):
        raise ConfigurationError(_l("This topic has a field of this name already."))
    kind = FieldKind(data.kind)
    choices = [c.strip() for c in data.choices if c.strip()]
    if kind == FieldKind.choice and not choices:
        raise ConfigurationError(_l("A choice needs at least one option."))
    created = extra is None
    if extra is None:
        extra = ExtraField()
        topic.fields.append(extra)
    extra.name = name
    extra.label_uz, extra.label_ru, extra.label_en = (
        data.label_uz.strip(), data.label_ru.strip(), data.label_en.strip())
    extra.kind = kind
    extra.required = data.required
    extra.choices = choices if kind == FieldKind.choice else []
    extra.position = data.position
    db.session.flush()
    audit.log("consultation_field.create" if created else "consultation_field.edit",
              "consultation_topic", topic.id, actor_id, label=extra.label_en, detail=name)
    return extra


def delete_field(extra: ExtraField, actor_id: int | None) -> None:
    """Remove a field; answers already given stay in their requests."""
    audit.log("consultation_field.delete", "consultation_topic", extra.topic_id, actor_id,
              label=extra.label_en, detail=extra.name)
    topic = extra.topic
    topic.fields.remove(extra)
    db.session.flush()


def clean_extra_answers(topic: ConsultationTopic, raw: Mapping[str, Any]
                        ) -> tuple[dict[str, Any], dict[str, Any]]:
    """The topic's extra fields read from *raw* (the form's values by field name): the answers
    to store, and the error message (a lazy string) of each field that is wrong. Unknown keys
    are dropped."""
    answers: dict[str, Any] = {}
    errors: dict[str, Any] = {}
    for extra in topic.fields:
        value = str(raw.get(extra.name) or "").strip()
        if not value:
            if extra.required:
                errors[extra.name] = _l("This field is required.")
            continue
        if len(value) > 500:
            errors[extra.name] = _l("At most 500 characters.")
        elif extra.kind == FieldKind.choice and value not in extra.choices:
            errors[extra.name] = _l("Choose one of the options.")
        elif extra.kind == FieldKind.date:
            try:
                answers[extra.name] = date.fromisoformat(value).isoformat()
            except ValueError:
                errors[extra.name] = _l("Give a date as YYYY-MM-DD.")
        elif extra.kind == FieldKind.number:
            try:
                number = Decimal(value.replace(",", "."))
            except InvalidOperation:
                errors[extra.name] = _l("Give a number.")
            else:
                if not number.is_finite():
                    errors[extra.name] = _l("Give a number.")
                else:
                    answers[extra.name] = str(number)
        else:
            answers[extra.name] = value
    return answers, errors


# The consent text -----------------------------------------------------------------------------

def current_consent_version() -> int:
    return int(db.session.scalar(select(func.max(ConsentText.version))) or 0)


def current_consent(language: str) -> ConsentText | None:
    """The current consent text in *language* (or in another language when it lacks one)."""
    version = current_consent_version()
    texts = {t.language: t for t in db.session.scalars(
        select(ConsentText).where(ConsentText.version == version))}
    return texts.get(language) or next((texts[lang] for lang in LANGUAGES if lang in texts),
                                       None)


def consent_text(version: int, language: str) -> ConsentText | None:
    """The words of an earlier version (what a given citizen agreed to)."""
    return db.session.scalar(select(ConsentText).where(
        ConsentText.version == version, ConsentText.language == language))


def new_consent_version(texts: Mapping[str, str], actor_id: int | None) -> int:
    """Publish a new version of the consent text, one text per language; returns its number.
    Requests keep the version their citizen accepted."""
    cleaned = {lang: (texts.get(lang) or "").strip() for lang in LANGUAGES}
    if not all(cleaned.values()):
        raise ConfigurationError(_l("Give the consent text in every language."))
    version = current_consent_version() + 1
    for language, text in cleaned.items():
        db.session.add(ConsentText(version=version, language=language, text=text,
                                   created_by_id=actor_id))
    db.session.flush()
    audit.log("consultation_consent.publish", "consultation_consent", version, actor_id,
              label=f"version {version}")
    return version
