"""GIFT, Moodle's plain-text question format: parse a file into questions and write them back.

No Flask here: import and export run the same in a request, the CLI or a test. Only GIFT that maps
onto :class:`~portal.courses.questions.QuestionData` is read; anything else (essays, descriptions,
Moodle's "any other number" feedback) is refused with its line number rather than half-imported.
"""

from __future__ import annotations

import bisect
import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from portal.courses.questions import (
    EPSILON,
    Choice,
    MatchPair,
    NumericAnswer,
    QuestionData,
    problems,
)

#: What a missing-word block in the middle of the text becomes.
BLANK = "_____"

#: Format tags and the text format each stands for (Moodle's own format reads as Markdown here).
FORMATS = {"markdown": "markdown", "html": "html", "plain": "plain", "moodle": "markdown"}
_TAG = re.compile(r"\[(markdown|html|plain|moodle)\]")

#: Escaped characters: ``\n`` is a newline, the others stand for themselves.
_ESCAPES = {"~": "~", "=": "=", "#": "#", "{": "{", "}": "}", ":": ":", "\\": "\\", "n": "\n"}
_SPECIAL = str.maketrans({"\\": "\\\\", "~": "\\~", "=": "\\=", "#": "\\#", "{": "\\{",
                          "}": "\\}", ":": "\\:", "\n": "\\n"})

_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")
_WEIGHT = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)")
_CATEGORY = "$CATEGORY:"
#: Moodle's context prefixes mean nothing in the portal, so a category keeps only its path.
_CONTEXT = re.compile(r"\$(?:course|module|system|coursecategory|cat)\$/")
_TRUE = ("T", "TRUE")
_FALSE = ("F", "FALSE")


class GiftError(ValueError):
    """Holds every problem found: a list of (line_number, message)."""

    problems: list[tuple[int, str]]

    def __init__(self, found: Sequence[tuple[int, str]]) -> None:
        """Keep the problems in line order and list them all in the message."""
        self.problems = sorted(found, key=lambda problem: problem[0])
        super().__init__("\n".join(f"line {n}: {message}" for n, message in self.problems))


class _Problem(Exception):
    """One problem at an offset of the question being read; caught and collected by the reader."""

    def __init__(self, offset: int, message: str) -> None:
        """Remember where the problem is and what it is."""
        super().__init__(message)
        self.offset = offset
        self.message = message


def _mask(raw: str) -> str:
    """Blank out escaped characters (same length) so that searches only find the structural ones."""
    out: list[str] = []
    i = 0
    while i < len(raw):
        if raw[i] == "\\" and raw[i + 1:i + 2] in _ESCAPES:
            out.append("\0\0")
            i += 2
        else:
            out.append(raw[i])
            i += 1
    return "".join(out)


def _unescape(raw: str) -> str:
    """Turn GIFT escapes into their characters; an unknown escape (``\\frac``) stays as written."""
    out: list[str] = []
    i = 0
    while i < len(raw):
        if raw[i] == "\\" and raw[i + 1:i + 2] in _ESCAPES:
            out.append(_ESCAPES[raw[i + 1]])
            i += 2
        else:
            out.append(raw[i])
            i += 1
    return "".join(out)


def _strip_tag(value: str) -> str:
    """Drop a format tag before an answer or feedback: the question's own format applies."""
    match = _TAG.match(value)
    return value[match.end():].strip() if match else value


@dataclass(frozen=True)
class _Span:
    """A slice of one question's source: *raw* as written, *mask* with escapes blanked out."""

    raw: str
    mask: str
    start: int

    @classmethod
    def of(cls, raw: str) -> _Span:
        """Wrap a whole question body."""
        return cls(raw, _mask(raw), 0)

    def cut(self, begin: int, end: int | None = None) -> _Span:
        """Return the part from *begin* to *end*, keeping its offset in the question."""
        stop = len(self.raw) if end is None else end
        return _Span(self.raw[begin:stop], self.mask[begin:stop], self.start + begin)

    def find(self, token: str, pos: int = 0) -> int:
        """Find an unescaped *token*; -1 when there is none."""
        return self.mask.find(token, pos)

    def strip(self) -> _Span:
        """Return the span without surrounding whitespace (an escaped character is not space)."""
        begin = len(self.mask) - len(self.mask.lstrip())
        end = len(self.mask.rstrip())
        return self.cut(begin, max(begin, end))

    def split(self, token: str) -> list[_Span]:
        """Split at every unescaped *token*."""
        parts: list[_Span] = []
        begin = 0
        while (at := self.find(token, begin)) >= 0:
            parts.append(self.cut(begin, at))
            begin = at + len(token)
        parts.append(self.cut(begin))
        return parts

    def value(self) -> str:
        """Return the text with escapes resolved, surrounding whitespace kept."""
        return _unescape(self.raw)

    def text(self) -> str:
        """Return an answer or feedback text: unescaped, stripped, without a format tag."""
        return _strip_tag(self.value().strip())


def _answers(span: _Span) -> tuple[_Span, list[_Span]]:
    """Split a block at each unescaped ``=`` or ``~``: the text before, then each marked answer."""
    starts = [i for i, ch in enumerate(span.mask) if ch in "=~"]
    if not starts:
        return span, []
    ends = [*starts[1:], len(span.raw)]
    return span.cut(0, starts[0]), [span.cut(a, b) for a, b in zip(starts, ends, strict=True)]


def _number(token: str, offset: int) -> float:
    """Read a number as GIFT writes it (``-1.5``, ``2e-3``); raises _Problem otherwise."""
    token = token.strip()
    if not token:
        raise _Problem(offset, "a numerical answer is missing its number")
    if not _NUMBER.fullmatch(token):
        raise _Problem(offset, f"{token!r} is not a number (write it like 3.14, -2 or 1.5e3)")
    value = float(token)
    if not math.isfinite(value):
        raise _Problem(offset, f"{token!r} is too large a number")
    return value


class _Reader:
    """Reads one question (its non-comment lines) and collects its problems."""

    def __init__(self, lines: list[tuple[int, str]], category: str) -> None:
        self.category = category
        self.first_line = lines[0][0]
        self.body = "\n".join(text for _, text in lines)
        self.numbers = [number for number, _ in lines]
        self.offsets: list[int] = []
        offset = 0
        for _, text in lines:
            self.offsets.append(offset)
            offset += len(text) + 1
        self.errors: list[tuple[int, str]] = []

    def line(self, offset: int) -> int:
        """Return the file's line number of an offset in the question body."""
        return self.numbers[max(0, bisect.bisect_right(self.offsets, offset) - 1)]

    def report(self, problem: _Problem) -> None:
        """Record a problem with its line number."""
        self.errors.append((self.line(problem.offset), problem.message))

    def read(self) -> QuestionData | None:
        """Return the question, or None when it has problems (then in ``errors``)."""
        try:
            q = self._question()
        except _Problem as problem:
            self.report(problem)
            return None
        if self.errors:
            return None
        found = problems(q)
        self.errors.extend((self.first_line, message) for message in found)
        return None if found else q

    def _question(self) -> QuestionData:
        """Read the name, format tag, text and answer block of the question."""
        span = _Span.of(self.body)
        name = ""
        if span.mask.startswith("::"):
            end = span.find("::", 2)
            if end < 0:
                raise _Problem(0, "the question name has no closing '::'")
            name = span.cut(2, end).value().strip()
            span = span.cut(end + 2)
        span = span.strip()
        text_format = "markdown"
        if tag := _TAG.match(span.mask):
            text_format = FORMATS[tag.group(1)]
            span = span.cut(tag.end())
        opening = span.find("{")
        stray = span.find("}")
        if stray >= 0 and (opening < 0 or stray < opening):
            raise _Problem(span.start + stray, "a '}' without its '{' (write \\} for a brace)")
        if opening < 0:
            raise _Problem(0, "no answer block {...}: descriptions and other items without "
                              "answers cannot be imported")
        closing = span.find("}", opening + 1)
        nested = span.find("{", opening + 1)
        if nested >= 0 and (closing < 0 or nested < closing):
            raise _Problem(span.start + nested,
                           "a '{' inside the answer block: close the block with '}' first, "
                           "or write \\{ for a brace")
        if closing < 0:
            raise _Problem(span.start + opening, "the answer block '{' is never closed with '}'")
        before, block, after = span.cut(0, opening), span.cut(opening + 1, closing), \
            span.cut(closing + 1)
        if (second := after.find("{")) >= 0:
            raise _Problem(after.start + second,
                           "text after the answer block holds a second block; a question has "
                           "one (write \\{ for a brace)")
        if (stray := after.find("}")) >= 0:
            raise _Problem(after.start + stray, "a '}' without its '{' (write \\} for a brace)")
        text = before.value()
        if after.value().strip():
            # Moodle's "missing word": the block stood where the learner fills in the gap.
            text += BLANK + after.value()
        q = QuestionData(kind="", text=text.strip(), name=name, text_format=text_format,
                         category=self.category)
        self._block(block, q, span.start + opening)
        return q

    def _block(self, block: _Span, q: QuestionData, opening: int) -> None:
        """Tell the question type from the answer block and read its answers into *q*."""
        general = block.find("####")
        if general >= 0:
            q.general_feedback = block.cut(general + 4).text()
            block = block.cut(0, general)
        block = block.strip()
        if not block.raw:
            raise _Problem(opening, "essay questions ({} with no answers) are not supported")
        if block.mask.startswith("#"):
            q.kind = "numerical"
            self._numerical(block.cut(1).strip(), q)
            return
        parts = block.split("#")
        # Moodle documents {T} and {TRUE}; a lowercase {true} can only mean the same.
        head = parts[0].value().strip().upper()
        if head in _TRUE or head in _FALSE:
            q.kind = "truefalse"
            self._truefalse(head in _TRUE, parts, q)
            return
        lead, answers = _answers(block)
        if lead.strip().raw:
            if answers:
                raise _Problem(lead.start, "text before the first answer: start each answer "
                                           "with '=' (right) or '~' (wrong)")
            # Moodle reads a lone unmarked answer, {Paris}, as the one accepted short answer.
            answers = [_implicit(lead)]
        if any(a.mask.startswith("~") for a in answers):
            self._choices(answers, q)
        elif any("->" in a.mask for a in answers):
            q.kind = "matching"
            for answer in answers:
                try:
                    q.pairs.append(self._pair(answer))
                except _Problem as problem:
                    self.report(problem)
        else:
            q.kind = "short"
            for answer in answers:
                try:
                    q.choices.append(self._choice(answer)[0])
                except _Problem as problem:
                    self.report(problem)

    def _choices(self, answers: list[_Span], q: QuestionData) -> None:
        """Read a single or multiple choice question's answers and decide which it is."""
        weighted = False
        for answer in answers:
            try:
                choice, explicit = self._choice(answer)
            except _Problem as problem:
                self.report(problem)
                continue
            q.choices.append(choice)
            weighted = weighted or explicit
        has_right = any(a.mask.startswith("=") for a in answers)
        full = any(c.fraction >= 1 - EPSILON for c in q.choices)
        # Moodle makes weights without an '=' answer a "select all that apply" question; weights
        # on '=' answers with none worth 100% can only mean the same.
        q.kind = "multiple" if weighted and not (has_right and full) else "single"

    def _choice(self, answer: _Span) -> tuple[Choice, bool]:
        """Read ``=text`` or ``~%w%text#feedback``; also say whether the weight was written."""
        fraction, rest = self._weight(answer.cut(1))
        main, feedback = self._feedback(rest)
        text = main.text()
        if not text:
            raise _Problem(answer.start, "an empty answer")
        default = 1.0 if answer.mask.startswith("=") else 0.0
        return Choice(text, default if fraction is None else fraction, feedback), \
            fraction is not None

    def _pair(self, answer: _Span) -> MatchPair:
        """Read ``=prompt -> answer`` (an empty prompt is an extra answer)."""
        fraction, body = self._weight(answer.cut(1))
        if fraction is not None:
            raise _Problem(answer.start, "a matching pair takes no weight")
        if body.find("#") >= 0:
            raise _Problem(answer.start, "a matching pair takes no feedback (write \\# for a #)")
        arrow = body.find("->")
        if arrow < 0:
            raise _Problem(answer.start, "a matching answer without '->' (write =prompt -> answer)")
        prompt, match = body.cut(0, arrow).text(), body.cut(arrow + 2).text()
        if not match:
            raise _Problem(answer.start, "a matching pair with nothing after '->'")
        return MatchPair(prompt, match)

    def _numerical(self, body: _Span, q: QuestionData) -> None:
        """Read ``3.14:0.005`` or a list of ``=%w%number#feedback`` answers."""
        lead, answers = _answers(body)
        if not answers:
            answers = [_implicit(lead)]
        elif lead.strip().raw:
            raise _Problem(lead.start, "text before the first numerical answer: start each "
                                       "answer with '='")
        for answer in answers:
            try:
                q.numeric.append(self._numeric(answer))
            except _Problem as problem:
                self.report(problem)

    def _numeric(self, answer: _Span) -> NumericAnswer:
        """Read one numerical answer: ``value``, ``value:tolerance`` or ``low..high``."""
        if answer.mask.startswith("~"):
            raise _Problem(answer.start, "'~' (feedback for any other number) is not supported "
                                         "in numerical questions; write =%0%number#feedback")
        fraction, rest = self._weight(answer.cut(1))
        main, feedback = self._feedback(rest)
        spec = main.value().strip()
        if ".." in spec:
            low_text, high_text = spec.split("..", 1)
            low, high = _number(low_text, answer.start), _number(high_text, answer.start)
            if low > high:
                raise _Problem(answer.start, f"the range {spec} runs backwards: write the "
                                             "smaller number first")
            value, tolerance = (low + high) / 2, (high - low) / 2
        else:
            value_text, colon, tolerance_text = spec.partition(":")
            value = _number(value_text, answer.start)
            tolerance = _number(tolerance_text, answer.start) if colon else 0.0
        if not (math.isfinite(value) and math.isfinite(tolerance)):
            raise _Problem(answer.start, f"{spec!r} is too large a number")
        return NumericAnswer(value, tolerance, 1.0 if fraction is None else fraction, feedback)

    def _truefalse(self, correct: bool, parts: list[_Span], q: QuestionData) -> None:
        """Read ``{T#if answered wrong#if answered right}``."""
        q.correct = correct
        if len(parts) > 3:
            raise _Problem(parts[3].start - 1, "a true/false answer takes at most two feedbacks: "
                                               "{T#if answered wrong#if answered right}")
        wrong = parts[1].text() if len(parts) > 1 else ""
        right = parts[2].text() if len(parts) > 2 else ""
        # GIFT orders feedback by wrong/right; the data keeps it by the answer the learner gave.
        q.feedback_true, q.feedback_false = (right, wrong) if correct else (wrong, right)

    @staticmethod
    def _weight(span: _Span) -> tuple[float | None, _Span]:
        """Read a leading ``%50%`` as the fraction 0.5; None when no weight is written."""
        span = span.strip()
        end = span.find("%", 1)
        if not span.mask.startswith("%") or end < 0:
            return None, span
        token = span.mask[1:end].strip()
        if not _WEIGHT.fullmatch(token):
            raise _Problem(span.start, f"bad weight %{token}%: write a percentage such as %50% "
                                       "or %-33.33333%")
        if not -100 <= float(token) <= 100:
            raise _Problem(span.start, f"weight %{token}% is outside -100% to 100%")
        # Shifting the decimal point in the text gives exactly the fraction written (33.33333% is
        # 0.3333333), where dividing the float by 100 could be one bit off and break round trips.
        return float(token + "e-2"), span.cut(end + 1)

    @staticmethod
    def _feedback(span: _Span) -> tuple[_Span, str]:
        """Split ``answer#feedback``."""
        at = span.find("#")
        if at < 0:
            return span, ""
        return span.cut(0, at), span.cut(at + 1).text()


def _implicit(lead: _Span) -> _Span:
    """Treat unmarked answer text as if it began with '='."""
    # The offset stays the text's own, so a problem is reported on the line where the text is.
    return _Span("=" + lead.raw, "=" + lead.mask, lead.start)


def _chunks(lines: list[str]) -> list[list[tuple[int, str]]]:
    """Group numbered, stripped lines into questions: blank lines separate, comments vanish."""
    chunks: list[list[tuple[int, str]]] = []
    chunk: list[tuple[int, str]] = []
    for number, line in enumerate(lines, 1):
        stripped = line.strip()
        if not stripped:
            if chunk:
                chunks.append(chunk)
            chunk = []
        elif not stripped.startswith("//"):
            chunk.append((number, stripped))
    if chunk:
        chunks.append(chunk)
    return chunks


def _category(value: str) -> str:
    """Return a ``$CATEGORY:`` path without Moodle's context prefix."""
    value = value.strip()
    context = _CONTEXT.match(value)
    return value[context.end():] if context else value


def parse(text: str) -> list[QuestionData]:
    """Parse a whole GIFT file; raises GiftError listing every problem (nothing partial)."""
    text = text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    questions: list[QuestionData] = []
    errors: list[tuple[int, str]] = []
    category = ""
    for chunk in _chunks(text.split("\n")):
        while chunk and chunk[0][1].startswith(_CATEGORY):
            category = _category(chunk[0][1][len(_CATEGORY):])
            chunk = chunk[1:]
        if not chunk:
            continue
        reader = _Reader(chunk, category)
        question = reader.read()
        errors.extend(reader.errors)
        if question is not None:
            questions.append(question)
    if errors:
        raise GiftError(errors)
    return questions


# Writing ---------------------------------------------------------------------------------------


def _escape(value: str) -> str:
    """Escape GIFT's special characters and newlines."""
    return value.translate(_SPECIAL)


def _side(value: str, text_format: str) -> str:
    """Escape an answer or feedback text; a real tag shields one that looks like a tag or weight."""
    escaped = _escape(value)
    return f"[{text_format}]{escaped}" if _TAG.match(value) or value.startswith("%") else escaped


def _number_text(value: float) -> str:
    """Write the shortest text that reads back as exactly *value* (no trailing ``.0``)."""
    return repr(float(value)).removesuffix(".0")


def _percent(fraction: float) -> str:
    """Write a fraction as the percentage that :meth:`_Reader._weight` reads back exactly."""
    return format(Decimal(repr(float(fraction))).scaleb(2), "f")


def _unwritable(q: QuestionData) -> list[str]:
    """What GIFT cannot hold or parse() would not read back alike (beyond ``problems(q)``)."""
    found: list[str] = []
    if q.text_format not in ("markdown", "html", "plain"):
        found.append(f"unknown text format {q.text_format!r}")
    if "\n" in q.category:
        found.append("a category cannot span lines")
    if q.kind in ("single", "multiple", "short"):
        if any(not c.text.strip() for c in q.choices):
            found.append("an empty answer")
        if any(not -1 <= c.fraction <= 1 for c in q.choices):
            found.append("a weight outside -100% to 100%")
    if q.kind == "short" and any("->" in c.text for c in q.choices):
        found.append("a short answer with '->' would read back as a matching question")
    if q.kind == "matching":
        if any("->" in p.prompt for p in q.pairs):
            found.append("a matching prompt cannot contain '->'")
        if any(not p.answer.strip() for p in q.pairs):
            found.append("a matching pair with an empty answer")
    if q.kind == "numerical":
        numbers = [x for a in q.numeric for x in (a.value, a.tolerance)]
        if not all(math.isfinite(x) for x in numbers):
            found.append("a numerical answer that is not a finite number")
        if any(not -1 <= a.fraction <= 1 for a in q.numeric):
            found.append("a weight outside -100% to 100%")
    return found


def _lines(lines: list[str], q: QuestionData) -> str:
    """Write an answer block with one answer a line, as Moodle's own export does."""
    if q.general_feedback:
        lines = [*lines, "####" + _side(q.general_feedback, q.text_format)]
    return "{\n" + "".join(f"\t{line}\n" for line in lines) + "}"


def _with_feedback(line: str, feedback: str, text_format: str) -> str:
    """Append ``#feedback`` to an answer when there is feedback."""
    return line + "#" + _side(feedback, text_format) if feedback else line


def _choices_block(q: QuestionData) -> str:
    """Write the block of a single, multiple or short answer question."""
    fmt = q.text_format
    lines: list[str] = []
    right = next((i for i, c in enumerate(q.choices) if c.fraction >= 1 - EPSILON), -1)
    for i, c in enumerate(q.choices):
        if q.kind == "multiple":
            line = f"~%{_percent(c.fraction)}%"
        elif q.kind == "short" or i == right:
            line = "=" if c.fraction == 1 else f"=%{_percent(c.fraction)}%"
        else:
            # One '=' is enough to keep a single choice single; further right answers are weighted.
            line = "~" if c.fraction == 0 else f"~%{_percent(c.fraction)}%"
        lines.append(_with_feedback(line + _side(c.text, fmt), c.feedback, fmt))
    return _lines(lines, q)


def _matching_block(q: QuestionData) -> str:
    """Write the block of a matching question."""
    fmt = q.text_format
    return _lines([f"={_side(p.prompt, fmt)} -> {_side(p.answer, fmt)}" for p in q.pairs], q)


def _numerical_block(q: QuestionData) -> str:
    """Write ``{#value:tolerance}``, or one ``=%w%value:tolerance`` a line when several."""
    fmt = q.text_format
    specs: list[str] = []
    for a in q.numeric:
        spec = _number_text(a.value)
        if a.tolerance:
            spec += ":" + _number_text(a.tolerance)
        specs.append(_with_feedback(spec, a.feedback, fmt))
    if len(q.numeric) == 1 and q.numeric[0].fraction == 1:
        general = f" ####{_side(q.general_feedback, fmt)}" if q.general_feedback else ""
        return "{#" + specs[0] + general + "}"
    lines = ["=" + ("" if a.fraction == 1 else f"%{_percent(a.fraction)}%") + spec
             for a, spec in zip(q.numeric, specs, strict=True)]
    return "{#\n" + _lines(lines, q)[2:]


def _truefalse_block(q: QuestionData) -> str:
    """Write ``{TRUE#if answered wrong#if answered right}``."""
    fmt = q.text_format
    right, wrong = (q.feedback_true, q.feedback_false) if q.correct else \
        (q.feedback_false, q.feedback_true)
    block = "{TRUE" if q.correct else "{FALSE"
    if wrong or right:
        block += "#" + _side(wrong, fmt)
    if right:
        block += "#" + _side(right, fmt)
    if q.general_feedback:
        block += " ####" + _side(q.general_feedback, fmt)
    return block + "}"


_BLOCKS = {"single": _choices_block, "multiple": _choices_block, "short": _choices_block,
           "matching": _matching_block, "numerical": _numerical_block,
           "truefalse": _truefalse_block}


def _question(q: QuestionData) -> str:
    """Write one question: name, format tag, text and its answer block."""
    head = f"::{_escape(q.name)}:: " if q.name else ""
    if (q.text_format != "markdown" or _TAG.match(q.text)
            or (not q.name and q.text.startswith("//"))):
        # A text that starts like a tag or a comment line needs a real tag in front of it.
        head += f"[{q.text_format}]"
    block = _BLOCKS[q.kind](q)
    at = q.text.find(BLANK)
    if at >= 0 and q.text[at + len(BLANK):].strip():
        # Put the block back in the gap, so Moodle shows a missing-word question too.
        return head + _escape(q.text[:at]) + block + _escape(q.text[at + len(BLANK):])
    return f"{head}{_escape(q.text)} {block}"


def _category_line(category: str) -> str:
    """Write the ``$CATEGORY:`` line that parse() reads back as *category*."""
    # A category that itself starts like a Moodle context gets one, so parse() strips only that.
    prefix = "$course$/" if _CONTEXT.match(category) else ""
    return f"{_CATEGORY} {prefix}{category}".rstrip()


def dump(questions: Iterable[QuestionData]) -> str:
    """Write questions as GIFT that parse() reads back to equal data."""
    parts: list[str] = []
    refused: list[str] = []
    category = ""
    for number, q in enumerate(questions, 1):
        found = problems(q)
        found += _unwritable(q) if not found else []
        if found:
            refused.extend(f"question {number} {q.name!r}: {message}" for message in found)
            continue
        if q.category != category:
            parts.append(_category_line(q.category))
            category = q.category
        parts.append(_question(q))
    if refused:
        raise ValueError("cannot write as GIFT:\n" + "\n".join(refused))
    return "\n\n".join(parts) + "\n" if parts else ""
