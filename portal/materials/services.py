"""Reading and writing guides. Writes take plain arguments and an actor, flush, never commit."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Select, and_, case, select, update

from portal.content import revisions
from portal.content.slugs import unique_slug
from portal.content.topics import Topic
from portal.content.translations import one_per_group
from portal.content.workflow import State
from portal.extensions import db
from portal.materials.models import Audience, Material

#: Path segments under /materials/ that are pages of their own, never a guide's slug.
RESERVED_SLUGS = frozenset({"new", "manage", "feed-atom"})


@dataclass
class MaterialInput:
    """What a guide's form carries, as plain values."""

    title: str
    summary: str
    body: str
    topics: list[str]
    audience: str
    language: str
    legal_references: str = ""
    reviewed_on: date | None = None
    expires_at: datetime | None = None


def _apply(material: Material, data: MaterialInput) -> None:
    material.title = data.title.strip()
    material.summary = data.summary.strip()
    material.body = data.body.replace("\r\n", "\n").strip() + "\n"
    material.audience = Audience(data.audience)
    material.language = data.language
    material.legal_references = "\n".join(
        line.strip() for line in data.legal_references.splitlines() if line.strip())
    material.reviewed_on = data.reviewed_on
    material.expires_at = data.expires_at
    material.topics = list(db.session.scalars(select(Topic).where(Topic.slug.in_(data.topics))))


def create_material(data: MaterialInput, actor_id: int | None, *, form_key: str | None = None,
                    translation_group: str | None = None) -> Material:
    """Create a draft guide and its first revision."""
    material = Material(slug=unique_slug(Material, data.title, reserved=RESERVED_SLUGS),
                        author_id=actor_id,
                        state=State.draft, form_key=form_key,
                        translation_group=translation_group or str(uuid.uuid4()))
    _apply(material, data)
    revisions.record_created(material, actor_id)
    return material


def update_material(material: Material, data: MaterialInput, actor_id: int | None,
                    comment: str = "") -> revisions.Revision | None:
    """Save new text; a save that changes nothing keeps no revision."""
    before = material.revision_snapshot()
    _apply(material, data)
    return revisions.record_edit(material, before, actor_id, comment)


def may_see_restricted(user: Any) -> bool:
    return bool(user.is_authenticated and user.can("material.view_restricted"))


def may_manage(material: Material | None, user: Any) -> bool:
    """Staff who see guides in every state: editors, publishers and a draft's own author."""
    if not user.is_authenticated:
        return False
    if user.can("material.edit") or user.can("material.publish"):
        return True
    # Its author, while they still write guides (a demoted author loses the drafts too).
    return (material is not None and material.author_id == user.id
            and user.can("material.create"))


def can_view(material: Material, user: Any) -> bool:
    if may_manage(material, user):
        return True
    if not material.is_live:
        return False
    return material.audience != Audience.inspectors or may_see_restricted(user)


def visible_clause(user: Any) -> Any:
    """SQL condition: live guides this user may read in listings."""
    clause = Material.live_clause()
    if not may_see_restricted(user):
        clause = and_(clause, Material.audience != Audience.inspectors)
    return clause


def listing(user: Any, *, topic: str | None = None, language: str | None = None,
            audience: str | None = None, prefer_language: str | None = None
            ) -> Select[Material]:
    """Live guides the user may read, newest first.

    With *prefer_language* a guide translated into several languages is listed once, in that
    language when it has it, and guides in that language come first.
    """
    conditions = [visible_clause(user)]
    if topic:
        conditions.append(Material.topics.any(Topic.slug == topic))
    if language:
        conditions.append(Material.language == language)
    if audience in {a.value for a in Audience}:
        # "For citizens" includes what is written for everyone; so does "for inspectors".
        conditions.append(Material.audience.in_({audience, Audience.everyone.value}))
    order: list[Any] = [Material.published_at.desc(), Material.id.desc()]
    if not prefer_language:
        return select(Material).where(*conditions).order_by(*order)
    preferred = case((Material.language == prefer_language, 0), else_=1)
    chosen = one_per_group(Material, conditions, prefer_language)
    return select(Material).where(Material.id.in_(chosen)).order_by(preferred, *order)


def manage_listing(state: str | None = None, q: str = "") -> Select[Material]:
    query = select(Material)
    if state in {s.value for s in State}:
        query = query.where(Material.state == state)
    if q:
        query = query.where(Material.title.ilike(f"%{q}%"))
    return query.order_by(Material.updated_at.desc(), Material.id.desc())


def latest_for(limit: int = 6, user: Any = None, prefer_language: str | None = None
               ) -> list[Material]:
    from flask_login import current_user

    query = listing(user or current_user, prefer_language=prefer_language)
    return list(db.session.scalars(query.limit(limit)))


def translations(material: Material, user: Any) -> list[Material]:
    """The other language versions of *material* that *user* may read."""
    others = db.session.scalars(select(Material).where(
        Material.translation_group == material.translation_group, Material.id != material.id
    ).order_by(Material.language))
    return [m for m in others if can_view(m, user)]


def related(material: Material, user: Any, limit: int = 4) -> list[Material]:
    """Live guides sharing a topic, in the same language, other translations excluded."""
    topic_ids = [t.id for t in material.topics]
    if not topic_ids:
        return []
    query = select(Material).where(
        visible_clause(user), Material.id != material.id,
        Material.translation_group != material.translation_group,
        Material.language == material.language,
        Material.topics.any(Topic.id.in_(topic_ids)),
    ).order_by(Material.published_at.desc()).limit(limit)
    return list(db.session.scalars(query))


def translation_in(material: Material, language: str) -> Material | None:
    """The guide's other version in *language*, whatever its state."""
    return db.session.scalar(select(Material).where(
        Material.translation_group == material.translation_group,
        Material.language == language, Material.id != (material.id or 0)))


def by_slug(slug: str) -> Material | None:
    return db.session.scalar(select(Material).where(Material.slug == slug))


def record_vote(material: Material, useful: bool) -> None:
    """Count one answer to "was this page useful?" in one atomic UPDATE."""
    column = Material.useful_yes if useful else Material.useful_no
    # updated_at kept as it is: a reader's answer is not a change of the guide.
    db.session.execute(update(Material).where(Material.id == material.id).values(
        {column: column + 1, Material.updated_at: Material.updated_at}
    ).execution_options(synchronize_session=False))


def public_urls() -> list[tuple[str, datetime]]:
    """Slugs and change times of guides that anonymous visitors may read (for the sitemap)."""
    rows = db.session.execute(select(Material.slug, Material.updated_at).where(
        Material.live_clause(), Material.audience != Audience.inspectors))
    return [(slug, updated) for slug, updated in rows]
