"""Grading throughput: finished attempts per second for a 50-question quiz of mixed types.

Prints figures; the goal (issue 3) is well under 50 ms to grade one finished attempt.
Run: .venv/bin/python bench/grading.py [ATTEMPTS]
"""

from __future__ import annotations

import random
import statistics
import sys
import time

from portal.courses.questions import (
    Choice,
    MatchPair,
    NumericAnswer,
    QuestionData,
    grade,
    question_type,
)


def quiz(rng: random.Random) -> list[QuestionData]:
    """Fifty questions, the six types in turn."""
    made: list[QuestionData] = []
    for n in range(50):
        kind = ("single", "multiple", "truefalse", "short", "numerical", "matching")[n % 6]
        if kind == "single":
            q = QuestionData(kind, f"Q{n}", choices=[Choice(f"c{i}", 1.0 if i == 0 else 0.0,
                                                            f"f{i}") for i in range(5)])
        elif kind == "multiple":
            q = QuestionData(kind, f"Q{n}", choices=[Choice(f"c{i}", 0.5 if i < 2 else -0.5)
                                                     for i in range(6)])
        elif kind == "truefalse":
            q = QuestionData(kind, f"Q{n}", correct=bool(n % 2))
        elif kind == "short":
            q = QuestionData(kind, f"Q{n}", choices=[Choice("Mahalla fuqarolar yigʻini", 1.0),
                                                     Choice("mahalla", 0.5)])
        elif kind == "numerical":
            q = QuestionData(kind, f"Q{n}", numeric=[NumericAnswer(2008, 0.5), NumericAnswer(
                2008, 2, 0.5)])
        else:
            q = QuestionData(kind, f"Q{n}", pairs=[MatchPair(f"p{i}", f"a{i}") for i in range(5)])
        made.append(q)
    rng.shuffle(made)
    return made


def response(q: QuestionData, rng: random.Random) -> object:
    """What a learner might send, as form strings."""
    if q.kind == "single":
        return str(rng.randrange(len(q.choices)))
    if q.kind == "multiple":
        return [str(i) for i in rng.sample(range(len(q.choices)), 2)]
    if q.kind == "truefalse":
        return rng.choice(["true", "false"])
    if q.kind == "short":
        return rng.choice(["mahalla  fuqarolar yig'ini", "Mahalla", "tuman"])
    if q.kind == "numerical":
        return rng.choice(["2008", "2 009,5", "1990"])
    answers = question_type("matching").answers(q)  # type: ignore[attr-defined]
    return {str(i): str(rng.randrange(len(answers))) for i in range(len(q.pairs))}


def main(attempts: int = 2000) -> None:
    rng = random.Random(42)
    questions = quiz(rng)
    sheets = [[response(q, rng) for q in questions] for _ in range(attempts)]
    times = []
    started = time.perf_counter()
    for sheet in sheets:
        t = time.perf_counter()
        total = sum(grade(q, r).fraction for q, r in zip(questions, sheet, strict=True))
        times.append((time.perf_counter() - t) * 1000)
        assert 0 <= total <= len(questions)
    elapsed = time.perf_counter() - started
    times.sort()
    print(f"graded {attempts} attempts of 50 mixed questions in {elapsed:.2f} s")
    print(f"throughput: {attempts / elapsed:,.0f} attempts/s")
    print(f"one attempt: p50 {statistics.median(times):.3f} ms, "
          f"p95 {times[int(len(times) * 0.95) - 1]:.3f} ms, max {times[-1]:.3f} ms")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 2000)
