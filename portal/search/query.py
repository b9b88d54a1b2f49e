"""From what a person types to Whoosh queries, and the search itself.

The query language is the one people already know: words (all must match, in any language of
the index), ``"quoted phrases"``, and ``-word`` or ``-"a phrase"`` to exclude. A word matches
its inflected forms (each language's stemming), any spelling of the Uzbek apostrophe, Uzbek
in either script, and, from three letters on, longer words it starts (a word typed half-way).
Nothing a person types is an error: stray quotes, lone operators and very long input are
trimmed to what makes sense, and an empty query is simply empty.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from html import escape
from itertools import islice, pairwise

import numpy as np

from portal.search.engine import Array, Snapshot, Term
from portal.search.text import (
    LANGUAGES,
    PAIR,
    analyzer,
    normalise_apostrophes,
    query_variants,
    term_of,
    words_in,
)

#: Longest query text taken; the rest is ignored.
MAX_QUERY = 300
#: Most words (and phrases) a query is made of.
MAX_TERMS = 12
#: Shortest word that also finds longer words starting with it.
MIN_PREFIX = 3
#: Longest word searched for (nothing longer is a word).
MAX_WORD = 40
#: Most longer words a word typed half-way is searched as (in the order of the index).
MAX_EXPANSIONS = 500
#: Of those, the words marked in the results' text.
MARKED_EXPANSIONS = 50
#: Close words looked at for a suggestion, the closest and most frequent first, until one is
#: in a document the user may see.
SUGGESTION_CANDIDATES = 10
#: Passages of a result's text shown, and their length in characters (about), and the
#: characters of context around the first and last marked word of each.
SNIPPETS = 2
SNIPPET_CHARS = 200
SNIPPET_CONTEXT = 40
#: Facets shown beside the results, by index field.
FACETS = ("type", "topics", "language", "year")

_CONTROL = dict.fromkeys(range(32), " ")
_TOKEN = re.compile(r'(-?)"([^"]*)"?|(\S+)')
#: Characters that are never part of a word someone searches for.
_STRIP = "()[]{}<>+*~^!?:;,.=|\\/&%$#№«»"


@dataclass
class Parsed:
    words: list[str] = field(default_factory=list)
    phrases: list[str] = field(default_factory=list)
    excluded: list[str] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not (self.words or self.phrases)


def parse(text: str) -> Parsed:
    """Split the typed text into words, phrases and exclusions (never raises)."""
    text = normalise_apostrophes(text[:MAX_QUERY].translate(_CONTROL))
    parsed = Parsed()
    for match in _TOKEN.finditer(text):
        negated, phrase, word = match.group(1), match.group(2), match.group(3)
        if phrase is not None:
            cleaned = " ".join(w.strip(_STRIP + "-") for w in phrase.split())
            cleaned = " ".join(cleaned.split())
            if not cleaned:
                continue
            (parsed.excluded if negated else parsed.phrases).append(cleaned)
            continue
        negated_word = word.startswith("-")
        cleaned = word.strip(_STRIP + "-\"'")
        if not cleaned or cleaned.upper() in {"AND", "OR", "NOT"}:
            continue
        (parsed.excluded if negated_word else parsed.words).append(cleaned[:MAX_WORD])
    parsed.words = parsed.words[:MAX_TERMS]
    parsed.phrases = parsed.phrases[:MAX_TERMS]
    parsed.excluded = parsed.excluded[:MAX_TERMS]
    return parsed


def _tokens(text: str, language: str) -> list[str]:
    return [token.text for token in analyzer(language)(text)]


def _text(term: bytes | str) -> str:
    return term.decode("utf-8") if isinstance(term, bytes) else term


@dataclass
class Clause:
    """One word or phrase of a query: a document matches it when it has all the terms of
    any one group."""

    groups: list[list[Term]]
    #: language -> the words to mark in a result's text.
    marks: dict[str, set[str]]

    @property
    def terms(self) -> list[Term]:
        return [term for group in self.groups for term in group]

    def mask(self, snap: Snapshot) -> Array:
        found = snap.mask(group[0] for group in self.groups if len(group) == 1)
        for group in self.groups:
            if len(group) > 1:
                found |= np.logical_and.reduce([snap.mask([term]) for term in group])
        return found


def word_clause(word: str, snap: Snapshot, prefix: bool = True) -> Clause | None:
    """One word, in every language field, stemmed as that language does, and (with *prefix*)
    as the start of longer words: only when the word is not a whole word of the index (a
    word typed half-way; a prefix expands to every word it starts)."""
    groups: list[list[Term]] = []
    marks: dict[str, set[str]] = {language: set() for language in LANGUAGES}
    for language in LANGUAGES:
        for token in dict.fromkeys(_tokens(word, language)):
            groups += [[Term(f"title_{language}", token)], [Term(f"body_{language}", token)]]
            marks[language].add(token)
    variants = [v.lower() for v in query_variants(word)] if prefix else []
    searcher = snap.searcher
    if any(searcher.doc_frequency("words", v) for v in variants):
        variants = []
    expansions: list[str] = []
    for variant in variants:
        if len(variant) >= MIN_PREFIX and variant.isalnum():
            expansions += islice((_text(t) for t in searcher.reader().expand_prefix(
                "words", variant)), MAX_EXPANSIONS - len(expansions))
    for expansion in expansions:
        groups.append([Term("words", expansion, boost=0.5)])
    for expansion in expansions[:MARKED_EXPANSIONS]:
        for language in LANGUAGES:
            marks[language].update(_tokens(expansion, language))
    return Clause(groups, marks) if groups else None


def phrase_clause(phrase: str) -> Clause | None:
    """Words next to each other, in this order: in one title or one body, every pair of
    neighbouring words (the index keeps each pair as a term)."""
    groups: list[list[Term]] = []
    marks: dict[str, set[str]] = {language: set() for language in LANGUAGES}
    for language in LANGUAGES:
        tokens = _tokens(phrase, language)
        marks[language].update(tokens)
        pairs = [f"{a}{PAIR}{b}" for a, b in pairwise(tokens)] or tokens
        for name in (f"title_{language}", f"body_{language}"):
            if pairs:
                groups.append([Term(name, pair) for pair in dict.fromkeys(pairs)])
    return Clause(groups, marks) if groups else None


@dataclass
class Plan:
    positive: list[Clause]
    negative: list[Clause]

    def marks(self, language: str) -> set[str]:
        return {w for clause in self.positive for w in clause.marks.get(language, ())}


def plan(parsed: Parsed, snap: Snapshot) -> Plan:
    positive = [c for c in [*(word_clause(w, snap) for w in parsed.words),
                            *map(phrase_clause, parsed.phrases)] if c is not None]
    negative = [c for text in parsed.excluded
                for c in (word_clause(text, snap, prefix=False) if " " not in text
                          else phrase_clause(text),)
                if c is not None]
    return Plan(positive, negative)


@dataclass
class Hit:
    key: str
    type: str
    title: str
    url: str
    language: str
    date: datetime
    snippet: str
    summary: str


@dataclass
class Results:
    hits: list[Hit]
    total: int
    page: int
    per_page: int
    #: field -> [(value, count)], the most frequent first.
    facets: dict[str, list[tuple[str, int]]]
    suggestion: str | None = None

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


def visible(snap: Snapshot, may_see_restricted: bool) -> Array:
    """The documents every search and archive page may show: live, not expired (a document
    may expire before the next sync removes it), for inspectors only when the user may see
    them."""
    shown = snap.live & ~snap.expired(datetime.now(UTC).replace(tzinfo=None))
    if not may_see_restricted:
        shown &= snap.value_mask("audience", "public")
    return shown


def snippet(text: str, terms: set[str], language: str) -> str:
    """HTML: the places of *text* where words with *terms* are, the words marked
    ``<b class="match">``, at most :data:`SNIPPETS` passages of about :data:`SNIPPET_CHARS`
    (those with most marked words, in the order of the text), joined by "…"."""
    found = [(m.start(), m.end()) for m in words_in(text, language)
             if term_of(m.group(), language) in terms]
    passages: list[list[tuple[int, int]]] = []
    for place in found:
        if passages and place[1] - passages[-1][0][0] <= SNIPPET_CHARS:
            passages[-1].append(place)
        else:
            passages.append([place])
    chosen = sorted(sorted(passages, key=len, reverse=True)[:SNIPPETS])
    parts = []
    for places in chosen:
        start = _word_start(text, max(0, places[0][0] - SNIPPET_CONTEXT))
        end = _word_end(text, min(len(text), places[-1][1] + SNIPPET_CONTEXT))
        html, at = [], start
        for word_start, word_end in places:
            html += [escape(text[at:word_start]), '<b class="match">',
                     escape(text[word_start:word_end]), "</b>"]
            at = word_end
        html.append(escape(text[at:end]))
        parts.append("".join(html).strip())
    return " … ".join(parts)


def _word_start(text: str, at: int) -> int:
    """*at*, or after the space that starts the word *at* is in (a passage starts whole)."""
    space = text.find(" ", at, at + 15)
    return space + 1 if at and space >= 0 else at


def _word_end(text: str, at: int) -> int:
    space = text.rfind(" ", max(0, at - 15), at)
    return space if at < len(text) and space >= 0 else at


def run(snap: Snapshot, parsed: Parsed, *, may_see_restricted: bool,
        narrow: dict[str, str], sort: str = "relevance", page: int = 1,
        per_page: int = 10) -> Results:
    """Search, narrowed by facet values in *narrow* (field -> value): one page of hits with
    highlighted snippets, the number of matches, and facet counts over all of them."""
    found = plan(parsed, snap)
    if not found.positive:
        return Results([], 0, page, per_page, {})
    within = visible(snap, may_see_restricted)
    for name, value in narrow.items():
        within &= snap.value_mask(name, value)
    for clause in found.positive:
        within &= clause.mask(snap)
    for clause in found.negative:
        within &= ~clause.mask(snap)
    total = int(np.count_nonzero(within))
    scores = (None if sort == "date"
              else snap.scores((t for c in found.positive for t in c.terms), within))
    hits = []
    for docnum in snap.top(within, scores, page * per_page)[(page - 1) * per_page:]:
        fields = snap.searcher.stored_fields(docnum)
        language = fields.get("language", "en")
        hits.append(Hit(key=fields["key"], type=fields["type"], title=fields.get("title", ""),
                        url=fields.get("url", ""), language=language, date=fields["date"],
                        snippet=snippet(fields.get("excerpt", ""), found.marks(language),
                                        language),
                        summary=fields.get("summary", "")))
    counts = {name: snap.counts(name, within) for name in FACETS}
    return Results(hits, total, page, per_page, counts)


def suggest(snap: Snapshot, parsed: Parsed, may_see_restricted: bool) -> str | None:
    """A corrected query when some of its words are not in the index but a close one is,
    in a document the user may see (a word only a restricted document has is not told)."""
    shown: Array | None = None
    changed = False
    corrected = []
    for word in parsed.words:
        variants = [v.lower() for v in query_variants(word)]
        if (not 4 <= len(variants[0]) <= MAX_WORD
                or any(snap.searcher.doc_frequency("words", v) > 0 for v in variants)):
            corrected.append(word)
            continue
        # Two letters wrong only in longer words: a short word is two edits from too many.
        found = sorted((option for v in variants for option in snap.close_terms(
            "words", v, 2 if len(v) >= 7 else 1)), key=lambda t: (t[1], -t[2], t[0]))
        if shown is None and found:
            shown = visible(snap, may_see_restricted)
        choice = next((term for term, _edits, _count in found[:SUGGESTION_CANDIDATES]
                       if shown is not None
                       and np.any(shown[snap.postings("words", term)[0]])), None)
        if choice is not None:
            corrected.append(choice)
            changed = True
        else:
            corrected.append(word)
    if not changed:
        return None
    return " ".join([*corrected, *(f'"{p}"' for p in parsed.phrases),
                     *(f"-{e}" if " " not in e else f'-"{e}"' for e in parsed.excluded)])
