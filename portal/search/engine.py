"""Searching the index with arrays: every match of a query, its facet counts and its best
hits in milliseconds, on a large index too.

Whoosh finds a query's matches by walking postings one document at a time in Python; for a
common word in 100,000 documents that alone takes far longer than a search page may, and the
facet counts need every match. Here a term's postings in a segment are read once into NumPy
arrays (document numbers and weights) and kept, a bounded cache per process: a segment never
changes, only which of its documents are deleted. A query is then set algebra on boolean
arrays, its ranking is Whoosh's own BM25F (same formula, same statistics) computed for every
match at once, and facets are counted with ``bincount``. Stored fields and highlighting still
come from Whoosh, for the hits shown.

A process keeps one searcher per index folder open (opening one costs hundreds of
milliseconds) and refreshes it when the index changed, reusing the segments that did not. It
is used under a lock: a Whoosh reader reads its files through shared handles.
"""

from __future__ import annotations

import atexit
import os
import threading
from collections import OrderedDict
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
from rapidfuzz import process
from rapidfuzz.distance import OSA
from whoosh import index as whoosh_index
from whoosh.codec.whoosh3 import LENGTHS_COLUMN, W3LeafMatcher, _lenfield
from whoosh.reading import IndexReader, TermNotFound
from whoosh.searching import Searcher
from whoosh.util.numeric import byte_to_length
from whoosh.util.times import datetime_to_long

from portal.search import index

#: BM25F's parameters, Whoosh's defaults (``whoosh.scoring.BM25F``).
K1, B = 1.2, 0.75
#: Postings kept in memory per process, across segments (8 bytes each: 64 MB).
CACHED_POSTINGS = 8_000_000
#: Index folders a process keeps a searcher open for.
OPEN_FOLDERS = 4
#: Terms are grouped by length up to this one for suggestions (longer ones: one group).
VOCABULARY_LENGTHS = 40
#: Fields with one value per document, counted with ``bincount``.
SINGLE_VALUED = frozenset({"type", "language", "year", "month", "audience"})

Array = np.ndarray[Any, Any]
_NO_IDS = np.zeros(0, dtype=np.int32)
_NO_WEIGHTS = np.zeros(0, dtype=np.float32)
#: Field lengths are kept as one byte per document; this is what each byte stands for.
_LENGTH_OF_BYTE = np.array([byte_to_length(b) for b in range(256)], dtype=np.float32)


@dataclass(frozen=True)
class Term:
    field: str
    text: str
    boost: float = 1.0


# What is read once per segment ------------------------------------------------------------------

_cache_lock = threading.Lock()
_postings: OrderedDict[tuple[str, str, str], tuple[Array, Array]] = OrderedDict()
_postings_size = 0
_lengths: OrderedDict[tuple[str, str], Array] = OrderedDict()
_columns: OrderedDict[tuple[str, str], Array] = OrderedDict()
_vocabularies: OrderedDict[tuple[str, str], Vocabulary] = OrderedDict()


def _segment_key(leaf: IndexReader) -> str:
    segment = leaf.segment()
    return segment.segment_id() if segment is not None else f"reader-{id(leaf)}"


def _read_postings(leaf: IndexReader, fieldname: str, text: str) -> tuple[Array, Array]:
    """All of a term's postings in a segment, deleted documents too (the live mask takes them
    out): document numbers within the segment and weights (frequency x field boost)."""
    try:
        matcher = leaf.postings(fieldname, text)
    except TermNotFound:
        return _NO_IDS, _NO_WEIGHTS
    matcher = getattr(matcher, "child", matcher)  # the raw postings under the deletion filter
    ids: list[Array] = []
    weights: list[Array] = []
    if isinstance(matcher, W3LeafMatcher):
        # A block at a time: its ids and weights are arrays already (Whoosh's own reading,
        # without the per-document method calls). tests/search/test_engine.py compares the
        # result with Whoosh's document-by-document reading.
        while matcher.is_active():
            matcher._read_ids()
            matcher._read_weights()
            ids.append(np.asarray(matcher._ids, dtype=np.int32))
            weights.append(np.asarray(matcher._weights, dtype=np.float32))
            matcher._next_block()
    else:
        found = []
        while matcher.is_active():
            found.append((matcher.id(), matcher.weight()))
            matcher.next()
        if found:
            ids.append(np.array([d for d, _ in found], dtype=np.int32))
            weights.append(np.array([w for _, w in found], dtype=np.float32))
    if not ids:
        return _NO_IDS, _NO_WEIGHTS
    return np.concatenate(ids), np.concatenate(weights)


def _leaf_postings(leaf: IndexReader, fieldname: str, text: str) -> tuple[Array, Array]:
    global _postings_size
    key = (_segment_key(leaf), fieldname, text)
    with _cache_lock:
        found = _postings.get(key)
        if found is not None:
            _postings.move_to_end(key)
            return found
    found = _read_postings(leaf, fieldname, text)
    with _cache_lock:
        if key not in _postings:
            _postings[key] = found
            _postings_size += len(found[0])
            while _postings_size > CACHED_POSTINGS and len(_postings) > 1:
                _old_key, (old_ids, _w) = _postings.popitem(last=False)
                _postings_size -= len(old_ids)
    return found


def _remember(cache: OrderedDict[tuple[str, str], Array], key: tuple[str, str],
              array: Array, keep: int = 256) -> Array:
    with _cache_lock:
        cache[key] = array
        while len(cache) > keep:
            cache.popitem(last=False)
    return array


def _leaf_lengths(leaf: IndexReader, fieldname: str) -> Array:
    """Each document's length in *fieldname*, as BM25F reads it (default 1)."""
    key = (_segment_key(leaf), fieldname)
    found = _lengths.get(key)
    if found is not None:
        return found
    count = leaf.doc_count_all()
    raw = np.zeros(count, dtype=np.uint8)
    perdoc = getattr(leaf, "_perdoc", None)
    column = perdoc._cached_reader(_lenfield(fieldname), LENGTHS_COLUMN) if perdoc else None
    if column is not None:
        stored = min(column._count, count)  # documents at the end without a value: none
        raw[:stored] = np.frombuffer(column._dbfile.get(column._basepos, stored), np.uint8)
    lengths = _LENGTH_OF_BYTE[raw]
    lengths[raw == 0] = 1.0
    return _remember(_lengths, key, lengths)


def _leaf_column(leaf: IndexReader, fieldname: str) -> Array:
    """A sortable field's values as numbers (a date: its ticks), 0 where none."""
    key = (_segment_key(leaf), fieldname)
    found = _columns.get(key)
    if found is not None:
        return found
    reader = leaf.column_reader(fieldname, translate=False)
    values = np.fromiter((v or 0 for v in reader), dtype=np.int64,
                         count=leaf.doc_count_all())
    return _remember(_columns, key, values)


def _leaf_datetimes(leaf: IndexReader, fieldname: str) -> Array:
    """An indexed (not sortable) date field's values as numbers (ticks), 0 where none: from
    its terms of full precision and their postings (few documents have an expiry date)."""
    key = (_segment_key(leaf), fieldname)
    found = _columns.get(key)
    if found is not None:
        return found
    values = np.zeros(leaf.doc_count_all(), dtype=np.int64)
    field = leaf.schema[fieldname]
    try:
        for token in field.sortable_terms(leaf, fieldname):
            ids, _weights = _read_postings(leaf, fieldname, token)
            values[ids] = datetime_to_long(field.from_bytes(token))
    except TermNotFound:
        pass
    return _remember(_columns, key, values)


@dataclass(frozen=True)
class Vocabulary:
    """A segment's terms of one field, shortest first, and how many of its documents have
    each (deleted ones too: counts that guide a suggestion, not results)."""

    words: list[str]
    counts: Array
    #: The words of length n are ``words[starts[n]:starts[n + 1]]`` (longer ones: the last).
    starts: Array

    def of_lengths(self, shortest: int, longest: int) -> tuple[list[str], Array]:
        last = len(self.starts) - 2
        low = int(self.starts[min(max(shortest, 0), last)])
        high = int(self.starts[min(max(longest, 0), last) + 1])
        return self.words[low:high], self.counts[low:high]


def _leaf_vocabulary(leaf: IndexReader, fieldname: str) -> Vocabulary:
    key = (_segment_key(leaf), fieldname)
    with _cache_lock:
        found = _vocabularies.get(key)
    if found is not None:
        return found
    terms: list[tuple[str, int]] = []
    try:
        for text, info in leaf.iter_field(fieldname):
            terms.append((text.decode("utf-8") if isinstance(text, bytes) else text,
                          info.doc_frequency()))
    except TermNotFound:
        pass
    terms.sort(key=lambda t: len(t[0]))
    lengths = np.array([min(len(word), VOCABULARY_LENGTHS) for word, _n in terms],
                       dtype=np.int64)
    found = Vocabulary(
        words=[word for word, _n in terms],
        counts=np.array([n for _word, n in terms], dtype=np.int64),
        starts=np.searchsorted(lengths, np.arange(VOCABULARY_LENGTHS + 2)))
    with _cache_lock:
        _vocabularies[key] = found
        while len(_vocabularies) > 64:
            _vocabularies.popitem(last=False)
    return found


# One state of the index -----------------------------------------------------------------------


class Snapshot:
    """The index as one searcher reads it, with what is derived from it for searching: which
    documents are live, field lengths, dates, facet values. Global document numbers are the
    searcher's own (a segment's offset plus its number in the segment)."""

    def __init__(self, searcher: Searcher) -> None:
        self.searcher = searcher
        reader = searcher.reader()
        self.size = reader.doc_count_all()
        self.parts: list[tuple[IndexReader, int]] = (
            list(reader.leaf_readers()) if self.size else [])
        self.live = np.ones(self.size, dtype=bool)
        for leaf, offset in self.parts:
            if leaf.has_deletions():
                deleted = np.fromiter(leaf.deleted_docs_set, dtype=np.int64)
                self.live[deleted + offset] = False
        self._lengths: dict[str, Array] = {}
        self._codes: dict[str, tuple[Array, list[str]]] = {}
        self._masks: dict[tuple[str, str], Array] = {}
        self._dates: Array | None = None
        self._expiries: Array | None = None

    # Reading ------------------------------------------------------------------------------

    def postings(self, fieldname: str, text: str) -> tuple[Array, Array]:
        """The live documents with *text* in *fieldname*, and the term's weight in each."""
        ids: list[Array] = []
        weights: list[Array] = []
        for leaf, offset in self.parts:
            leaf_ids, leaf_weights = _leaf_postings(leaf, fieldname, text)
            if len(leaf_ids):
                ids.append(leaf_ids.astype(np.int64) + offset)
                weights.append(leaf_weights)
        if not ids:
            return _NO_IDS, _NO_WEIGHTS
        all_ids, all_weights = np.concatenate(ids), np.concatenate(weights)
        keep = self.live[all_ids]
        return all_ids[keep], all_weights[keep]

    def mask(self, terms: Iterable[Term]) -> Array:
        """The documents with any of *terms*."""
        found = np.zeros(self.size, dtype=bool)
        for term in terms:
            found[self.postings(term.field, term.text)[0]] = True
        return found

    def value_mask(self, fieldname: str, value: str) -> Array:
        key = (fieldname, value)
        if key not in self._masks:
            self._masks[key] = self.mask([Term(fieldname, value)])
        return self._masks[key]

    def lengths(self, fieldname: str) -> Array:
        if fieldname not in self._lengths:
            parts = [_leaf_lengths(leaf, fieldname) for leaf, _offset in self.parts]
            self._lengths[fieldname] = (np.concatenate(parts) if parts
                                        else np.zeros(0, dtype=np.float32))
        return self._lengths[fieldname]

    def dates(self) -> Array:
        if self._dates is None:
            parts = [_leaf_column(leaf, "date") for leaf, _offset in self.parts]
            self._dates = np.concatenate(parts) if parts else np.zeros(0, dtype=np.int64)
        return self._dates

    def expired(self, now: datetime) -> Array:
        """The live documents whose expiry date (naive UTC) is *now* or earlier. Arrays, not
        Whoosh's date range query: that walked the field's terms on every search (about 20
        ms at 100,000 documents)."""
        if self._expiries is None:
            parts = [_leaf_datetimes(leaf, "expires") for leaf, _offset in self.parts]
            self._expiries = np.concatenate(parts) if parts else np.zeros(0, dtype=np.int64)
        expiries = self._expiries
        return self.live & (expiries > 0) & (expiries <= datetime_to_long(now))

    def values(self, fieldname: str) -> list[str]:
        """Every value of *fieldname* in the index."""
        reader = self.searcher.reader()
        try:
            return [v.decode("utf-8") if isinstance(v, bytes) else str(v)
                    for v in reader.lexicon(fieldname)]
        except TermNotFound:
            return []

    def codes(self, fieldname: str) -> tuple[Array, list[str]]:
        """For a field with one value per document: each document's value as a number (an
        index into the list of values; -1 for none), and the values."""
        if fieldname not in self._codes:
            values = self.values(fieldname)
            codes = np.full(self.size, -1, dtype=np.int32)
            for number, value in enumerate(values):
                codes[self.postings(fieldname, value)[0]] = number
            self._codes[fieldname] = (codes, values)
        return self._codes[fieldname]

    def close_terms(self, fieldname: str, text: str, distance: int) -> list[tuple[str, int, int]]:
        """Terms of *fieldname* at most *distance* edits from *text* (an edit: a letter added,
        left out or changed, or two neighbours swapped), as (term, edits, documents having
        it), the closest and then the most frequent first. Whoosh's corrector builds an
        automaton in Python for every word it corrects (about 100 ms); rapidfuzz compares the
        word in C++ with the segments' terms of a length it could be."""
        found: dict[str, list[int]] = {}
        for leaf, _offset in self.parts:
            words, counts = _leaf_vocabulary(leaf, fieldname).of_lengths(
                len(text) - distance, len(text) + distance)
            for word, edits, number in process.extract(
                    text, words, scorer=OSA.distance, score_cutoff=distance, limit=None):
                seen = found.setdefault(word, [int(edits), 0])
                seen[1] += int(counts[number])
        return sorted(((w, e, n) for w, (e, n) in found.items()),
                      key=lambda t: (t[1], -t[2], t[0]))

    # Searching ----------------------------------------------------------------------------

    def scores(self, terms: Iterable[Term], within: Array) -> Array:
        """BM25F of every document for *terms* (zero outside *within*), as Whoosh scores an
        OR of term queries: the sum of each term's score, times its boost."""
        total = np.zeros(self.size, dtype=np.float32)
        searcher = self.searcher
        for term in terms:
            ids, weights = self.postings(term.field, term.text)
            if not len(ids):
                continue
            keep = within[ids]
            ids, weights = ids[keep], weights[keep]
            idf = searcher.idf(term.field, term.text)
            average = searcher.avg_field_length(term.field) or 1
            lengths = self.lengths(term.field)[ids]
            score = idf * (weights * (K1 + 1)) / (weights + K1 * ((1 - B) + B * lengths
                                                                   / average))
            total[ids] += score * term.boost
        return total

    def counts(self, fieldname: str, within: Array) -> list[tuple[str, int]]:
        """(value, documents in *within* that have it), the most frequent first."""
        if fieldname in SINGLE_VALUED:
            codes, values = self.codes(fieldname)
            chosen = codes[within]
            numbers = np.bincount(chosen[chosen >= 0], minlength=len(values))
            pairs = [(value, int(numbers[n])) for n, value in enumerate(values)]
        else:
            pairs = [(value, int(np.count_nonzero(within & self.value_mask(fieldname, value))))
                     for value in self.values(fieldname)]
        return sorted(((v, n) for v, n in pairs if v and n), key=lambda p: (-p[1], p[0]))

    def top(self, within: Array, scores: Array | None, count: int) -> list[int]:
        """The *count* best documents of *within*: by score, or (without scores) the newest
        first; ties in document order."""
        candidates = np.flatnonzero(within)
        if not len(candidates) or count <= 0:
            return []
        keys = -(scores[candidates] if scores is not None
                 else self.dates()[candidates].astype(np.float64))
        if len(candidates) > count:
            chosen = np.argpartition(keys, count - 1)[:count]
            candidates, keys = candidates[chosen], keys[chosen]
        order = np.lexsort((candidates, keys))
        return [int(d) for d in candidates[order]]


# One searcher per process and folder ----------------------------------------------------------


class _Open:
    def __init__(self) -> None:
        self.pid = os.getpid()
        self.lock = threading.Lock()
        self.ix: whoosh_index.Index | None = None
        self.searcher: Searcher | None = None
        self.state: tuple[int, int] | None = None
        self.snapshot: Snapshot | None = None

    def close(self) -> None:
        if self.searcher is not None and self.pid == os.getpid():
            self.searcher.close()
        self.searcher = self.snapshot = None


_open: OrderedDict[str, _Open] = OrderedDict()
_open_lock = threading.Lock()


@atexit.register
def _close_all() -> None:
    """Close the searchers at exit (their segments' files are open)."""
    with _open_lock:
        for entry in _open.values():
            entry.close()
        _open.clear()


def _state(ix: whoosh_index.Index, folder: Path) -> tuple[int, int]:
    """What changes whenever the index does: its generation, and when its table of contents
    was written (a rebuilt index starts its generations again)."""
    generation = ix.latest_generation()
    toc = folder / f"_{whoosh_index._DEF_INDEX_NAME}_{generation}.toc"
    try:
        return generation, toc.stat().st_mtime_ns
    except FileNotFoundError:
        return generation, 0


@contextmanager
def snapshot() -> Iterator[Snapshot]:
    """The index as it is now, for one search, held for the block: this process's searcher,
    refreshed when the index changed."""
    folder = index.folder()
    key = str(folder)
    with _open_lock:
        entry = _open.get(key)
        if entry is None or entry.pid != os.getpid():
            entry = _open[key] = _Open()
        _open.move_to_end(key)
        while len(_open) > OPEN_FOLDERS:
            old = _open.popitem(last=False)[1]
            with old.lock:
                old.close()
    with entry.lock:
        if entry.ix is None or not whoosh_index.exists_in(key):
            entry.close()
            entry.ix = index.open_index()
        state = _state(entry.ix, folder)
        if entry.searcher is None or state != entry.state:
            # A new searcher; what was read from the segments that did not change is kept
            # (the caches go by segment). Not Whoosh's reader(reuse=...): it puts segments
            # of the old reader that the index no longer has into the new one.
            if entry.searcher is not None:
                entry.searcher.close()
            entry.searcher = entry.ix.searcher()
        entry.state = state
        if entry.snapshot is None or entry.snapshot.searcher is not entry.searcher:
            entry.snapshot = Snapshot(entry.searcher)
        yield entry.snapshot
