"""Questions as plain data, and one class per question type in a registry (no ``if`` chains).

No Flask here: grading is pure and runs the same in a request, the CLI, a report or a benchmark.
A question's answer key (fractions, accepted answers, tolerances) stays on the server:
:meth:`QuestionType.public` is what a browser may see before the review.
"""

from __future__ import annotations

import math
import random
import re
import unicodedata
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any, ClassVar, Protocol

#: Credit below which a choice counts as wrong, for feedback ("correct", "partly", "wrong").
EPSILON = 1e-9


@dataclass
class Choice:
    """An answer option; *fraction* is the credit for picking it, from -1.0 to 1.0."""

    text: str
    fraction: float = 0.0
    feedback: str = ""


@dataclass
class NumericAnswer:
    """A numerical answer: right when the response is within *tolerance* of *value*."""

    value: float
    tolerance: float = 0.0
    fraction: float = 1.0
    feedback: str = ""


@dataclass
class MatchPair:
    prompt: str
    answer: str


@dataclass
class QuestionData:
    """One question as authored; *kind* is the registry key of its type.

    - single / multiple: ``choices`` with fractions (multiple: partial and negative credit).
    - truefalse: ``correct`` plus ``feedback_true`` / ``feedback_false`` (shown for that answer).
    - short: ``choices`` are the accepted answers with their fractions.
    - numerical: ``numeric`` answers.
    - matching: ``pairs``; the learner matches each prompt with an answer.
    """

    kind: str
    text: str
    name: str = ""
    #: "markdown", "html" or "plain": how ``text`` and feedback are written.
    text_format: str = "markdown"
    category: str = ""
    general_feedback: str = ""
    choices: list[Choice] = field(default_factory=list)
    numeric: list[NumericAnswer] = field(default_factory=list)
    pairs: list[MatchPair] = field(default_factory=list)
    correct: bool | None = None
    feedback_true: str = ""
    feedback_false: str = ""


class InvalidResponse(ValueError):
    """A response that cannot come from the question's own form (tampered or malformed)."""


#: Reads every value the browser sent for a form field name (``request.form.getlist``).
FormValues = Callable[[str], list[str]]


def choice_value(token: str, index: int) -> str:
    """The form value of a choice: the question's token and the choice index (``"12:3"``).

    Carrying the question lets the server refuse a choice posted under another question.
    """
    return f"{token}:{index}"


def _from_choice_value(token: str, value: str) -> str:
    owner, sep, index = value.partition(":")
    if not sep or owner != token:
        raise InvalidResponse("a choice of another question")
    return index


@dataclass(frozen=True)
class Grade:
    #: Credit from 0.0 to 1.0.
    fraction: float
    #: Feedback for what was answered (per choice, per answer), in the question's text format.
    feedback: tuple[str, ...] = ()

    @property
    def state(self) -> str:
        if self.fraction >= 1 - EPSILON:
            return "correct"
        return "partial" if self.fraction > EPSILON else "wrong"


def _clamp(value: float) -> float:
    return max(0.0, min(1.0, value))


def normalise_text(value: str) -> str:
    """Short answers compare without case, accents' composition or extra spaces."""
    value = unicodedata.normalize("NFKC", value).casefold()
    # Uzbek apostrophes: oʻ, o', o‘, o` are one letter however they were typed.
    value = re.sub(r"[\u02bb\u02bc\u2018\u2019`']", "'", value)
    return " ".join(value.split())


def parse_number(value: str) -> float:
    """A number as people type it: "3,5", " 3.5 ", "1 000"; raises InvalidResponse."""
    cleaned = value.strip().replace("\u00a0", "").replace(" ", "").replace(",", ".")
    try:
        number = float(cleaned)
    except ValueError:
        raise InvalidResponse("not a number") from None
    if not math.isfinite(number):
        raise InvalidResponse("not a finite number")
    return number


class QuestionType(ABC):
    """How one kind of question is checked when authored, shown, and graded."""

    key: ClassVar[str]

    @abstractmethod
    def problems(self, q: QuestionData) -> list[str]:
        """What is wrong with the question as authored (empty when it can be used)."""

    @abstractmethod
    def grade(self, q: QuestionData, response: Any) -> Grade:
        """Grade a response that passed :meth:`clean`."""

    @abstractmethod
    def clean(self, q: QuestionData, raw: Any) -> Any:
        """Turn submitted form values into a response; InvalidResponse when impossible."""

    def public(self, q: QuestionData, rng: random.Random | None = None) -> dict[str, Any]:
        """What the learner's page shows before the review: never a fraction or a key."""
        return {"kind": self.key, "text": q.text, "text_format": q.text_format}

    def read_form(self, q: QuestionData, values: FormValues, name: str, token: str) -> Any:
        """The raw response posted under field *name* (JSON-ready), None when unanswered."""
        given = [v for v in values(name) if v != ""]
        return given[0] if given else None

    def accept(self, q: QuestionData, raw: Any) -> None:
        """Refuse (InvalidResponse) a raw response the question's own form cannot produce."""
        self.clean(q, raw)

    @abstractmethod
    def right_answers(self, q: QuestionData) -> list[str]:
        """The right answer(s) in words, for a review that shows them."""

    @abstractmethod
    def model_response(self, q: QuestionData) -> Any:
        """A raw response (as the form posts it) that earns full marks."""

    def describe(self, q: QuestionData, raw: Any) -> list[str]:
        """A saved response in words (for reports: how often each answer was given)."""
        if raw is None or raw == "":
            return []
        try:
            return self._describe(q, self.clean(q, raw))
        except InvalidResponse:
            return [str(raw).strip()[:100]]

    def _describe(self, q: QuestionData, response: Any) -> list[str]:
        return [normalise_text(str(response))]


REGISTRY: dict[str, QuestionType] = {}


def register(cls: type[QuestionType]) -> type[QuestionType]:
    REGISTRY[cls.key] = cls()
    return cls


def question_type(kind: str) -> QuestionType:
    try:
        return REGISTRY[kind]
    except KeyError:
        raise ValueError(f"unknown question type {kind!r}") from None


def grade(q: QuestionData, raw: Any) -> Grade:
    """Clean and grade a submitted response; an empty response scores 0."""
    kind = question_type(q.kind)
    if raw is None or raw == "" or raw == [] or raw == {}:
        return Grade(0.0)
    return kind.grade(q, kind.clean(q, raw))


def grade_saved(q: QuestionData, raw: Any) -> Grade:
    """Grade a response kept by :meth:`QuestionType.accept`: one that is not a valid answer
    (a number typed as "twelve") is wrong, not an error."""
    try:
        return grade(q, raw)
    except InvalidResponse:
        return Grade(0.0)


class _Credited(Protocol):
    fraction: float
    feedback: str


def _best(matches: Sequence[_Credited]) -> Grade:
    """The grade of the best-credited answer a response matched (several may match)."""
    if not matches:
        return Grade(0.0)
    best = max(matches, key=lambda m: m.fraction)
    return Grade(_clamp(best.fraction), tuple(f for f in [best.feedback] if f))


def _index(raw: Any, size: int) -> int:
    text = str(raw).strip()
    if not text.isdecimal() or int(text) >= size:
        raise InvalidResponse("no such choice")
    return int(text)


def _ordered(n: int, rng: random.Random | None) -> list[int]:
    order = list(range(n))
    if rng is not None:
        rng.shuffle(order)
    return order


@register
class SingleChoice(QuestionType):
    key = "single"

    def problems(self, q: QuestionData) -> list[str]:
        if len(q.choices) < 2:
            return ["needs at least two choices"]
        if max(c.fraction for c in q.choices) < 1 - EPSILON:
            return ["needs one choice worth 100%"]
        return []

    def clean(self, q: QuestionData, raw: Any) -> int:
        return _index(raw, len(q.choices))

    def read_form(self, q: QuestionData, values: FormValues, name: str, token: str) -> Any:
        given = [_from_choice_value(token, v) for v in values(name) if v != ""]
        return given[0] if given else None

    def right_answers(self, q: QuestionData) -> list[str]:
        return [c.text for c in q.choices if c.fraction >= 1 - EPSILON]

    def model_response(self, q: QuestionData) -> Any:
        return str(max(range(len(q.choices)), key=lambda i: q.choices[i].fraction))

    def _describe(self, q: QuestionData, response: Any) -> list[str]:
        picked = response if isinstance(response, frozenset) else [response]
        return [q.choices[i].text for i in sorted(picked)]

    def grade(self, q: QuestionData, response: int) -> Grade:
        choice = q.choices[response]
        return Grade(_clamp(choice.fraction), tuple(f for f in [choice.feedback] if f))

    def public(self, q: QuestionData, rng: random.Random | None = None) -> dict[str, Any]:
        order = _ordered(len(q.choices), rng)
        return {**super().public(q), "choices": [(i, q.choices[i].text) for i in order]}


@register
class MultipleChoice(SingleChoice):
    """Several choices may be right; credit adds up (wrong picks may take it away)."""

    key = "multiple"

    def problems(self, q: QuestionData) -> list[str]:
        if len(q.choices) < 2:
            return ["needs at least two choices"]
        best = sum(c.fraction for c in q.choices if c.fraction > 0)
        if abs(best - 1) > 0.01:
            return [f"the positive weights add up to {best * 100:g}%, not 100%"]
        return []

    def clean(self, q: QuestionData, raw: Any) -> frozenset[int]:  # type: ignore[override]
        values = raw if isinstance(raw, list | tuple | set | frozenset) else [raw]
        return frozenset(_index(v, len(q.choices)) for v in values)

    def read_form(self, q: QuestionData, values: FormValues, name: str, token: str) -> Any:
        return sorted({_from_choice_value(token, v) for v in values(name) if v != ""}) or None

    def right_answers(self, q: QuestionData) -> list[str]:
        return [c.text for c in q.choices if c.fraction > EPSILON]

    def model_response(self, q: QuestionData) -> Any:
        return [str(i) for i, c in enumerate(q.choices) if c.fraction > EPSILON]

    def grade(self, q: QuestionData, response: frozenset[int]) -> Grade:  # type: ignore[override]
        picked = [q.choices[i] for i in sorted(response)]
        return Grade(_clamp(sum(c.fraction for c in picked)),
                     tuple(c.feedback for c in picked if c.feedback))


@register
class TrueFalse(QuestionType):
    key = "truefalse"

    def problems(self, q: QuestionData) -> list[str]:
        return [] if q.correct is not None else ["needs the right answer (true or false)"]

    def clean(self, q: QuestionData, raw: Any) -> bool:
        value = str(raw).strip().lower()
        if value not in {"true", "false"}:
            raise InvalidResponse("answer true or false")
        return value == "true"

    def right_answers(self, q: QuestionData) -> list[str]:
        return ["true" if q.correct else "false"]

    def _describe(self, q: QuestionData, response: Any) -> list[str]:
        return ["true" if response else "false"]

    def model_response(self, q: QuestionData) -> Any:
        return "true" if q.correct else "false"

    def grade(self, q: QuestionData, response: bool) -> Grade:
        feedback = q.feedback_true if response else q.feedback_false
        return Grade(1.0 if response == q.correct else 0.0, tuple(f for f in [feedback] if f))


@register
class ShortAnswer(QuestionType):
    """Typed answer; several accepted answers, compared without case and extra spaces."""

    key = "short"

    def problems(self, q: QuestionData) -> list[str]:
        if not any(c.fraction >= 1 - EPSILON for c in q.choices):
            return ["needs an accepted answer worth 100%"]
        return []

    def clean(self, q: QuestionData, raw: Any) -> str:
        value = str(raw)
        if len(value) > 1000:
            raise InvalidResponse("answer too long")
        return value

    def right_answers(self, q: QuestionData) -> list[str]:
        return [c.text for c in q.choices if c.fraction >= 1 - EPSILON]

    def model_response(self, q: QuestionData) -> Any:
        return self.right_answers(q)[0]

    def grade(self, q: QuestionData, response: str) -> Grade:
        given = normalise_text(response)
        return _best([c for c in q.choices if normalise_text(c.text) == given])


@register
class Numerical(QuestionType):
    key = "numerical"

    def problems(self, q: QuestionData) -> list[str]:
        if not any(a.fraction >= 1 - EPSILON for a in q.numeric):
            return ["needs an answer worth 100%"]
        if any(a.tolerance < 0 for a in q.numeric):
            return ["a tolerance cannot be negative"]
        return []

    def clean(self, q: QuestionData, raw: Any) -> float:
        return parse_number(str(raw))

    def accept(self, q: QuestionData, raw: Any) -> None:
        # Text that is not a number is the learner's wrong answer, not a tampered form.
        if not isinstance(raw, str) or len(raw) > 100:
            raise InvalidResponse("a number is typed as text of at most 100 characters")

    def right_answers(self, q: QuestionData) -> list[str]:
        return [f"{a.value:g} ± {a.tolerance:g}" if a.tolerance else f"{a.value:g}"
                for a in q.numeric if a.fraction >= 1 - EPSILON]

    def _describe(self, q: QuestionData, response: Any) -> list[str]:
        return [f"{response:g}"]

    def model_response(self, q: QuestionData) -> Any:
        return f"{next(a.value for a in q.numeric if a.fraction >= 1 - EPSILON):g}"

    def grade(self, q: QuestionData, response: float) -> Grade:
        return _best([a for a in q.numeric if abs(response - a.value) <= a.tolerance + EPSILON])


@register
class Matching(QuestionType):
    """Match each prompt with an answer; credit is the share of right matches."""

    key = "matching"

    def problems(self, q: QuestionData) -> list[str]:
        prompts = [p for p in q.pairs if p.prompt]
        if len(prompts) < 2:
            return ["needs at least two pairs"]
        return []

    def answers(self, q: QuestionData) -> list[str]:
        """The distinct answers to pick from (extra answers without a prompt are distractors)."""
        return sorted({p.answer for p in q.pairs})

    def clean(self, q: QuestionData, raw: Any) -> dict[int, int]:
        if not isinstance(raw, Mapping):
            raise InvalidResponse("matching needs one answer per prompt")
        answers = len(self.answers(q))
        return {_index(k, len(q.pairs)): _index(v, answers) for k, v in raw.items()}

    def right_answers(self, q: QuestionData) -> list[str]:
        return [f"{p.prompt} → {p.answer}" for p in q.pairs if p.prompt]

    def model_response(self, q: QuestionData) -> Any:
        answers = self.answers(q)
        return {str(i): str(answers.index(p.answer)) for i, p in enumerate(q.pairs) if p.prompt}

    def _describe(self, q: QuestionData, response: Any) -> list[str]:
        answers = self.answers(q)
        return [f"{q.pairs[i].prompt} → {answers[a]}" for i, a in sorted(response.items())]

    def read_form(self, q: QuestionData, values: FormValues, name: str, token: str) -> Any:
        picked = {}
        for i, pair in enumerate(q.pairs):
            given = [v for v in values(f"{name}-{i}") if v != ""] if pair.prompt else []
            if given:
                picked[str(i)] = _from_choice_value(token, given[0])
        return picked or None

    def grade(self, q: QuestionData, response: dict[int, int]) -> Grade:
        answers = self.answers(q)
        prompts = [i for i, p in enumerate(q.pairs) if p.prompt]
        right = sum(1 for i in prompts
                    if i in response and answers[response[i]] == q.pairs[i].answer)
        return Grade(right / len(prompts))

    def public(self, q: QuestionData, rng: random.Random | None = None) -> dict[str, Any]:
        answers = self.answers(q)
        order = _ordered(len(answers), rng)
        prompts = [(i, p.prompt) for i, p in enumerate(q.pairs) if p.prompt]
        return {**super().public(q), "prompts": prompts,
                "answers": [(i, answers[i]) for i in order]}


def problems(q: QuestionData) -> list[str]:
    """Authoring problems of *q*, including an unknown kind or an empty text."""
    if q.kind not in REGISTRY:
        return [f"unknown question type {q.kind!r}"]
    found = [] if q.text.strip() else ["the question has no text"]
    return found + question_type(q.kind).problems(q)



def to_json(q: QuestionData) -> dict[str, Any]:
    """The question as plain JSON values, for the database."""
    return asdict(q)


def from_json(data: Mapping[str, Any]) -> QuestionData:
    """Rebuild a question stored with :func:`to_json`."""
    values = dict(data)
    values["choices"] = [Choice(**c) for c in values.get("choices", [])]
    values["numeric"] = [NumericAnswer(**a) for a in values.get("numeric", [])]
    values["pairs"] = [MatchPair(**p) for p in values.get("pairs", [])]
    return QuestionData(**values)
