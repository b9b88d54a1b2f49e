"""Question types: authoring checks, server-side grading, and what the browser may see."""

from __future__ import annotations

import random

import pytest

from portal.courses.questions import (
    REGISTRY,
    Choice,
    InvalidResponse,
    MatchPair,
    NumericAnswer,
    QuestionData,
    grade,
    problems,
    question_type,
)


def single() -> QuestionData:
    return QuestionData("single", "Which law protects children's rights?", choices=[
        Choice("ZRU-139", 1.0, "Yes: 7 January 2008."),
        Choice("The Tax Code", 0.0, "No."),
        Choice("The Family Code", 0.25, "Partly: it covers family matters."),
    ])


def multiple() -> QuestionData:
    return QuestionData("multiple", "Who works in the mahalla team?", choices=[
        Choice("The prevention inspector", 0.5),
        Choice("The mahalla chair", 0.5),
        Choice("A tax auditor", -0.5, "Not part of the team."),
        Choice("A football coach", -1.0),
    ])


def test_every_type_of_the_issue_is_registered() -> None:
    assert set(REGISTRY) == {"single", "multiple", "truefalse", "short", "numerical", "matching"}


@pytest.mark.parametrize(("answer", "fraction", "feedback"), [
    ("0", 1.0, ("Yes: 7 January 2008.",)),
    ("1", 0.0, ("No.",)),
    ("2", 0.25, ("Partly: it covers family matters.",)),
])
def test_single_choice_gives_the_choice_credit_and_feedback(answer, fraction, feedback) -> None:
    result = grade(single(), answer)

    assert result.fraction == fraction
    assert result.feedback == feedback


@pytest.mark.parametrize(("picked", "fraction"), [
    (["0", "1"], 1.0),
    (["0"], 0.5),
    (["0", "1", "2"], 0.5),
    (["0", "2"], 0.0),
    (["3"], 0.0),  # negative credit never goes below zero
])
def test_multiple_choice_adds_partial_and_negative_credit(picked, fraction) -> None:
    assert grade(multiple(), picked).fraction == pytest.approx(fraction)


def test_multiple_choice_counts_a_repeated_pick_once() -> None:
    assert grade(multiple(), ["0", "0", "0"]).fraction == pytest.approx(0.5)


@pytest.mark.parametrize(("answer", "fraction", "feedback"), [
    ("true", 1.0, ("Right: it is not a punishment.",)),
    ("false", 0.0, ("It is a talk, not a punishment.",)),
])
def test_true_false(answer, fraction, feedback) -> None:
    q = QuestionData("truefalse", "A preventive conversation is a talk, not a punishment.",
                     correct=True, feedback_true="Right: it is not a punishment.",
                     feedback_false="It is a talk, not a punishment.")

    result = grade(q, answer)

    assert (result.fraction, result.feedback) == (fraction, feedback)


@pytest.mark.parametrize(("typed", "fraction"), [
    ("Mahalla", 1.0), ("  MAHALLA ", 1.0), ("mahalla  fuqarolar   yigʻini", 1.0),
    ("mahalla fuqarolar yig'ini", 1.0), ("Махалля", 0.5), ("district", 0.0),
])
def test_short_answers_ignore_case_spaces_and_apostrophe_style(typed, fraction) -> None:
    q = QuestionData("short", "Which body of local self-government…?", choices=[
        Choice("mahalla", 1.0), Choice("Mahalla fuqarolar yigʻini", 1.0), Choice("махалля", 0.5)])

    assert grade(q, typed).fraction == fraction


@pytest.mark.parametrize(("typed", "fraction"), [
    ("2008", 1.0), ("2 008", 1.0), ("2008,0", 1.0), ("2009", 0.5), ("2011", 0.0),
])
def test_numerical_answers_with_tolerance(typed, fraction) -> None:
    q = QuestionData("numerical", "In which year was ZRU-139 adopted?", numeric=[
        NumericAnswer(2008, 0, 1.0), NumericAnswer(2008, 1, 0.5)])

    assert grade(q, typed).fraction == fraction


def test_matching_gives_the_share_of_right_pairs() -> None:
    q = QuestionData("matching", "Match the law with its subject.", pairs=[
        MatchPair("ZRU-139", "Rights of the child"),
        MatchPair("ZRU-547", "Personal data"),
        MatchPair("ZRU-371", "Prevention of offences"),
        MatchPair("", "Road traffic"),  # a distractor answer
    ])
    answers = question_type("matching").answers(q)  # type: ignore[attr-defined]
    right = {str(i): str(answers.index(p.answer)) for i, p in enumerate(q.pairs) if p.prompt}
    one_wrong = {**right, "2": str(answers.index("Road traffic"))}

    assert grade(q, right).fraction == 1.0
    assert grade(q, one_wrong).fraction == pytest.approx(2 / 3)
    assert "Road traffic" in answers


@pytest.mark.parametrize(("q", "raw"), [
    (single(), "7"), (single(), "-1"), (single(), "zero"),
    (multiple(), ["0", "9"]),
    (QuestionData("truefalse", "?", correct=True), "maybe"),
    (QuestionData("numerical", "?", numeric=[NumericAnswer(1)]), "one"),
    (QuestionData("numerical", "?", numeric=[NumericAnswer(1)]), "nan"),
    (QuestionData("numerical", "?", numeric=[NumericAnswer(1)]), "1e999"),
    (QuestionData("matching", "?", pairs=[MatchPair("a", "b"), MatchPair("c", "d")]), "x"),
    (QuestionData("matching", "?", pairs=[MatchPair("a", "b"), MatchPair("c", "d")]),
     {"5": "0"}),
])
def test_a_tampered_response_is_refused(q, raw) -> None:
    with pytest.raises(InvalidResponse):
        grade(q, raw)


@pytest.mark.parametrize("raw", [None, "", [], {}])
def test_an_unanswered_question_scores_zero(raw) -> None:
    assert grade(single(), raw).fraction == 0.0


@pytest.mark.parametrize(("q", "problem"), [
    (QuestionData("single", "?", choices=[Choice("a", 1.0)]), "at least two choices"),
    (QuestionData("single", "?", choices=[Choice("a", 0.5), Choice("b")]), "worth 100%"),
    (QuestionData("multiple", "?", choices=[Choice("a", 0.5), Choice("b", 0.2)]),
     "add up to 70%"),
    (QuestionData("truefalse", "?"), "right answer"),
    (QuestionData("short", "?", choices=[Choice("a", 0.5)]), "worth 100%"),
    (QuestionData("numerical", "?", numeric=[NumericAnswer(1, -1)]), "tolerance"),
    (QuestionData("matching", "?", pairs=[MatchPair("a", "b")]), "two pairs"),
    (QuestionData("essay", "?"), "unknown question type"),
    (QuestionData("single", "  ", choices=[Choice("a", 1.0), Choice("b")]), "no text"),
])
def test_authoring_problems_are_named(q, problem) -> None:
    assert any(problem in p for p in problems(q))


def test_a_well_formed_question_has_no_problems() -> None:
    assert problems(single()) == [] and problems(multiple()) == []


def test_the_browser_never_sees_the_answer_key() -> None:
    q = single()

    shown = question_type("single").public(q, random.Random(3))

    flat = repr(shown)
    assert "1.0" not in flat and "0.25" not in flat and "feedback" not in flat.lower()
    assert sorted(text for _, text in shown["choices"]) == sorted(c.text for c in q.choices)


def test_shuffled_choices_keep_their_ids() -> None:
    q = single()

    shown = question_type("single").public(q, random.Random(1))

    for index, text in shown["choices"]:
        assert q.choices[index].text == text
    orders = {tuple(i for i, _ in question_type("single").public(q, random.Random(s))["choices"])
              for s in range(20)}
    assert len(orders) > 1


def test_every_type_has_a_model_response_that_earns_full_marks() -> None:
    from portal.courses import gift
    from tests.courses.quizzing import GIFT

    parsed = gift.parse(GIFT)
    assert {q.kind for q in parsed} == set(REGISTRY)
    for q in parsed:
        kind = REGISTRY[q.kind]
        response = kind.model_response(q)
        kind.accept(q, response)
        assert grade(q, response).fraction == 1.0, q.name
