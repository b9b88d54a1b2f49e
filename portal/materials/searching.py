"""Guides in the search index."""

from __future__ import annotations

from portal.content.attachments import Attachment
from portal.extensions import db
from portal.materials.models import Audience, Material
from portal.search.extract import files_text, path_for, plain
from portal.search.sources import Document, Source, files_of, live_ids_of, register


def documents(material_id: int) -> list[Document]:
    material = db.session.get(Material, material_id)
    if material is None or not material.is_live:
        return []
    return [Document(
        key=f"material:{material.id}", owner=f"material:{material.id}", type="material",
        title=material.title, language=material.language,
        body="\n".join([material.summary, plain(material.body), material.legal_references,
                        files_text("material", material.id)]),
        url=path_for("materials.detail", slug=material.slug),
        date=material.published_at or material.created_at, summary=material.summary,
        topics=[t.slug for t in material.topics], expires=material.expires_at,
        audience="inspectors" if material.audience == Audience.inspectors else "public")]



register(Source("material", documents, live_ids_of(Material), watches={
    Material: lambda material: [material.id],
    Attachment: files_of("material"),
}))
