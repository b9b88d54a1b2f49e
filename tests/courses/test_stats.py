"""Quiz statistics: grading over attempts, facility and discrimination, score bins, chart bars."""

from __future__ import annotations

import math
import random
import statistics

import pytest

from portal.courses.stats import (
    AttemptResult,
    Bar,
    Bin,
    GradingMethod,
    QuestionStats,
    bars,
    distribution,
    flags,
    overall,
    question_stats,
)


def attempt(marks: dict[int, float], picks: dict[int, list[str]] | None = None) -> AttemptResult:
    """An attempt whose questions weigh the same, so its score is the mean mark."""
    return AttemptResult(score=sum(marks.values()) / len(marks), marks=marks, picks=picks or {})


# --- grading over attempts ------------------------------------------------------------------

@pytest.mark.parametrize(("method", "expected"), [
    (GradingMethod.highest, 0.9),
    (GradingMethod.average, (0.4 + 0.9 + 0.6) / 3),
    (GradingMethod.first, 0.4),
    (GradingMethod.last, 0.6),
])
def test_each_grading_method_over_three_attempts(method: GradingMethod, expected: float) -> None:
    assert overall(method, [0.4, 0.9, 0.6]) == pytest.approx(expected)


@pytest.mark.parametrize("method", list(GradingMethod))
def test_no_finished_attempt_means_no_grade_not_zero(method: GradingMethod) -> None:
    assert overall(method, []) is None


@pytest.mark.parametrize("method", list(GradingMethod))
def test_a_single_attempt_is_the_grade_by_every_method(method: GradingMethod) -> None:
    assert overall(method, [0.7]) == 0.7


def test_grading_methods_are_stored_as_plain_words() -> None:
    assert [m.value for m in GradingMethod] == ["highest", "average", "first", "last"]
    assert GradingMethod("average") is GradingMethod.average
    assert overall(GradingMethod("last"), [0.2, 0.0]) == 0.0


# --- facility, discrimination, picks --------------------------------------------------------

# Four attempts at three questions that weigh the same:
#
#   attempt  q1  q2  q3  score   rest for q1  rest for q2  rest for q3
#   A1        1   1   1   3/3        1            1            1
#   A2        1   1   0   2/3        0.5          0.5          1
#   A3        0   1   0   1/3        0.5          0            0.5
#   A4        0   0   0   0          0            0            0
#
# q1: x = 1 1 0 0 (mean .5), y = 1 .5 .5 0 (mean .5)
#     dx = .5 .5 -.5 -.5, dy = .5 0 0 -.5
#     Sxy = .25 + 0 + 0 + .25 = .5, Sxx = 1, Syy = .5, r = .5 / sqrt(1 * .5) = 1/sqrt(2) = .7071
# q2: x = 1 1 1 0 (mean .75), y = 1 .5 0 0 (mean .375)
#     dx = .25 .25 .25 -.75, dy = .625 .125 -.375 -.375
#     Sxy = .15625 + .03125 - .09375 + .28125 = .375
#     Sxx = 3 * .0625 + .5625 = .75, Syy = .390625 + .015625 + .140625 + .140625 = .6875
#     r = .375 / sqrt(.75 * .6875) = .375 / sqrt(33/64) = 3/sqrt(33) = .5222
# q3: x = 1 0 0 0 (mean .25), y = 1 1 .5 0 (mean .625)
#     dx = .75 -.25 -.25 -.25, dy = .375 .375 -.125 -.625
#     Sxy = .28125 - .09375 + .03125 + .15625 = .375, Sxx = .75, Syy = .6875, r = 3/sqrt(33)
FOUR_ATTEMPTS = [
    attempt({1: 1, 2: 1, 3: 1}, {1: ["Article 5"], 2: ["a", "b"], 3: ["yes"]}),
    attempt({1: 1, 2: 1, 3: 0}, {1: ["Article 5"], 2: ["b", "a"], 3: ["no"]}),
    attempt({1: 0, 2: 1, 3: 0}, {1: ["Article 7"], 2: ["b", "c"], 3: []}),
    attempt({1: 0, 2: 0, 3: 0}, {1: [], 2: ["c"]}),
]


def test_facility_and_discrimination_computed_by_hand() -> None:
    report = question_stats(FOUR_ATTEMPTS)

    assert [q.question_id for q in report] == [1, 2, 3]
    assert [q.attempts for q in report] == [4, 4, 4]
    assert [q.facility for q in report] == [0.5, 0.75, 0.25]
    assert report[0].discrimination == pytest.approx(1 / math.sqrt(2))
    assert report[1].discrimination == pytest.approx(3 / math.sqrt(33))
    assert report[2].discrimination == pytest.approx(3 / math.sqrt(33))


def test_picks_count_attempts_most_picked_first_ties_by_label() -> None:
    q1, q2, q3 = question_stats(FOUR_ATTEMPTS)

    assert q1.picks == [("Article 5", 2), ("Article 7", 1)]  # the unanswered attempt adds none
    assert q2.picks == [("b", 3), ("a", 2), ("c", 2)]
    assert q3.picks == [("no", 1), ("yes", 1)]


def test_a_label_listed_twice_in_one_attempt_counts_once() -> None:
    (q,) = question_stats([attempt({1: 1}, {1: ["a", "a"]}), attempt({1: 0}, {1: ["a"]})])

    assert q.picks == [("a", 2)]


def test_a_question_strong_learners_miss_discriminates_negatively() -> None:
    # Two questions, so the rest of each attempt is the other question's mark:
    # q1 x = 1 1 0 0 against rest 0 0 1 1 -> r = -1.
    report = question_stats([attempt({1: 1, 2: 0}), attempt({1: 1, 2: 0}),
                             attempt({1: 0, 2: 1}), attempt({1: 0, 2: 1})])

    discrimination = report[0].discrimination
    assert discrimination == pytest.approx(-1.0)
    assert discrimination is not None
    assert discrimination >= -1.0  # clamped, never -1.0000000000000002


def test_questions_drawn_at_random_count_only_the_attempts_that_had_them() -> None:
    report = question_stats([
        attempt({1: 1, 2: 1}),
        attempt({1: 0, 3: 1}),
        attempt({2: 0, 3: 0}),
        attempt({4: 1}),  # a single question: no rest of the attempt to compare with
        attempt({4: 0}),
    ])

    by_id = {q.question_id: q for q in report}
    assert sorted(by_id) == [1, 2, 3, 4]
    assert [by_id[i].attempts for i in (1, 2, 3, 4)] == [2, 2, 2, 2]
    assert by_id[4].facility == 0.5
    assert by_id[4].discrimination is None


def test_no_discrimination_with_one_attempt_or_without_variance() -> None:
    one = question_stats([attempt({1: 1, 2: 0})])[0]
    everybody_right = question_stats([attempt({1: 1, 2: 1}), attempt({1: 1, 2: 0}),
                                      attempt({1: 1, 2: 0.5})])[0]
    same_rest = question_stats([attempt({1: 1, 2: 1}), attempt({1: 0, 2: 1})])[0]

    assert one.discrimination is None
    assert everybody_right.facility == 1.0
    assert everybody_right.discrimination is None
    assert same_rest.discrimination is None  # the other question is constant


def test_float_noise_is_not_read_as_variance() -> None:
    # Every attempt got 0.1 on question 1. Python 3.11's statistics.correlation finds no
    # constant here (the mean of three 0.1s is not exactly 0.1) and answers 0.0 instead of
    # raising; the report must say "unknown", as for any question everybody got the same mark.
    marks = [{1: 0.1, 2: 0.0}, {1: 0.1, 2: 0.5}, {1: 0.1, 2: 1.0}]

    report = question_stats([attempt(m) for m in marks])

    assert report[0].discrimination is None


def test_discrimination_agrees_with_the_stdlib_on_a_random_quiz() -> None:
    rng = random.Random(20240601)
    results = [attempt({q: rng.choice([0.0, 0.5, 1.0]) for q in range(1, 7)})
               for _ in range(40)]

    report = question_stats(results)

    for q in report:
        xs = [r.marks[q.question_id] for r in results]
        rest = [(r.score * 6 - r.marks[q.question_id]) / 5 for r in results]
        assert q.discrimination == pytest.approx(statistics.correlation(xs, rest))
        assert q.facility == pytest.approx(statistics.fmean(xs))


def test_no_attempts_no_report() -> None:
    assert question_stats([]) == []


# --- flags ----------------------------------------------------------------------------------

def stats(facility: float, discrimination: float | None) -> QuestionStats:
    return QuestionStats(question_id=1, attempts=30, facility=facility,
                         discrimination=discrimination, picks=[])


@pytest.mark.parametrize(("facility", "discrimination", "expected"), [
    (0.6, 0.45, []),
    (0.2, 0.2, []),  # the thresholds themselves are fine
    (0.95, None, []),
    (0.1, 0.5, ["too_hard"]),
    (0.99, 0.3, ["too_easy"]),
    (0.7, 0.1, ["weak_discrimination"]),
    (0.7, 0.0, ["weak_discrimination"]),
    (0.7, -0.3, ["negative_discrimination"]),
    (0.05, -0.4, ["too_hard", "negative_discrimination"]),
    (1.0, None, ["too_easy"]),
])
def test_flags_name_questions_to_review(facility: float, discrimination: float | None,
                                        expected: list[str]) -> None:
    assert flags(stats(facility, discrimination)) == expected


def test_flags_of_the_hand_computed_quiz() -> None:
    report = question_stats(FOUR_ATTEMPTS)

    assert [flags(q) for q in report] == [[], [], []]


# --- score distribution ---------------------------------------------------------------------

def test_scores_fall_in_ten_percent_bins_bounds_included_below() -> None:
    result = distribution([0.0, 0.1, 0.15, 0.57, 0.9, 0.999, 1.0])

    assert [(b.low, b.high) for b in result] == [(i, i + 10) for i in range(0, 100, 10)]
    assert [b.count for b in result] == [1, 2, 0, 0, 0, 1, 0, 0, 0, 3]


def test_a_score_just_below_a_bound_stays_below_it() -> None:
    assert [b.count for b in distribution([0.0999])][:2] == [1, 0]


def test_float_products_do_not_move_scores_across_a_bound() -> None:
    # 0.57 * 100 is 56.99999999999999 in floats; it still belongs to 57-58.
    result = distribution([0.57, 0.29], bins=100)

    assert [(b.low, b.count) for b in result if b.count] == [(29, 1), (57, 1)]


def test_no_scores_gives_empty_bins() -> None:
    assert distribution([], bins=4) == [Bin(0, 25, 0), Bin(25, 50, 0), Bin(50, 75, 0),
                                        Bin(75, 100, 0)]


def test_bins_that_do_not_divide_a_hundred_round_their_labels() -> None:
    result = distribution([1 / 3, 2 / 3, 1.0], bins=3)

    assert result == [Bin(0, 33, 0), Bin(33, 67, 1), Bin(67, 100, 2)]


@pytest.mark.parametrize("score", [-0.01, 1.01, math.nan])
def test_a_score_outside_zero_to_one_is_a_bug(score: float) -> None:
    with pytest.raises(ValueError, match="outside"):
        distribution([score])


def test_at_least_one_bin() -> None:
    with pytest.raises(ValueError, match="bins"):
        distribution([0.5], bins=0)


# --- chart bars -----------------------------------------------------------------------------

def test_bars_share_the_width_and_sit_on_the_bottom() -> None:
    chart = bars([Bin(0, 25, 1), Bin(25, 50, 4), Bin(50, 75, 0), Bin(75, 100, 2)],
                 width=400, height=200)

    assert chart == [
        Bar(x=0, y=150, width=100, height=50, label="0-25%", count=1),
        Bar(x=100, y=0, width=100, height=200, label="25-50%", count=4),  # the tallest fills
        Bar(x=200, y=200, width=100, height=0, label="50-75%", count=0),
        Bar(x=300, y=100, width=100, height=100, label="75-100%", count=2),
    ]
    assert all(bar.y + bar.height == 200 for bar in chart)


def test_default_chart_of_ten_bins() -> None:
    chart = bars(distribution([0.95, 0.35]))

    assert len(chart) == 10
    assert [bar.x for bar in chart] == pytest.approx([60 * i for i in range(10)])
    assert {bar.width for bar in chart} == {60}
    assert [bar.height for bar in chart if bar.count] == [200, 200]


def test_all_zero_counts_draw_zero_height_bars() -> None:
    chart = bars(distribution([], bins=5))

    assert [(bar.height, bar.y) for bar in chart] == [(0, 200)] * 5


def test_no_bins_no_bars() -> None:
    assert bars([]) == []
