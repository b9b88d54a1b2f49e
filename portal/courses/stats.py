"""Quiz statistics: the grade over several attempts and the figures of a quiz report.

Pure functions on plain values (no Flask, no database), after Moodle's quiz statistics:

* :func:`overall` turns the scores of a learner's finished attempts into one grade.
* :func:`question_stats` gives per question the *facility index* (how easy it was) and the
  *discrimination index* (whether it separates strong learners from weak ones), with what the
  learners picked; :func:`flags` names the questions a trainer should look at again.
* :func:`distribution` and :func:`bars` count the scores in percent bins and lay them out as an
  SVG bar chart.

Scores and marks are fractions from 0.0 to 1.0.
"""

from __future__ import annotations

import math
import statistics
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

#: Below this facility index a question is "too hard": fewer than 1 learner in 5 gets it right.
TOO_HARD = 0.2
#: Above this facility index a question is "too easy": it tells nothing about anyone.
TOO_EASY = 0.95
#: Below this discrimination index a question hardly separates strong learners from weak ones.
WEAK_DISCRIMINATION = 0.2

# Marks and scores are fractions such as 1/3; float arithmetic leaves noise in the last digits
# (2/3 * 3 - 1 is not exactly 1). Rounding to this many digits before comparing or binning keeps
# values that are equal on paper equal, so the noise is never read as variance.
_DIGITS = 9


class GradingMethod(StrEnum):
    """How a quiz that allows several attempts turns them into one grade (as in Moodle)."""

    highest = "highest"
    average = "average"
    first = "first"
    last = "last"


def overall(method: GradingMethod, scores: Sequence[float]) -> float | None:
    """The grade of a learner by *method* from the scores of their finished attempts.

    *scores* are in the order the attempts were started. ``None`` when there is no finished
    attempt yet (no grade, which is not the same as a grade of 0).
    """
    if not scores:
        return None
    method = GradingMethod(method)
    if method is GradingMethod.highest:
        return max(scores)
    if method is GradingMethod.average:
        return math.fsum(scores) / len(scores)
    if method is GradingMethod.first:
        return scores[0]
    return scores[-1]


@dataclass(frozen=True)
class AttemptResult:
    """One finished attempt, as the report needs it."""

    score: float
    """The whole attempt, 0..1."""
    marks: Mapping[int, float]
    """Question id -> mark (fraction 0..1) for each question this attempt had."""
    picks: Mapping[int, Sequence[str]]
    """Question id -> labels of what the learner chose or answered (empty when unanswered)."""


@dataclass(frozen=True)
class QuestionStats:
    """The report line of one question.

    How a trainer reads it:

    * ``facility`` is the mean mark: 0.9 means learners got 90 % of it. Below 0.2 the question
      is too hard (or its key is wrong); above 0.95 it is too easy and tells nothing about anyone.
      Something in between, around 0.3-0.9, is what a training quiz wants.
    * ``discrimination`` says whether the learners who do well on the rest of the quiz also do
      well on this question (Pearson correlation, -1..1). Above about 0.3 the question separates
      strong learners from weak ones well; below 0.2 it hardly does (a guessable or ambiguous
      question). A *negative* value means strong learners get it wrong more often than weak
      ones: most often a wrong answer key or a misleading wording. ``None`` when it cannot be
      computed (fewer than 2 attempts, or everybody got the same mark).
    * ``picks`` shows which answers drew the learners, e.g. one wrong choice that most took.

    With few attempts (say under 20) both indexes jump around; weigh them by ``attempts``.
    """

    question_id: int
    attempts: int
    """How many attempts had this question."""
    facility: float
    """Mean mark, 0..1 (Moodle's facility index)."""
    discrimination: float | None
    """Correlation of this question's mark with the score on the rest of the attempt."""
    picks: list[tuple[str, int]]
    """Each label with how many attempts picked it, most picked first, ties by label."""


def _rest_of_attempt(result: AttemptResult, mark: float) -> float | None:
    """The attempt's score without one question, each question weighing the same.

    ``None`` when the attempt had only this question (there is no rest to compare with).
    """
    n = len(result.marks)
    if n < 2:
        return None
    return (result.score * n - mark) / (n - 1)


def _pearson(xs: Sequence[float], ys: Sequence[float]) -> float | None:
    """Pearson correlation of *xs* and *ys*, ``None`` for fewer than 2 pairs or a constant."""
    xs = [round(x, _DIGITS) for x in xs]
    ys = [round(y, _DIGITS) for y in ys]
    # statistics.correlation raises for an exactly constant input, but float noise in the mean
    # can make it return a number (e.g. 0.0 for [0.1, 0.1, 0.1]): check constants ourselves.
    if len(xs) < 2 or len(set(xs)) < 2 or len(set(ys)) < 2:
        return None
    try:
        r = statistics.correlation(xs, ys)
    except statistics.StatisticsError:
        return None
    return max(-1.0, min(1.0, r))


def question_stats(results: Sequence[AttemptResult]) -> list[QuestionStats]:
    """Facility, discrimination and picks of every question seen in *results*, by question id.

    A question counts for an attempt when it is in that attempt's ``marks`` (random questions
    mean attempts need not share the same questions). The discrimination index correlates the
    question's mark with the rest of the attempt, ``(score * n - mark) / (n - 1)`` for an
    attempt of ``n`` questions, so the question is not correlated with itself; attempts of a
    single question are left out of it.
    """
    marks: dict[int, list[float]] = defaultdict(list)
    pairs: dict[int, list[tuple[float, float]]] = defaultdict(list)
    picked: dict[int, Counter[str]] = defaultdict(Counter)
    for result in results:
        for question_id, mark in result.marks.items():
            marks[question_id].append(mark)
            rest = _rest_of_attempt(result, mark)
            if rest is not None:
                pairs[question_id].append((mark, rest))
            # A label counts once per attempt, even if a multiple-answer question lists it twice.
            picked[question_id].update(set(result.picks.get(question_id, ())))

    report = []
    for question_id in sorted(marks):
        question_pairs = pairs[question_id]
        report.append(QuestionStats(
            question_id=question_id,
            attempts=len(marks[question_id]),
            facility=math.fsum(marks[question_id]) / len(marks[question_id]),
            discrimination=_pearson([m for m, _ in question_pairs],
                                    [r for _, r in question_pairs]),
            picks=sorted(picked[question_id].items(), key=lambda item: (-item[1], item[0])),
        ))
    return report


def flags(stats: QuestionStats) -> list[str]:
    """Short keys of what looks wrong with a question, for a trainer to review; empty if nothing.

    * ``too_hard``: facility below 0.2;
    * ``too_easy``: facility above 0.95;
    * ``negative_discrimination``: strong learners get it wrong more than weak ones, most likely
      a wrong answer key or a misleading wording;
    * ``weak_discrimination``: discrimination from 0 up to (not including) 0.2.

    No discrimination flag when the index could not be computed (``None``).
    """
    found = []
    if stats.facility < TOO_HARD:
        found.append("too_hard")
    elif stats.facility > TOO_EASY:
        found.append("too_easy")
    if stats.discrimination is not None:
        if stats.discrimination < 0:
            found.append("negative_discrimination")
        elif stats.discrimination < WEAK_DISCRIMINATION:
            found.append("weak_discrimination")
    return found


@dataclass(frozen=True)
class Bin:
    """Scores from ``low`` % (included) up to ``high`` % (excluded; the last bin includes 100)."""

    low: int
    high: int
    count: int


def distribution(scores: Sequence[float], bins: int = 10) -> list[Bin]:
    """How many *scores* (0..1) fall in each of *bins* equal percent ranges.

    A score on a boundary goes to the higher bin (0.1 counts in 10-20), except 1.0, which
    counts in the last one. With *bins* not dividing 100 the bounds are rounded to whole percent
    for display; scores are still placed by the exact bounds.
    """
    if bins < 1:
        raise ValueError(f"bins must be at least 1, not {bins}")
    counts = [0] * bins
    for score in scores:
        if not 0.0 <= round(score, _DIGITS) <= 1.0:
            raise ValueError(f"score {score!r} is outside 0..1")
        # round() first: 0.57 * 100 is 56.99999999999999, which belongs to 57-58.
        index = math.floor(round(score * bins, _DIGITS))
        counts[max(0, min(bins - 1, index))] += 1
    return [Bin(low=round(i * 100 / bins), high=round((i + 1) * 100 / bins), count=count)
            for i, count in enumerate(counts)]


@dataclass(frozen=True)
class Bar:
    """One bar of an SVG chart, in user units: y grows downwards, as in SVG."""

    x: float
    y: float
    width: float
    height: float
    label: str
    count: int


def bars(distribution: Sequence[Bin], width: float = 600, height: float = 200) -> list[Bar]:
    """Rectangles of a bar chart of *distribution* in a *width* x *height* SVG viewport.

    The bars share the width equally and touch (a histogram), sit on the bottom edge, and the
    tallest bar fills *height*. When every count is zero all bars have zero height.
    Labels read like ``"10-20%"``.
    """
    if not distribution:
        return []
    bar_width = width / len(distribution)
    tallest = max(b.count for b in distribution)
    chart = []
    for i, b in enumerate(distribution):
        bar_height = height * b.count / tallest if tallest else 0.0
        chart.append(Bar(x=i * bar_width, y=height - bar_height, width=bar_width,
                         height=bar_height, label=f"{b.low}-{b.high}%", count=b.count))
    return chart
