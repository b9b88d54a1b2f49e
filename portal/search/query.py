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
from typing import Any

from whoosh import query as wq
from whoosh.searching import Searcher

from portal.search import facets
from portal.search.text import LANGUAGES, analyzer, normalise_apostrophes, query_variants

#: Longest query text taken; the rest is ignored.
MAX_QUERY = 300
#: Most words (and phrases) a query is made of.
MAX_TERMS = 12
#: Shortest word that also finds longer words starting with it.
MIN_PREFIX = 3
#: Longest word searched for (nothing longer is a word).
MAX_WORD = 40
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


def word_query(word: str, prefix: bool = True,
               searcher: Searcher | None = None) -> wq.Query | None:
    """One word, in every language field, stemmed as that language does, and (with *prefix*)
    as the start of longer words. Given the *searcher*, the start of longer words is searched
    only when the word is not a whole word of the index: a word typed half-way. (A prefix
    expands to every word it starts, which is what a search pays most for.)"""
    clauses: list[wq.Query] = []
    for language in LANGUAGES:
        for token in dict.fromkeys(_tokens(word, language)):
            clauses.append(wq.Term(f"title_{language}", token))
            clauses.append(wq.Term(f"body_{language}", token))
    variants = [v.lower() for v in query_variants(word)] if prefix else []
    if searcher is not None and any(searcher.doc_frequency("words", v) for v in variants):
        variants = []
    for variant in variants:
        if len(variant) >= MIN_PREFIX and variant.isalnum():
            clauses.append(wq.Prefix("words", variant, boost=0.5))
    return wq.Or(clauses) if clauses else None


def phrase_query(phrase: str) -> wq.Query | None:
    clauses: list[wq.Query] = []
    for language in LANGUAGES:
        tokens = _tokens(phrase, language)
        if len(tokens) == 1:
            clauses.append(wq.Term(f"body_{language}", tokens[0]))
            clauses.append(wq.Term(f"title_{language}", tokens[0]))
        elif tokens:
            clauses.append(wq.Phrase(f"body_{language}", tokens))
            clauses.append(wq.Phrase(f"title_{language}", tokens))
    return wq.Or(clauses) if clauses else None


def build(parsed: Parsed, searcher: Searcher | None = None) -> wq.Query | None:
    """The Whoosh query for *parsed*; None when nothing searchable is left."""
    positive = [q for q in [*(word_query(w, searcher=searcher) for w in parsed.words),
                            *map(phrase_query, parsed.phrases)]
                if q is not None]
    if not positive:
        return None
    query: wq.Query = wq.And(positive) if len(positive) > 1 else positive[0]
    negative = [q for text in parsed.excluded
                for q in (word_query(text, prefix=False) if " " not in text
                          else phrase_query(text),)
                if q is not None]
    if negative:
        query = wq.AndNot(query, wq.Or(negative))
    return query


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


def visibility(may_see_restricted: bool) -> list[wq.Query]:
    """Conditions every search and archive page adds: nothing expired (a document may expire
    before the next sync removes it), nothing for inspectors unless the user may see it."""
    now = datetime.now(UTC).replace(tzinfo=None)
    conditions: list[wq.Query] = [wq.Not(wq.DateRange("expires", None, now))]
    if not may_see_restricted:
        conditions.append(wq.Term("audience", "public"))
    return conditions


def run(searcher: Searcher, parsed: Parsed, *, may_see_restricted: bool,
        narrow: dict[str, str], sort: str = "relevance", page: int = 1,
        per_page: int = 10, index_folder: str = "") -> Results:
    """Search, narrowed by facet values in *narrow* (field -> value), one page of hits with
    highlighted snippets, and facet counts over all matching documents."""
    built = build(parsed, searcher)
    if built is None:
        return Results([], 0, page, per_page, {})
    conditions = [*(wq.Term(name, value) for name, value in narrow.items()),
                  *visibility(may_see_restricted)]
    final = wq.And([built, *conditions])
    options: dict[str, Any] = {"terms": True}
    if sort == "date":
        options.update(sortedby="date", reverse=True)
    results = searcher.search(final, limit=page * per_page, **options)
    # Every match, unscored, for the total and the facet counts.
    matched = frozenset(searcher.docs_for_query(final))
    total = len(matched)
    hits = []
    for hit in results[(page - 1) * per_page: page * per_page]:
        language = hit.get("language", "en")
        snippet = hit.highlights(f"body_{language}", text=hit.get("excerpt", ""), top=2) or ""
        hits.append(Hit(key=hit["key"], type=hit["type"], title=hit.get("title", ""),
                        url=hit.get("url", ""), language=language, date=hit["date"],
                        snippet=snippet, summary=hit.get("summary", "")))
    counts = facets.counts(matched, facets.docsets(searcher, FACETS, index_folder))
    return Results(hits, total, page, per_page, counts)


def suggest(searcher: Searcher, parsed: Parsed) -> str | None:
    """A corrected query when some of its words are not in the index but a close one is."""
    corrector = searcher.corrector("words")
    changed = False
    corrected = []
    for word in parsed.words:
        variants = [v.lower() for v in query_variants(word)]
        if (not 4 <= len(variants[0]) <= MAX_WORD
                or any(searcher.doc_frequency("words", v) > 0 for v in variants)):
            corrected.append(word)
            continue
        # Two letters wrong only in longer words: the search through the words is costly.
        options: list[str] = next((found for v in variants if (found := corrector.suggest(
            v, limit=1, maxdist=2 if len(v) >= 7 else 1))), [])
        if options:
            corrected.append(options[0])
            changed = True
        else:
            corrected.append(word)
    if not changed:
        return None
    return " ".join([*corrected, *(f'"{p}"' for p in parsed.phrases),
                     *(f"-{e}" if " " not in e else f'-"{e}"' for e in parsed.excluded)])
