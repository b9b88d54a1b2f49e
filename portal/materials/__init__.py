"""Legal-literacy guides."""

from __future__ import annotations

from flask import url_for

from portal.content import attachments, registry
from portal.extensions import db
from portal.materials.models import Material
from portal.materials.views import bp

__all__ = ["bp"]


def _may_download(item_id: int, user: object) -> bool:
    from portal.materials.services import can_view

    material = db.session.get(Material, item_id)
    return material is not None and can_view(material, user)


def _sitemap_urls() -> list[str]:
    from portal.materials.services import public_urls

    return [url_for("materials.detail", slug=slug, _external=True) for slug, _ in public_urls()] \
        + [url_for("materials.index", _external=True)]


attachments.register_owner("material", _may_download)
registry.sitemap_sources.append(_sitemap_urls)


def _guides_for_topic(topic_slug: str, language: str, limit: int) -> list[registry.GuideLink]:
    """Live guides of a topic the current user may read, for the consultation intake."""
    from flask_login import current_user

    from portal.materials.services import listing

    query = listing(current_user, topic=topic_slug, prefer_language=language).limit(limit)
    return [registry.GuideLink(title=m.title, summary=m.summary, language=m.language,
                               url=url_for("materials.detail", slug=m.slug))
            for m in db.session.scalars(query)]


registry.guide_sources.append(_guides_for_topic)

# Registers the content type's documents with the search index.
from portal.materials import searching  # noqa: E402, F401
