"""Webinars in the search index: upcoming and past ones, with their materials."""

from __future__ import annotations

from portal.content.attachments import Attachment
from portal.extensions import db
from portal.search.extract import files_text, path_for, plain
from portal.search.sources import Document, Source, files_of, live_ids_of, register
from portal.webinars.models import Webinar, WebinarAudience


def documents(webinar_id: int) -> list[Document]:
    webinar = db.session.get(Webinar, webinar_id)
    if webinar is None or not webinar.is_live:
        return []
    return [Document(
        key=f"webinar:{webinar.id}", owner=f"webinar:{webinar.id}", type="webinar",
        title=webinar.title, language=webinar.language,
        body="\n".join([webinar.summary, plain(webinar.description), webinar.speakers,
                        files_text("webinar", webinar.id)]),
        url=path_for("webinars.detail", webinar_id=webinar.id), date=webinar.starts_at,
        summary=webinar.summary, topics=[t.slug for t in webinar.topics],
        expires=webinar.expires_at,
        audience="inspectors" if webinar.audience == WebinarAudience.inspectors else "public")]



register(Source("webinar", documents, live_ids_of(Webinar), watches={
    Webinar: lambda webinar: [webinar.id],
    Attachment: files_of("webinar"),
}))
