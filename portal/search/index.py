"""The Whoosh index: its schema, opening it, and writing documents under its lock.

Text goes into one field per language (``title_uz``, ``body_ru``, ...), each analysed the way
that language needs (stemming, Uzbek apostrophes and script); a document fills the fields of
its own language. ``words`` holds every word unstemmed, for partial words and "did you mean".
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from flask import current_app
from whoosh import index as whoosh_index
from whoosh.fields import DATETIME, ID, KEYWORD, STORED, TEXT, Schema
from whoosh.filedb.filestore import FileStorage
from whoosh.writing import IndexWriter

from portal.search.sources import Document
from portal.search.text import (
    LANGUAGES,
    indexing_analyzer,
    normalise_apostrophes,
    spelling_analyzer,
    uz_cyrillic_to_latin,
)

#: Longest body text kept per document (the rest is not searched): a long PDF must not bloat
#: the index. About 60 pages of text.
MAX_BODY = 200_000
#: The start of the body kept with the document, where result snippets are cut from
#: (highlighting analyses the text again: a whole long text would cost every search).
EXCERPT = 1_500


def schema() -> Schema:
    fields: dict[str, Any] = {
        "key": ID(stored=True, unique=True),
        "owner": ID(stored=True),
        "type": ID(stored=True, sortable=True),
        "language": ID(stored=True, sortable=True),
        "topics": KEYWORD(stored=True, commas=True, sortable=True),
        "year": ID(stored=True, sortable=True),
        "month": ID(stored=True, sortable=True),
        "audience": ID(stored=True),
        "date": DATETIME(stored=True, sortable=True),
        "expires": DATETIME(stored=True),
        "title": STORED(),
        "summary": STORED(),
        "url": STORED(),
        "excerpt": STORED(),
        "words": TEXT(analyzer=spelling_analyzer(), spelling=True, phrase=False),
    }
    # No positions: phrases are found through the pairs of words indexed with the words.
    for language in LANGUAGES:
        fields[f"title_{language}"] = TEXT(analyzer=indexing_analyzer(language),
                                           field_boost=3.0, phrase=False)
        fields[f"body_{language}"] = TEXT(analyzer=indexing_analyzer(language), phrase=False)
    return Schema(**fields)


#: Raised whenever :func:`schema` changes in a way an existing index does not have: an index
#: of another version is rebuilt (``flask search verify`` says so, and ``make run`` rebuilds).
SCHEMA_VERSION = 2
_VERSION_FILE = "portal-schema-version"


def current(path: Path | None = None) -> bool:
    """Whether the index in *path* (the configured folder) was built with this schema."""
    marker = (path or folder()) / _VERSION_FILE
    try:
        return marker.read_text().strip() == str(SCHEMA_VERSION)
    except FileNotFoundError:
        return False


def folder() -> Path:
    configured = current_app.config.get("SEARCH_INDEX_DIR")
    return Path(configured) if configured else Path(current_app.instance_path) / "search-index"


#: Set while this thread (or task) holds the index's lock.
_holding: ContextVar[bool] = ContextVar("search_index_lock", default=False)


@contextmanager
def locked(wait: float | None = None) -> Iterator[None]:
    """The index's write lock for the block: one writer at a time, in every process. Waits up
    to *wait* (``SEARCH_LOCK_TIMEOUT``) seconds for another to finish (whoosh.index.LockError
    after that). It is Whoosh's own writer lock, an operating system lock on a file: a process that
    dies lets go of it. A block inside another keeps the outer block's lock.

    Hold it over more than the writing itself when what follows the commit must be done
    before another writer starts (the outbox rows a sync applied are deleted under it).
    """
    if _holding.get():
        yield
        return
    path = folder()
    path.mkdir(parents=True, exist_ok=True)
    lock = FileStorage(str(path)).lock(f"{whoosh_index._DEF_INDEX_NAME}_WRITELOCK")
    if wait is None:
        wait = float(current_app.config["SEARCH_LOCK_TIMEOUT"])
    deadline = time.monotonic() + wait
    while not lock.acquire(blocking=False):
        if time.monotonic() >= deadline:
            raise whoosh_index.LockError(f"the search index in {path} is busy")
        time.sleep(0.05)
    token = _holding.set(True)
    try:
        yield
    finally:
        _holding.reset(token)
        lock.release()


def open_index() -> whoosh_index.Index:
    """The index, created empty when it does not exist yet."""
    path = folder()
    if whoosh_index.exists_in(str(path)):
        return whoosh_index.open_dir(str(path))
    with locked():  # two processes finding no index: the second must not empty the first's
        if whoosh_index.exists_in(str(path)):
            return whoosh_index.open_dir(str(path))
        return _create(path)


def recreate() -> whoosh_index.Index:
    """An empty index in place of the old one (for a full rebuild); under :func:`locked`."""
    if not _holding.get():
        raise RuntimeError("recreate() needs the index's lock")
    path = folder()
    path.mkdir(parents=True, exist_ok=True)
    return _create(path)


def _create(path: Path) -> whoosh_index.Index:
    ix = whoosh_index.create_in(str(path), schema())
    (path / _VERSION_FILE).write_text(f"{SCHEMA_VERSION}\n")
    return ix


@contextmanager
def writing(ix: whoosh_index.Index | None = None, *,
            merge: bool = True) -> Iterator[IndexWriter]:
    """A writer under the index's lock (:func:`locked`, taken for the block unless held
    already); commits on success, cancels on an error. With *merge* the commit also merges
    small segments into bigger ones (Whoosh's default, which can take a second on a large
    index); without, the writing is a new segment, merged later (:func:`merge_segments`)."""
    with locked():
        ix = ix or open_index()
        # Not a compound file: Whoosh reads a compound segment by copying it whole into
        # memory whenever a reader opens it (every reopen after a change, in every process).
        writer = ix.writer(_lk=False, compound=False)  # the lock is ours already
        try:
            yield writer
        except BaseException:
            writer.cancel()
            raise
        writer.commit(merge=merge)


def merge_segments() -> None:
    """Merge the small segments that commits without merging left (under the lock)."""
    with writing(merge=True):
        pass


def naive_utc(moment: datetime) -> datetime:
    """Whoosh keeps naive datetimes: UTC without the zone."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC)
    return moment.replace(tzinfo=None)


def words_text(text: str, language: str) -> str:
    """The words as the ``words`` field keeps them: Uzbek in Latin letters, one apostrophe."""
    text = normalise_apostrophes(text)
    return uz_cyrillic_to_latin(text) if language == "uz" else text


def fields_of(document: Document) -> dict[str, Any]:
    language = document.language if document.language in LANGUAGES else "en"
    body = document.body[:MAX_BODY]
    return {
        "key": document.key, "owner": document.owner, "type": document.type,
        "language": language, "topics": ",".join(document.topics),
        "year": str(document.date.year), "month": document.date.strftime("%Y-%m"),
        "audience": document.audience, "date": naive_utc(document.date),
        **({"expires": naive_utc(document.expires)} if document.expires else {}),
        "title": document.title, "summary": document.summary, "url": document.url,
        "excerpt": body[:EXCERPT],
        "words": words_text(f"{document.title}\n{body}", language),
        f"title_{language}": document.title, f"body_{language}": body,
    }


def replace_owner(writer: IndexWriter, owner: str, documents: Iterable[Document]) -> int:
    """Put *owner*'s documents in the index in place of what it had there."""
    writer.delete_by_term("owner", owner)
    count = 0
    for document in documents:
        writer.add_document(**fields_of(document))
        count += 1
    return count
