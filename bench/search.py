"""Time the search (issue 6) on a synthetic corpus, against SQLite FTS5 on the same documents.

For each corpus size (10,000 and 100,000 documents by default) it generates seeded documents in
Uzbek (Latin letters with every apostrophe people type, and some in Cyrillic letters), Russian
and English, of realistic lengths, and:

* indexes them through the portal's own code (``index.recreate``, ``index.writing``,
  ``index.fields_of``), prints the build time, documents a second and the size on disk;
* runs 200 queries (words, phrases, exclusions, Uzbek in Cyrillic letters, misspelt and
  half-typed words; some narrowed by a facet, some sorted by date) through ``query.parse`` and
  ``query.run`` (facet counts and highlighted snippets) through the process's shared
  searcher, then the same queries as whole search pages (``/search?q=...``, the Flask test
  client: the request searches and renders), and prints p50 / p95;
* times a single document update: written and committed through ``index.writing`` and
  ``index.replace_owner``, then searched for (the searcher reopens), and the real path, a guide
  created and published in the database, committed and applied by the worker ``make run``
  starts (``flask search sync --every 0.2``, another process);
* does the same with an SQLite FTS5 table (build, size, the same queries translated to MATCH
  with ``snippet()``, ``highlight()`` and facet counts by ``GROUP BY``) and prints the ratios.

Targets (issue 6, a 2-core machine, 100,000 documents): search page p95 under 50 ms; a single
document update found within 1 second of its commit. Prints figures, not assertions: machines
here are shared.

Run: .venv/bin/python bench/search.py [SIZE ...] [--procs N] [--keep]
     (.venv/bin/python bench/search.py 10000 for a quick run; --help for the rest)
"""

from __future__ import annotations

import argparse
import math
import os
import random
import re
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from flask import Flask
from sqlalchemy import select

from portal import create_app
from portal.accounts import services as accounts
from portal.accounts.models import User
from portal.content import workflow
from portal.content.topics import DEFAULT_TOPICS, ensure_default_topics
from portal.extensions import db
from portal.materials import services as materials
from portal.search import engine, index, query
from portal.search.sources import Document

PASSWORD = "Lantern-river-42"  # noqa: S105 - a throw-away account in a temporary database
SEED = 2026
TOPICS = [slug for slug, *_names in DEFAULT_TOPICS]

# The vocabulary --------------------------------------------------------------------------------
#
# Content words come in groups, the forms of one word (a lemma): the first form is the most
# frequent, the groups follow a Zipf law in the order written. Function words likewise. Uzbek
# nouns are written as stems and get their case, possessive and plural endings here.


def _words(text: str) -> list[str]:
    return text.split()


#: Uzbek noun stems: the law, the police, the family, the mahalla.
UZ_STEMS = _words("""
bola huquq oila mahalla ayol inspektor profilaktika jinoyat huquqbuzarlik qonun modda ariza
farzand zoʻravonlik himoya yordam hujjat fuqaro tuman maktab oʻquvchi oʻsmir xodim organ
tazyiq maslahat javobgarlik jarima nikoh ajrim sud davlat hamkorlik tadbir suhbat shikoyat
murojaat order jabrlanuvchi guvoh advokat prokuror tergov xavfsizlik qoʻshni qarindosh
xonadon koʻcha ish pul aliment vasiylik taʼlim tarbiya sogʻliq shifokor raqam maʼlumot shaxs
pasport roʻyxat nazorat tartib qoida talab majburiyat imkoniyat xizmat boʻlim boshliq kengash
hokimlik dastur loyiha seminar kurs dars vebinar savol javob sertifikat qoʻllanma yoʻriqnoma
kodeks oʻgʻil qiz ona ota yigit uy shahar viloyat hamshira kelishuv bayonnoma tekshiruv
""")
#: Uzbek noun endings and how often each is written (the bare stem most often).
UZ_ENDINGS = [("", 30), ("lar", 10), ("ning", 8), ("ni", 6), ("ga", 8), ("da", 7), ("dan", 5),
              ("POSS", 7), ("lari", 5), ("larning", 4), ("larini", 3), ("larga", 3),
              ("larda", 2), ("laridan", 1), ("imiz", 1), ("dagi", 2)]
#: Uzbek words that are not inflected here: verbs in a few forms, adjectives.
UZ_WORDS = """
qilish qiladi qilingan qilinadi qiling; boʻladi boʻlgan boʻlsa boʻlishi; beriladi berish
bergan; belgilaydi belgilangan; taqiqlaydi taqiqlanadi; koʻrib chiqadi koʻrib chiqiladi;
taʼminlash taʼminlaydi; oldini olish; murojaat qilish; tushuntirish; oʻrganish oʻrganadi;
tekshirish tekshiradi; aniqlash aniqlangan; yashash yashaydi; ishlash ishlaydi; yuborish;
huquqiy; ijtimoiy; jinoiy; maʼmuriy; fuqarolik; oilaviy; ichki; tibbiy; ruhiy; jismoniy;
iqtisodiy; xalqaro; mahalliy; shaxsiy; rasmiy; bepul; xavfli; ogʻir; yaqin; muhim; zarur;
toʻliq; yangi; yuridik; voyaga yetmagan; jabrlangan; xotin-qizlar; ota-onalar; bogʻcha;
toʻgʻri; gʻamxoʻrlik; koʻmak; qoʻngʻiroq; soʻrov; oʻrin; yoʻl
"""
UZ_FUNCTION = _words("""
va bilan uchun haqida bu ham esa lekin yoki agar har bir barcha boshqa kerak mumkin emas bor
yoʻq qanday nima qayerga qachon oʻz ular biz siz u shu hamda balki faqat albatta tomonidan
boʻyicha toʻgʻrisida asosida orqali keyin oldin davomida koʻra sababli yana hali endi juda
""")
UZ_PHRASES = ["bola huquqlari", "oiladagi zoʻravonlik", "profilaktika inspektori",
              "ichki ishlar organlari", "himoya orderi", "yuridik yordam",
              "mahalla fuqarolar yigʻini", "shaxsga doir maʼlumotlar", "xalqaro hamkorlik",
              "voyaga yetmaganlar"]

RU_WORDS = """
право права праву правом праве прав правам правах; ребёнок ребенок ребенка ребёнка ребенку
ребенком детей дети детям детьми; семья семьи семье семью семьей семей семьям; закон закона
законом законе законы законов законам; инспектор инспектора инспектору инспекторы
инспекторов инспекторами; профилактика профилактики профилактике профилактику; правонарушение
правонарушения правонарушений правонарушениях; преступление преступления преступлений
преступлениям; насилие насилия насилию насилием; защита защиты защите защиту; помощь помощи;
суд суда суде судом суды; статья статьи статье статью статей; кодекс кодекса кодексе;
махалля махалли махалле махаллей махаллями; гражданин гражданина граждане граждан гражданам;
заявление заявления заявлений заявлении; ордер ордера ордере; жертва жертвы жертвам; орган
органы органов органами органах; полиция полиции; сотрудник сотрудника сотрудники
сотрудников; штраф штрафа штрафы; ответственность ответственности; брак брака браке;
развод развода; алименты алиментов; опека опеки опекун опекуна; школа школы школе; учащиеся
учащихся; подросток подростка подростки подростков; родители родителей родителям; мать матери;
отец отца; женщина женщины женщин женщинам; обращение обращения обращений; документ
документа документы документов; данные данных; беседа беседы беседу беседе; мероприятие
мероприятия мероприятий; сотрудничество сотрудничества; программа программы программе;
курс курса курсе; урок урока уроки; вебинар вебинара вебинаре; вопрос вопроса вопросы
вопросов; ответ ответа; проверка проверки проверку; протокол протокола; свидетель свидетеля
свидетели; адвокат адвоката; прокурор прокурора прокуратура; следствие следствия;
безопасность безопасности; сосед соседи соседей; дом дома доме; улица улицы; работа работы
работе; район района районе; город города; область области; правовой правового правовые
правовых; семейный семейного семейные семейных; уголовный уголовного уголовной уголовные;
административный административного административной; гражданский гражданского; юридический
юридической юридическую; социальный социальной социальные; международный международного
международные; бесплатный бесплатная бесплатную; несовершеннолетний несовершеннолетнего
несовершеннолетних; обязан обязаны; может могут; должен должны; получить получает получили;
обратиться обращаться обратились; защищать защищает защищают; запрещает запрещено; выдаётся
выдается выдать; рассматривает рассматривается; проводит проводится провести; объяснить
объясняет; предотвратить предотвращение; нарушение нарушения нарушений; решение решения
решений; положение положения; порядок порядка; срок срока сроки; случай случае случаях
""".replace("\n", " ")
RU_FUNCTION = _words("""
и в на не что с по для о это как или при если также его их от до к за из который которые
которая так уже все только есть был была может ещё же бы то этого этом этой том чтобы когда
""")
RU_PHRASES = ["права ребёнка", "насилие в семье", "инспектор профилактики",
              "органы внутренних дел", "охранный ордер", "юридическая помощь",
              "персональные данные", "международное сотрудничество", "работа с населением",
              "профилактика правонарушений"]

EN_WORDS = """
right rights; child children child's children's; family families family's; law laws; inspector
inspectors inspector's; prevention prevent prevents preventing prevented preventive; crime
crimes criminal; offence offences offender offenders; violence violent; protection protect
protects protecting protected; order orders; court courts; article articles; code codes;
complaint complaints; mahalla mahallas; citizen citizens; application applications apply
applied applies; victim victims; police policing; officer officers; fine fines fined;
liability liable; marriage marriages married; divorce divorced; alimony; guardian guardians
guardianship; school schools; pupil pupils; teenager teenagers; parent parents parental;
mother mothers; father fathers; woman women; document documents; data; conversation
conversations; event events; cooperation cooperate cooperating; programme programmes; course
courses; lesson lessons; webinar webinars; question questions; answer answers; inspection
inspections inspect inspected; report reports reported reporting; witness witnesses; lawyer
lawyers; prosecutor prosecutors; investigation investigations investigate; safety safe;
neighbour neighbours; home homes; street streets; work working worked; district districts;
city; region regions; legal; domestic; administrative; civil; social; international; free;
juvenile juveniles minor minors; must; may; receive receives received; help helps helped;
explain explains explained; decision decisions decide; procedure procedures; deadline
deadlines; case cases; community communities; partner partners; agreement agreements;
training trained; certificate certificates; guide guides; support supported; abuse abused;
harassment; consent; personal; privacy; record records; hearing hearings; rule rules
""".replace("\n", " ")
EN_FUNCTION = _words("""
the of and to in a is for on with by that this be are as or an it not from at can which their
they has have was will if also its any who when all should into other such than been under
""")
EN_PHRASES = ["children's rights", "domestic violence", "prevention inspector",
              "internal affairs bodies", "protection order", "legal aid", "personal data",
              "international cooperation", "community policing", "crime prevention"]

#: Share of each language in the corpus; of the Uzbek documents, the share in Cyrillic letters.
LANGUAGE_SHARE = {"uz": 0.45, "ru": 0.35, "en": 0.20}
UZ_CYRILLIC_SHARE = 0.15
#: Share of function words in running text.
FUNCTION_SHARE = {"uz": 0.22, "ru": 0.40, "en": 0.45}
TYPE_SHARE = {"material": 0.35, "lesson": 0.25, "course": 0.08, "webinar": 0.12,
              "cooperation": 0.15, "partner": 0.05}
FIRST_DAY = datetime(2015, 1, 1, tzinfo=UTC)
LAST_DAY = datetime(2026, 6, 30, tzinfo=UTC)

_LATIN_CYRILLIC_PAIRS = [("yoʻ", "йў"), ("oʻ", "ў"), ("gʻ", "ғ"), ("sh", "ш"), ("ch", "ч"),
                         ("ya", "я"), ("yo", "ё"), ("yu", "ю"), ("ye", "е"), ("ʼ", "ъ")]
_LATIN_CYRILLIC = dict(zip("abdfghijklmnopqrstuvxyz", "абдфгҳижклмнопқрстувхйз", strict=True))


def uz_latin_to_cyrillic(text: str) -> str:
    """Uzbek Latin words in Cyrillic letters (the inverse of the portal's transliteration for
    the words used here: ``e`` at the start of a word is ``э``, ``ye`` is ``е``)."""
    out = []
    for word in re.split(r"(\W+)", text):
        if not word or not word[0].isalpha():
            out.append(word)
            continue
        lower, cyrillic, i = word.lower(), [], 0
        while i < len(lower):
            pair = next(((latin, c) for latin, c in _LATIN_CYRILLIC_PAIRS
                         if lower.startswith(latin, i)), None)
            if pair is not None:
                cyrillic.append(pair[1])
                i += len(pair[0])
                continue
            letter = lower[i]
            cyrillic.append("э" if letter == "e" and i == 0 else
                            "е" if letter == "e" else _LATIN_CYRILLIC.get(letter, letter))
            i += 1
        converted = "".join(cyrillic)
        out.append(converted[:1].upper() + converted[1:] if word[0].isupper() else converted)
    return "".join(out)


def uz_inflect(stem: str, ending: str) -> str:
    if ending == "POSS":
        return stem + ("si" if stem[-1] in "aeiouʻ" else "i")
    if ending == "ga" and stem[-1] in "kq":  # yurakka, huquqqa
        ending = stem[-1] + "a"
    if ending == "imiz" and stem[-1] in "aeiou":  # bolamiz
        ending = "miz"
    return stem + ending


@dataclass
class Vocabulary:
    """One language's words with cumulative weights, for :meth:`random.Random.choices`."""

    content: list[str]
    content_weights: list[float]
    words: list[str]  # content and function words together, as running text draws them
    word_weights: list[float]
    phrases: list[str]
    lemmas: list[list[str]]  # content words, the forms of each

    @classmethod
    def build(cls, lemmas: list[list[str]], function: list[str], phrases: list[str],
              function_share: float) -> Vocabulary:
        content: dict[str, float] = {}
        for rank, forms in enumerate(lemmas):
            lemma_weight = 1 / (rank + 1) ** 0.9
            form_total = sum(1 / (k + 1) for k in range(len(forms)))
            for k, form in enumerate(forms):
                content[form] = content.get(form, 0) + lemma_weight / (k + 1) / form_total
        function_weights = [1 / (rank + 1) for rank in range(len(function))]
        content_total, function_total = sum(content.values()), sum(function_weights)
        words = [*content, *function]
        weights = [*(w / content_total * (1 - function_share) for w in content.values()),
                   *(w / function_total * function_share for w in function_weights)]
        return cls(content=list(content), content_weights=_cumulative(content.values()),
                   words=words, word_weights=_cumulative(weights), phrases=phrases,
                   lemmas=lemmas)

    def transliterated(self) -> Vocabulary:
        return Vocabulary(
            content=[uz_latin_to_cyrillic(w) for w in self.content],
            content_weights=self.content_weights,
            words=[uz_latin_to_cyrillic(w) for w in self.words], word_weights=self.word_weights,
            phrases=[uz_latin_to_cyrillic(p) for p in self.phrases],
            lemmas=[[uz_latin_to_cyrillic(w) for w in forms] for forms in self.lemmas])


def _cumulative(weights: Iterable[float]) -> list[float]:
    total, out = 0.0, []
    for weight in weights:
        total += weight
        out.append(total)
    return out


def _groups(text: str) -> list[list[str]]:
    return [group.split() for group in text.split(";") if group.split()]


def vocabularies() -> dict[str, Vocabulary]:
    weights = dict(UZ_ENDINGS)
    uz_lemmas = []
    endings = sorted(weights, key=lambda e: -weights[e])
    for stem in UZ_STEMS:
        uz_lemmas.append([uz_inflect(stem, e) for e in endings])
    uz_words = _groups(UZ_WORDS)
    merged: list[list[str]] = []  # nouns and the other words interleaved, by rank
    for n in range(max(len(uz_lemmas), len(uz_words))):
        merged.extend(group[n] for group in (uz_lemmas, uz_words) if n < len(group))
    uz = Vocabulary.build(merged, UZ_FUNCTION, UZ_PHRASES, FUNCTION_SHARE["uz"])
    return {
        "uz": uz, "uz-cyrl": uz.transliterated(),
        "ru": Vocabulary.build(_groups(RU_WORDS), RU_FUNCTION, RU_PHRASES, FUNCTION_SHARE["ru"]),
        "en": Vocabulary.build(_groups(EN_WORDS), EN_FUNCTION, EN_PHRASES, FUNCTION_SHARE["en"]),
    }


# The corpus --------------------------------------------------------------------------------------


def body_length(rng: random.Random) -> int:
    """Words in a body: log-normal, median about 420, clipped to 150..1,500."""
    return max(150, min(1500, int(rng.lognormvariate(math.log(420), 0.6))))


def text_of(rng: random.Random, vocabulary: Vocabulary, words: int) -> str:
    """Sentences of 6-18 words, a phrase now and then, paragraphs of 3-6 sentences."""
    tokens = rng.choices(vocabulary.words, cum_weights=vocabulary.word_weights, k=words)
    paragraphs, sentences, start = [], [], 0
    paragraph_end = rng.randint(3, 6)
    while start < words:
        length = rng.randint(6, 18)
        sentence = tokens[start:start + length]
        start += length
        if rng.random() < 0.15:
            sentence[rng.randrange(len(sentence))] = rng.choice(vocabulary.phrases)
        if rng.random() < 0.08:
            sentence.append(str(rng.choice((102, 2019, 2020, 561, 15, 42, 1998))))
        text = " ".join(sentence)
        sentences.append(text[:1].upper() + text[1:] + ("?" if rng.random() < 0.05 else "."))
        if len(sentences) == paragraph_end:
            paragraphs.append(" ".join(sentences))
            sentences, paragraph_end = [], rng.randint(3, 6)
    if sentences:
        paragraphs.append(" ".join(sentences))
    return "\n\n".join(paragraphs)


def corpus(count: int, seed: int = SEED) -> list[Document]:
    """*count* documents, the same ones for the same seed (a smaller corpus is the start of a
    larger one)."""
    rng = random.Random(seed)
    vocab = vocabularies()
    languages, language_weights = zip(*LANGUAGE_SHARE.items(), strict=True)
    types, type_weights = zip(*TYPE_SHARE.items(), strict=True)
    span = (LAST_DAY - FIRST_DAY).total_seconds()
    documents = []
    for n in range(count):
        language = rng.choices(languages, weights=language_weights)[0]
        script = "uz-cyrl" if language == "uz" and rng.random() < UZ_CYRILLIC_SHARE else language
        vocabulary = vocab[script]
        kind = rng.choices(types, weights=type_weights)[0]
        title_words = rng.choices(vocabulary.content, cum_weights=vocabulary.content_weights,
                                  k=rng.randint(4, 10))
        if rng.random() < 0.3:
            title_words[rng.randrange(len(title_words))] = rng.choice(vocabulary.phrases)
        title = " ".join(title_words)
        body = text_of(rng, vocabulary, body_length(rng))
        if script == "uz":  # how this author types the Uzbek apostrophes
            style = rng.random()
            if style < 0.3:
                body = body.replace("ʻ", "'").replace("ʼ", "'")
                title = title.replace("ʻ", "'").replace("ʼ", "'")
            elif style < 0.4:
                body = body.replace("ʻ", "’").replace("ʼ", "’")
        summary = body[:body.find(".", 60) + 1 or 200]
        owner = f"course:{n // 8}" if kind == "lesson" else f"{kind}:{n}"
        documents.append(Document(
            key=f"{kind}:{n}", owner=owner, type=kind, title=title[:1].upper() + title[1:],
            body=body, language=language, url=f"/{kind}s/{n}",
            date=FIRST_DAY + timedelta(seconds=rng.random() * span), summary=summary,
            topics=rng.sample(TOPICS, rng.choices((1, 2, 3), weights=(5, 3, 2))[0]),
            audience="inspectors" if rng.random() < 0.1 else "public"))
    return documents


# The queries ---------------------------------------------------------------------------------


@dataclass
class BenchQuery:
    text: str
    kind: str
    narrow: dict[str, str] = field(default_factory=dict)
    sort: str = "relevance"

    @property
    def url(self) -> str:
        names = {"topics": "topic"}
        args = {"q": self.text, **{names.get(k, k): v for k, v in self.narrow.items()}}
        if self.sort == "date":
            args["sort"] = "date"
        return f"/search?{urlencode(args)}"


#: How many of the 200 queries are of each kind.
QUERY_KINDS = {"one word": 50, "two words": 35, "three words": 15, "phrase": 20,
               "exclusion": 20, "uzbek cyrillic": 20, "misspelt": 20, "half-typed": 20}


def misspell(rng: random.Random, word: str) -> str:
    letters = [i for i, c in enumerate(word) if c.isalpha() and c != "ʻ"]
    i = rng.choice(letters[1:-1] or letters)
    how = rng.randrange(3)
    if how == 0 and i + 1 < len(word):  # two letters swapped
        return word[:i] + word[i + 1] + word[i] + word[i + 2:]
    if how == 1:  # a letter left out
        return word[:i] + word[i + 1:]
    return word[:i] + word[i] + word[i:]  # a letter doubled


def queries(count: int, seed: int = SEED) -> list[BenchQuery]:
    """*count* queries as people type them (the kinds in the shares of :data:`QUERY_KINDS`)."""
    rng = random.Random(seed + 1)
    vocab = vocabularies()
    languages, language_weights = zip(*LANGUAGE_SHARE.items(), strict=True)
    scale = count / sum(QUERY_KINDS.values())
    kinds = [kind for kind, n in QUERY_KINDS.items() for _ in range(round(n * scale))]
    kinds = (kinds + ["one word"] * count)[:count]
    rng.shuffle(kinds)

    def words(vocabulary: Vocabulary, k: int, longer_than: int = 0) -> list[str]:
        found: list[str] = []
        while len(found) < k:
            word = rng.choices(vocabulary.content, cum_weights=vocabulary.content_weights)[0]
            if len(word) > longer_than and " " not in word and word not in found:
                found.append(word)
        return found

    out = []
    for kind in kinds:
        language = "uz" if kind == "uzbek cyrillic" else rng.choices(
            languages, weights=language_weights)[0]
        vocabulary = vocab["uz-cyrl" if kind == "uzbek cyrillic" else language]
        if kind in ("one word", "two words", "three words"):
            text = " ".join(words(vocabulary, {"one word": 1, "two words": 2,
                                               "three words": 3}[kind]))
        elif kind == "phrase":
            text = f'"{rng.choice(vocabulary.phrases)}"'
            if rng.random() < 0.5:
                text += " " + words(vocabulary, 1)[0]
        elif kind == "exclusion":
            first, second = words(vocabulary, 2)
            text = f"{first} -{second}"
        elif kind == "uzbek cyrillic":
            text = " ".join(words(vocabulary, rng.randint(1, 2)))
        elif kind == "misspelt":
            text = misspell(rng, words(vocabulary, 1, longer_than=5)[0])
        else:  # half-typed: the start of a longer word
            word = words(vocabulary, 1, longer_than=6)[0]
            text = word[:rng.randint(3, len(word) - 3)].rstrip("ʻʼ")
        if language == "uz" and rng.random() < 0.5:  # typed with the keyboard's apostrophe
            text = text.replace("ʻ", "'").replace("ʼ", "'")
        narrow: dict[str, str] = {}
        if rng.random() < 0.3:
            facet = rng.choice(("type", "topics", "language", "year"))
            if facet == "type":
                narrow[facet] = rng.choice(list(TYPE_SHARE))
            elif facet == "topics":
                narrow[facet] = rng.choice(TOPICS)
            elif facet == "language":
                narrow[facet] = language
            else:
                narrow[facet] = str(rng.randint(2015, 2026))
        out.append(BenchQuery(text, kind, narrow, "date" if rng.random() < 0.2 else "relevance"))
    return out


# Figures -------------------------------------------------------------------------------------


def percentile(times: list[float], share: float) -> float:
    ordered = sorted(times)
    return ordered[max(0, math.ceil(len(ordered) * share) - 1)]


def report(name: str, times: list[float], unit: str = "ms") -> None:
    print(f"  {name:46s} p50 {statistics.median(times):8.1f} {unit}   "
          f"p95 {percentile(times, 0.95):8.1f} {unit}   max {max(times):8.1f} {unit}")


def folder_size(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


def megabytes(size: int) -> str:
    return f"{size / 1024 / 1024:.1f} MB"


def ms_since(start: float) -> float:
    return (time.perf_counter() - start) * 1000


# Whoosh through the portal ---------------------------------------------------------------


@dataclass
class Figures:
    build_s: float = 0.0
    size: int = 0
    query_ms: list[float] = field(default_factory=list)
    hits: list[int] = field(default_factory=list)


def build_whoosh(app: Flask, documents: list[Document], procs: int) -> Figures:
    figures = Figures()
    with app.app_context(), index.locked():
        ix = index.recreate()
        started = time.perf_counter()

        def add_all(writer: Any) -> None:
            for n, document in enumerate(documents, 1):
                writer.add_document(**index.fields_of(document))
                if n % 10_000 == 0:
                    print(f"    {n:7d} documents added, {time.perf_counter() - started:6.1f} s",
                          flush=True)
            print(f"    all added at {time.perf_counter() - started:.1f} s; committing",
                  flush=True)

        if procs > 1:
            # index.writing() takes no writer options: the multi-process writer is made here
            # the way writing() makes its writer, with the lock and cancel-on-error.
            # The sub-writers get their own arguments: Whoosh passes _lk=False to them itself.
            writer = ix.writer(procs=procs, limitmb=256, multisegment=True, _lk=False,
                               compound=False, subargs={"limitmb": 256, "compound": False})
            try:
                add_all(writer)
            except BaseException:
                writer.cancel()
                raise
            writer.commit()
        else:
            with index.writing(ix) as writer:
                add_all(writer)
        figures.build_s = time.perf_counter() - started
        figures.size = folder_size(index.folder())
        segments = len(index.open_index().reader().leaf_readers())
    how = (f"ix.writer(procs={procs}, limitmb=256, multisegment=True), called directly: "
           "index.writing() takes no writer options" if procs > 1
           else "index.writing(ix): one process, as `flask search reindex` does")
    print(f"  writer: {how}; {segments} segment(s)")
    return figures


def whoosh_queries(app: Flask, bench_queries: list[BenchQuery]) -> Figures:
    """``query.parse`` + ``query.run`` through the shared searcher (``engine.snapshot()``),
    as the search page does. The first pass reads the postings the queries need from the
    index (a fresh process); the timed pass is the second."""
    figures = Figures()
    with app.app_context():
        started = time.perf_counter()
        with engine.snapshot():
            pass
        opened = ms_since(started)
        started = time.perf_counter()
        for q in bench_queries:
            with engine.snapshot() as snap:
                query.run(snap, query.parse(q.text), may_see_restricted=False,
                          narrow=q.narrow, sort=q.sort)
        print(f"  searcher opened in {opened:.0f} ms; first pass over the queries (postings "
              f"read from disk) {time.perf_counter() - started:.1f} s")
        for q in bench_queries:
            started = time.perf_counter()
            with engine.snapshot() as snap:
                results = query.run(snap, query.parse(q.text), may_see_restricted=False,
                                    narrow=q.narrow, sort=q.sort, page=1, per_page=10)
            figures.query_ms.append(ms_since(started))
            figures.hits.append(results.total)
    return figures


def page_queries(app: Flask, bench_queries: list[BenchQuery]) -> list[float]:
    """The whole search page per query, through the test client (anonymous visitor)."""
    client = app.test_client()
    for q in bench_queries[:5]:
        client.get(q.url)
    times = []
    for q in bench_queries:
        started = time.perf_counter()
        response = client.get(q.url)
        times.append(ms_since(started))
        assert response.status_code == 200, (q.url, response.status_code)
    return times


def found(word: str) -> bool:
    """Whether the search finds *word*, through the process's shared searcher (refreshed
    when the index changed), as the search page does."""
    with engine.snapshot() as snap:
        return query.run(snap, query.parse(word), may_see_restricted=True,
                         narrow={}).total > 0


#: Letters of this run for the probe words: a folder reused (--reuse) has the earlier runs'.
RUN = "".join(random.SystemRandom().choices("abcdefghijklmnopqrstuvwxyz", k=4))


def probe_word(n: int) -> str:
    """A word no synthetic document (and no other run) has: ``zq``, the run's letters and
    letters for *n*."""
    letters = "abcdefghijklmnopqrstuvwxyz"
    return "zq" + RUN + letters[n // 26 % 26] + letters[n % 26]


def wait_until_found(word: str, limit_s: float = 30.0) -> tuple[float, int]:
    """Milliseconds until the search finds *word* (inf after *limit_s*), and the number of
    searches it took (1: found by the first search after the commit)."""
    started, searches = time.perf_counter(), 1
    while not found(word):
        if time.perf_counter() - started > limit_s:
            return math.inf, searches
        time.sleep(0.005)
        searches += 1
    return ms_since(started), searches


def update_latency(app: Flask, documents: list[Document], rounds: int) -> float:
    """An existing guide changed: its documents replaced through index.writing() +
    replace_owner (as indexer.sync does), then searched for (the shared searcher reopens the
    index it finds changed)."""
    guides = [d for d in documents if d.type == "material"]
    write_ms, visible_ms, total_ms, first = [], [], [], 0
    with app.app_context():
        for n in range(rounds):
            word = probe_word(n)
            old = guides[n * 7 % len(guides)]
            new = replace(old, title=f"{old.title} {word}", body=f"{word} {old.body}")
            started = time.perf_counter()
            with index.writing(merge=False) as writer:  # as indexer.sync
                index.replace_owner(writer, new.owner, [new])
            committed = time.perf_counter()
            write_ms.append((committed - started) * 1000)
            waited, searches = wait_until_found(word)
            visible_ms.append(waited)
            first += searches == 1
            total_ms.append(ms_since(started))
        segments = len(index.open_index().reader().leaf_readers())
    print(f"single document update, {rounds} rounds (index.writing + replace_owner + commit, "
          "no merge):")
    report("write + commit", write_ms)
    report("commit -> found (the searcher reopened)", visible_ms)
    report("change -> found", total_ms)
    print(f"  found by the first search after the commit in {first}/{rounds} rounds (so the "
          f"figure is one index open + search); {segments} segments after the updates")
    return percentile(visible_ms, 0.95)


def real_path_latency(app: Flask, folder: Path, rounds: int) -> float:
    """A guide created and published in the database and committed (the outbox row with
    it), while the worker ``make run`` starts, ``flask search sync --every 0.2``, runs in its
    own process; the time from the commit until the search finds the guide."""
    environment = {**os.environ, "FLASK_APP": "portal", "PORTAL_SECRET_KEY": "bench",
                   "PORTAL_DATABASE_URL": app.config["DATABASE_URL"],
                   "PORTAL_SEARCH_INDEX_DIR": app.config["SEARCH_INDEX_DIR"]}
    worker = subprocess.Popen(  # noqa: S603 - the venv's own flask, fixed arguments
        [str(Path(sys.executable).with_name("flask")), "search", "sync", "--every", "0.2"],
        env=environment, cwd=folder, stdout=subprocess.DEVNULL)
    commit_ms, found_ms = [], []

    def publish(word: str) -> None:
        material = materials.create_material(materials.MaterialInput(
            title=f"Bolalar huquqlari {word}", summary="Bench guide.",
            body=f"## Qonun\n\nOilaviy zoʻravonlik haqida {word} matn.\n",
            topics=["family"], audience="everyone", language="uz"), editor.id)
        workflow.transition(material, "submit", editor)
        workflow.transition(material, "publish", editor)
        db.session.commit()

    try:
        with app.app_context():
            editor = db.session.scalar(select(User).where(User.email == "editor@bench.uz"))
            if editor is None:  # a reused folder has them
                editor = accounts.create_user("editor@bench.uz", "Editor", PASSWORD,
                                              roles={"editor"})
                db.session.commit()
            publish(probe_word(99))  # not timed: until the worker has started
            wait_until_found(probe_word(99), limit_s=60)
            for n in range(rounds):
                word = probe_word(100 + n)
                started = time.perf_counter()
                publish(word)
                commit_ms.append(ms_since(started))
                found_ms.append(wait_until_found(word)[0])
                time.sleep(random.Random(n).uniform(0, 0.2))  # not in step with the worker
    finally:
        worker.terminate()
        worker.wait()
    print(f"real path, {rounds} guides (create + publish + commit; the worker `flask search "
          "sync --every 0.2` applies the outbox):")
    report("create + publish + commit (database)", commit_ms)
    report("commit -> found by the search", found_ms)
    return percentile(found_ms, 0.95)


# SQLite FTS5 ---------------------------------------------------------------------------------

FTS_TABLE = """CREATE VIRTUAL TABLE docs USING fts5(
    title, body, type UNINDEXED, language UNINDEXED, year UNINDEXED, date UNINDEXED,
    audience UNINDEXED, url UNINDEXED, tokenize='porter unicode61 remove_diacritics 2')"""


def build_fts(path: Path, documents: list[Document]) -> Figures:
    figures = Figures()
    started = time.perf_counter()
    connection = sqlite3.connect(path)
    with connection:
        connection.execute(FTS_TABLE)
        connection.execute("CREATE TABLE doc_topics (doc INTEGER, topic TEXT)")
        connection.executemany(
            "INSERT INTO docs (rowid, title, body, type, language, year, date, audience, url) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            ((n, d.title, d.body, d.type, d.language, str(d.date.year), d.date.isoformat(),
              d.audience, d.url) for n, d in enumerate(documents, 1)))
        connection.executemany("INSERT INTO doc_topics VALUES (?, ?)",
                               ((n, t) for n, d in enumerate(documents, 1) for t in d.topics))
        connection.execute("CREATE INDEX doc_topics_topic ON doc_topics (topic, doc)")
        connection.execute("CREATE INDEX doc_topics_doc ON doc_topics (doc, topic)")
        connection.execute("INSERT INTO docs (docs) VALUES ('optimize')")
    connection.close()
    figures.build_s = time.perf_counter() - started
    figures.size = path.stat().st_size
    return figures


_FTS_TOKEN = re.compile(r'(-?)"([^"]*)"?|(\S+)')
_FTS_STRIP = "()[]{}<>+*~^!?:;,.=|\\/&%$#№«»-\"'"


def fts_match(text: str) -> str | None:
    """The typed text as an FTS5 query: words ANDed (from three letters on as a prefix, as the
    portal does), phrases quoted, exclusions NOT'ed. Nothing is folded or transliterated."""
    def quoted(term: str) -> str:
        return '"' + term.replace('"', '""') + '"'

    positive, negative = [], []
    for match in _FTS_TOKEN.finditer(text[:query.MAX_QUERY]):
        negated, phrase, word = match.group(1), match.group(2), match.group(3)
        if phrase is not None:
            if any(c.isalnum() for c in phrase):
                (negative if negated else positive).append(quoted(phrase.strip()))
            continue
        is_negated = word.startswith("-")
        word = word.strip(_FTS_STRIP)
        if not any(c.isalnum() for c in word) or word.upper() in {"AND", "OR", "NOT"}:
            continue
        if is_negated:
            negative.append(quoted(word))
        else:
            positive.append(quoted(word) + ("*" if len(word) >= query.MIN_PREFIX else ""))
    if not positive:
        return None
    match_text = " AND ".join(positive)
    if negative:
        match_text = f"({match_text}) NOT ({' OR '.join(negative)})"
    return match_text


FTS_FACETS = """
WITH m AS MATERIALIZED (SELECT rowid AS id, type, language, year FROM docs
                        WHERE docs MATCH :q AND audience = 'public' {narrow})
SELECT 'type', type, count(*) FROM m GROUP BY type
UNION ALL SELECT 'language', language, count(*) FROM m GROUP BY language
UNION ALL SELECT 'year', year, count(*) FROM m GROUP BY year
UNION ALL SELECT 'topics', t.topic, count(*) FROM m JOIN doc_topics t ON t.doc = m.id
          GROUP BY t.topic"""
FTS_PAGE = """
SELECT rowid, highlight(docs, 0, '<mark>', '</mark>'), url, date,
       snippet(docs, 1, '<mark>', '</mark>', '…', 24)
FROM docs WHERE docs MATCH :q AND audience = 'public' {narrow}
ORDER BY {order} LIMIT 10"""
FTS_NARROW = {"type": "AND type = :type", "language": "AND language = :language",
              "year": "AND year = :year",
              # EXISTS, not rowid IN (...): that makes SQLite run the MATCH once per rowid.
              "topics": "AND EXISTS (SELECT 1 FROM doc_topics t WHERE t.doc = docs.rowid "
                        "AND t.topic = :topics)"}


def fts_search(connection: sqlite3.Connection, q: BenchQuery) -> int:
    """One page of ten with snippets and the facet counts, like query.run; the total."""
    match_text = fts_match(q.text)
    if match_text is None:
        return 0
    narrow = " ".join(FTS_NARROW[name] for name in q.narrow)
    params = {"q": match_text, **q.narrow}
    counts: Counter[tuple[str, str]] = Counter()
    for facet, value, count in connection.execute(FTS_FACETS.format(narrow=narrow), params):
        counts[facet, value] = count
    order = "date DESC" if q.sort == "date" else "bm25(docs, 3.0, 1.0)"
    rows = connection.execute(FTS_PAGE.format(narrow=narrow, order=order), params).fetchall()
    assert len(rows) <= 10
    return sum(count for (facet, _value), count in counts.items() if facet == "type")


def fts_queries(path: Path, bench_queries: list[BenchQuery]) -> Figures:
    figures = Figures()
    connection = sqlite3.connect(path)
    for q in bench_queries[:5]:
        fts_search(connection, q)
    for q in bench_queries:
        started = time.perf_counter()
        figures.hits.append(fts_search(connection, q))
        figures.query_ms.append(ms_since(started))
    connection.close()
    return figures


FTS_CAVEATS = """\
  What FTS5 does not do here (the portal does):
  - one tokenizer for all languages ('porter unicode61'): English stemming only, applied to
    Uzbek and English alike; no Russian stemming (права / правах / правом differ), no Uzbek
    endings (bolalar / bolalarning differ); ё and е differ;
  - no Uzbek apostrophe folding: ʻ (a letter) and ' (a separator) give different tokens, so
    o'g'il does not find oʻgʻil; no Cyrillic <-> Latin Uzbek: a Cyrillic query finds only
    documents written in Cyrillic;
  - no "did you mean" (the portal's page asks the spelling corrector when < 3 hits);
  - every word of 3+ letters is a prefix query here, like the portal's, without prefix indexes;
  - the table keeps whole bodies (for snippet()); the Whoosh index keeps the first 1,500
    characters for snippets and indexes each text twice (stemmed words and their pairs, for
    phrases; whole words, for partial words and spelling)."""


# The run -------------------------------------------------------------------------------------


def ratio(a: float, b: float) -> str:
    if not b or math.isnan(a) or math.isnan(b):
        return "   n/a"
    return f"{a / b:6.1f}x" if a / b >= 0.1 else f"{a / b:6.3f}x"


def share_with_hits(hits: list[int]) -> str:
    return f"{sum(1 for h in hits if h)}/{len(hits)} queries with hits, median total " \
           f"{statistics.median(hits):.0f}"


def run_size(size: int, documents: list[Document], bench_queries: list[BenchQuery],
             procs: int, updates: int, keep: bool, reuse: Path | None = None
             ) -> dict[str, float]:
    folder = reuse or Path(tempfile.mkdtemp(prefix="portal-bench-search-"))
    print(f"\n=== {size:,} documents; {'reused' if reuse else 'temporary'} folder {folder}")
    languages = Counter(d.language for d in documents)
    words = [len(d.body.split()) for d in documents]
    print(f"  languages {dict(languages)}; body words median {statistics.median(words):.0f}, "
          f"mean {statistics.mean(words):.0f}, max {max(words)}; "
          f"{sum(len(d.body) for d in documents) / 1e6:.0f} M characters")
    app = create_app({"DATABASE_URL": f"sqlite:///{folder / 'bench.sqlite'}",
                      "SECRET_KEY": "bench", "SEARCH_INDEX_DIR": str(folder / "search-index")},
                     instance_path=str(folder))
    with app.app_context():
        db.create_all()
        ensure_default_topics()
        db.session.commit()
    print("Whoosh (the portal's index):")
    if reuse:
        whoosh = Figures(build_s=math.nan, size=folder_size(folder / "search-index"))
        print(f"  built before (--reuse), index {megabytes(whoosh.size)} on disk")
    else:
        whoosh = build_whoosh(app, documents, procs)
        print(f"  build {whoosh.build_s:.1f} s, {size / whoosh.build_s:.0f} documents/s, "
              f"index {megabytes(whoosh.size)} on disk")
    searched = whoosh_queries(app, bench_queries)
    whoosh.query_ms, whoosh.hits = searched.query_ms, searched.hits
    page_ms = page_queries(app, bench_queries)
    print(f"  {len(bench_queries)} queries ({share_with_hits(whoosh.hits)}):")
    report("query.run (the shared searcher)", whoosh.query_ms)
    report("search page /search?q= (opens its own)", page_ms)
    by_kind: dict[str, list[float]] = {}
    for q, ms in zip(bench_queries, page_ms, strict=True):
        by_kind.setdefault(q.kind, []).append(ms)
    for kind, times in by_kind.items():
        report(f"  page, {kind} ({len(times)})", times)
    update_p95 = update_latency(app, documents, updates)
    real_p95 = real_path_latency(app, folder, max(10, updates))

    print("SQLite FTS5 (same documents, same queries):")
    if reuse and (folder / "fts.sqlite").exists():
        fts = Figures(build_s=math.nan, size=(folder / "fts.sqlite").stat().st_size)
        print(f"  built before (--reuse), database {megabytes(fts.size)} on disk")
    else:
        fts = build_fts(folder / "fts.sqlite", documents)
        print(f"  build {fts.build_s:.1f} s, {size / fts.build_s:.0f} documents/s, "
              f"database {megabytes(fts.size)} on disk")
    searched = fts_queries(folder / "fts.sqlite", bench_queries)
    fts.query_ms, fts.hits = searched.query_ms, searched.hits
    print(f"  {len(bench_queries)} queries ({share_with_hits(fts.hits)}):")
    report("MATCH + facets + snippet, top 10 by bm25", fts.query_ms)
    print(FTS_CAVEATS)
    print(f"Whoosh / FTS5: build {ratio(whoosh.build_s, fts.build_s)}, "
          f"size {ratio(whoosh.size, fts.size)}, "
          f"query p50 {ratio(statistics.median(whoosh.query_ms), statistics.median(fts.query_ms))}"
          f", query p95 {ratio(percentile(whoosh.query_ms, 0.95), percentile(fts.query_ms, 0.95))}"
          f" (query.run against FTS5 on one connection)")
    if keep or reuse:
        print(f"  kept {folder}")
    else:
        shutil.rmtree(folder)
    return {"build_s": whoosh.build_s, "run_p95": percentile(whoosh.query_ms, 0.95),
            "page_p95": percentile(page_ms, 0.95), "update_p95": update_p95,
            "real_p95": real_p95, "fts_p95": percentile(fts.query_ms, 0.95)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("sizes", nargs="*", type=int, default=[10_000, 100_000],
                        help="corpus sizes (default: 10000 100000)")
    parser.add_argument("--procs", type=int, default=None,
                        help="Whoosh writer processes (default: 1 under 50,000 documents, "
                             "else 2 on a machine with 2+ cores)")
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--updates", type=int, default=20, help="single-update rounds")
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--keep", action="store_true", help="keep the temporary folders")
    parser.add_argument("--reuse", type=Path, default=None, metavar="FOLDER",
                        help="search a folder kept by --keep (one size) instead of building")
    args = parser.parse_args()

    started = time.perf_counter()
    documents = corpus(max(args.sizes), args.seed)
    print(f"corpus: {len(documents):,} documents generated in "
          f"{time.perf_counter() - started:.1f} s (seed {args.seed}); "
          f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f}")
    bench_queries = queries(args.queries, args.seed)
    print("queries: " + ", ".join(f"{k} {v}" for k, v in Counter(
        q.kind for q in bench_queries).items()) + f"; {sum(1 for q in bench_queries if q.narrow)}"
          f" narrowed by a facet, {sum(1 for q in bench_queries if q.sort == 'date')} by date")
    print("  e.g. " + " | ".join(q.text for q in bench_queries[:12]))
    summary: dict[int, dict[str, float]] = {}
    for size in args.sizes:
        procs = args.procs or (2 if size >= 50_000 and (os.cpu_count() or 1) >= 2 else 1)
        summary[size] = run_size(size, documents[:size], bench_queries, procs, args.updates,
                                 args.keep, args.reuse)
    print("\nSummary (targets at 100,000 documents: search page p95 < 50 ms, an update found "
          "< 1 s after its commit):")
    for size, figures in summary.items():
        print(f"  {size:>7,} documents: Whoosh build {figures['build_s']:.0f} s; query.run p95 "
              f"{figures['run_p95']:.0f} ms, search page p95 {figures['page_p95']:.0f} ms "
              f"(FTS5 {figures['fts_p95']:.0f} ms); update commit -> found p95 "
              f"{figures['update_p95']:.0f} ms, real path (guide, sync) "
              f"{figures['real_p95']:.0f} ms")


if __name__ == "__main__":
    main()
