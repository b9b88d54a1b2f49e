"""GIFT import and export: every construct to exact data, errors with their lines, round trips."""

from __future__ import annotations

import pytest

from portal.courses.gift import BLANK, GiftError, dump, parse
from portal.courses.questions import Choice, MatchPair, NumericAnswer, QuestionData

# Files used by the behaviour tests below; every one of them must survive a round trip.
FIXTURES: dict[str, str] = {
    "single": """
::Colour:: What's between orange and green in the spectrum? {
  =yellow # right; good!
  ~red # wrong, it's yellow
  ~%50%amber # close
  ####Yellow lies between them.
}
""",
    "missing_word": "Grant is {~buried =entombed ~living} in Grant's tomb.\n",
    "missing_word_first": "{=Toshkent ~Samarqand} is the capital of Uzbekistan.\n",
    "multiple": """
::Rights:: Which of these are rights of the child? {
  ~%50%to a name
  ~%50%to education
  ~%-100%to work at night
}
""",
    "multiple_thirds": "Pick three. {~%33.33333%a ~%33.33333%b ~%33.33333%c ~%-50%d}\n",
    "truefalse": """
::TF1:: The Family Code protects children.{T#No, it does.#Yes.}

::TF2:: A child can be married at 12.{FALSE#It is forbidden.#Right.}

::TF3:: Minors can sign a contract alone.{F}

::TF4:: Parents owe maintenance.{TRUE####Article 96.}
""",
    "short": """
::Sum:: Two plus {=two =2 =%50%tu#Spelling!} equals four.
""",
    "numerical": """
::Pi:: What is pi to two decimals? {#3.14:0.005}

::Range:: A number from 1 to 5? {#1..5}

::Born:: When was Ulysses S. Grant born? {#
  =1822:0 # Correct! Full credit.
  =%50%1822:2 # He was born in 1822. Half credit for being close.
}

::Negative:: The temperature? {#-40.5:0.5#Brrr}

::Exponent:: Avogadro's exponent? {#6.022e23:1e21 ####A big number.}
""",
    "matching": """
::Match:: Match the age with the right. {
  =14 -> passport
  =16 -> job with parental consent
  =18 -> full legal capacity
  = -> pension
  ####See the Civil Code.
}
""",
    "formats": """
::H::[html]<p>Choose <b>one</b></p>{=[html]<i>yes</i>#[html]<b>good</b> ~no}

::P::[plain]Plain *text*{T}

::M::[moodle]Moodle auto-format{F}

[markdown]**Bold** question{=a ~b}
""",
    "escapes": r"""
::Esc\:1:: Escapes \{ \} \= \~ \# \: \\ and a\nnew line, \frac{=x\=1#a \#1 ~y\~2}
""",
    "categories": """
$CATEGORY: $course$/top/Family law

Q1 {T}

$CATEGORY: $module$/top/Labour law

Q2 {F}

$CATEGORY: Plain path/sub

Q3 {T}
""",
    "uzbek_russian": """
::Oʻzbek:: Voyaga yetmaganlar ishi boʻyicha komissiya qaysi organ? {
  =Hokimlik huzuridagi komissiya # Toʻgʻri!
  ~Sud # Notoʻgʻri: gʻamxoʻrlik organi emas
}

::Русский:: Кто защищает права ребёнка? {=Инспектор =инспектор по профилактике ~Никто}
""",
}

MIXED = """// Huquq Portal: inspector training, module 2
$CATEGORY: $course$/Prevention/Module 2

::Age of responsibility:: From what age is a person criminally liable in Uzbekistan? {#16}

::Commission:: Which body coordinates work with minors? {
  =The commission on minors' affairs # Yes, at the district hokimiyat.
  ~The tax office
  ~The bank
}

// true/false with feedback
::Curfew:: Minors may be out alone at night without limits.{F#See the regional rules.#Right.}

::Documents:: Which documents prove identity? {
  ~%50%Passport
  ~%50%ID card
  ~%-100%Library card
}

::Capital:: The capital of Uzbekistan is {=Toshkent =Tashkent =Ташкент}.

::Articles:: Match the code with its subject. {
  =Family Code -> marriage
  =Labour Code -> employment
  =Criminal Code -> crimes
}

::Fine:: A fine of how many base amounts? {#
  =5:0 # Right.
  =%50%4..6 # Close.
}

$CATEGORY: $course$/Prevention/Module 3

::Visit:: A home visit needs a written report.{TRUE}

::Report:: [html]<p>Who signs the <b>report</b>?</p> {
  =The inspector
  ~The neighbour
  ####The inspector signs; the parents may add remarks.
}

::Hotline:: The child helpline number is {#1146}.

::Guardian:: A guardian is appointed by the {~school =guardianship authority ~police}.

::Rights:: Name one right of the child. {=education =ta'lim#Uzbek word accepted}
"""


def one(text: str) -> QuestionData:
    """Parse a file holding exactly one question."""
    questions = parse(text)
    assert len(questions) == 1
    return questions[0]


def errors(text: str) -> list[tuple[int, str]]:
    """Parse a file that must fail and return its problems."""
    with pytest.raises(GiftError) as caught:
        parse(text)
    return caught.value.problems


# Question types ------------------------------------------------------------------------------


def test_single_choice_with_feedback_partial_weight_and_general_feedback() -> None:
    assert one(FIXTURES["single"]) == QuestionData(
        kind="single", name="Colour", text="What's between orange and green in the spectrum?",
        general_feedback="Yellow lies between them.",
        choices=[Choice("yellow", 1.0, "right; good!"), Choice("red", 0.0, "wrong, it's yellow"),
                 Choice("amber", 0.5, "close")])


def test_missing_word_block_in_the_middle_becomes_a_gap() -> None:
    q = one(FIXTURES["missing_word"])
    assert (q.kind, q.text) == ("single", f"Grant is {BLANK} in Grant's tomb.")
    assert q.choices == [Choice("buried"), Choice("entombed", 1.0), Choice("living")]


def test_missing_word_block_at_the_start() -> None:
    assert one(FIXTURES["missing_word_first"]).text == f"{BLANK} is the capital of Uzbekistan."


def test_weights_without_a_right_answer_make_a_multiple_choice() -> None:
    q = one(FIXTURES["multiple"])
    assert q.kind == "multiple"
    assert q.choices == [Choice("to a name", 0.5), Choice("to education", 0.5),
                         Choice("to work at night", -1.0)]


def test_decimal_weights_are_read_exactly() -> None:
    q = one(FIXTURES["multiple_thirds"])
    assert q.kind == "multiple"
    assert [c.fraction for c in q.choices] == [0.3333333, 0.3333333, 0.3333333, -0.5]


@pytest.mark.parametrize(("block", "kind"), [
    ("{=A ~%50%B ~C}", "single"),  # partial credit on a wrong answer keeps one right answer
    ("{=A =B ~C}", "single"),  # two right answers, either is enough
    ("{~%100%A ~B}", "multiple"),  # Moodle: weights and no '=' are check boxes
    ("{=%50%A =%50%B ~C}", "multiple"),  # several positive weights, none worth 100%
    ("{=A ~B}", "single"),
])
def test_choice_kind_follows_markers_and_weights(block: str, kind: str) -> None:
    assert one(f"Q {block}").kind == kind


@pytest.mark.parametrize(("block", "correct"), [
    ("{T}", True), ("{TRUE}", True), ("{F}", False), ("{FALSE}", False), ("{ true }", True),
])
def test_true_false_answers(block: str, correct: bool) -> None:
    q = one(f"The sky is blue. {block}")
    assert (q.kind, q.correct, q.text) == ("truefalse", correct, "The sky is blue.")


def test_true_false_feedback_is_wrong_first_then_right_and_stored_by_the_answer_given() -> None:
    tf1, tf2, tf3, tf4 = parse(FIXTURES["truefalse"])
    # {T#wrong#right}: answering false is wrong, so the first feedback goes with "false".
    assert (tf1.correct, tf1.feedback_true, tf1.feedback_false) == (True, "Yes.", "No, it does.")
    # {FALSE#wrong#right}: answering true is wrong.
    assert (tf2.correct, tf2.feedback_true, tf2.feedback_false) == (
        False, "It is forbidden.", "Right.")
    assert (tf3.correct, tf3.feedback_true, tf3.feedback_false) == (False, "", "")
    assert (tf4.correct, tf4.general_feedback) == (True, "Article 96.")


def test_true_false_with_only_the_wrong_answer_feedback() -> None:
    q = one("Statement {T#Think again.}")
    assert (q.feedback_true, q.feedback_false) == ("", "Think again.")


def test_short_answer_with_weights_and_feedback() -> None:
    q = one(FIXTURES["short"])
    assert q == QuestionData(kind="short", name="Sum", text=f"Two plus {BLANK} equals four.",
                             choices=[Choice("two", 1.0), Choice("2", 1.0),
                                      Choice("tu", 0.5, "Spelling!")])


def test_a_lone_unmarked_answer_is_a_short_answer_as_in_moodle() -> None:
    q = one("1 + 2 \\= {3}")
    assert (q.kind, q.text, q.choices) == ("short", "1 + 2 =", [Choice("3", 1.0)])


def test_numerical_forms() -> None:
    pi, range_, born, negative, exponent = parse(FIXTURES["numerical"])
    assert pi.kind == "numerical"
    assert pi.numeric == [NumericAnswer(3.14, 0.005)]
    assert range_.numeric == [NumericAnswer(3.0, 2.0)]
    assert born.numeric == [
        NumericAnswer(1822.0, 0.0, 1.0, "Correct! Full credit."),
        NumericAnswer(1822.0, 2.0, 0.5, "He was born in 1822. Half credit for being close.")]
    assert negative.numeric == [NumericAnswer(-40.5, 0.5, 1.0, "Brrr")]
    assert exponent.numeric == [NumericAnswer(6.022e23, 1e21)]
    assert exponent.general_feedback == "A big number."


@pytest.mark.parametrize(("block", "value", "tolerance"), [
    ("{#-10..-2}", -6.0, 4.0),
    ("{#.5}", 0.5, 0.0),
    ("{# 2000 : 1 }", 2000.0, 1.0),
    ("{#1E-3:+2e-4}", 0.001, 0.0002),
    ("{#=%100%7}", 7.0, 0.0),
])
def test_numerical_numbers(block: str, value: float, tolerance: float) -> None:
    assert one(f"N? {block}").numeric == [NumericAnswer(value, tolerance)]


def test_several_numerical_answers_on_one_line() -> None:
    q = one("Year? {# =2000:0 =%50%2001:1 #feedback}")
    assert q.numeric == [NumericAnswer(2000.0, 0.0), NumericAnswer(2001.0, 1.0, 0.5, "feedback")]


def test_matching_with_an_extra_answer() -> None:
    q = one(FIXTURES["matching"])
    assert q.kind == "matching"
    assert q.pairs == [MatchPair("14", "passport"), MatchPair("16", "job with parental consent"),
                       MatchPair("18", "full legal capacity"), MatchPair("", "pension")]
    assert q.general_feedback == "See the Civil Code."


def test_two_matching_pairs_are_accepted() -> None:
    assert one("Match {=a -> 1 =b -> 2}").pairs == [MatchPair("a", "1"), MatchPair("b", "2")]


def test_a_literal_arrow_in_a_multiple_choice_answer_stays_text() -> None:
    q = one("Which? {=a -> b ~c}")
    assert (q.kind, q.choices[0].text) == ("single", "a -> b")


# Names, formats, escapes, layout ------------------------------------------------------------


def test_format_tags_set_the_format_and_are_stripped_from_answers_and_feedback() -> None:
    html, plain, moodle, markdown = parse(FIXTURES["formats"])
    assert (html.name, html.text_format, html.text) == ("H", "html", "<p>Choose <b>one</b></p>")
    assert html.choices == [Choice("<i>yes</i>", 1.0, "<b>good</b>"), Choice("no")]
    assert (plain.text_format, plain.text) == ("plain", "Plain *text*")
    assert (moodle.text_format, moodle.text) == ("markdown", "Moodle auto-format")
    assert (markdown.name, markdown.text_format, markdown.text) == ("", "markdown",
                                                                    "**Bold** question")


def test_escapes_in_name_text_answers_and_feedback() -> None:
    q = one(FIXTURES["escapes"])
    assert q.name == "Esc:1"
    assert q.text == "Escapes { } = ~ # : \\ and a\nnew line, \\frac"
    assert q.choices == [Choice("x=1", 1.0, "a #1"), Choice("y~2")]


def test_comments_are_ignored_even_inside_a_question() -> None:
    questions = parse("""// first comment
::A:: One {
// a comment between answers
  =yes
  ~no
}
// comment lines do not separate questions
""")
    assert [(q.name, [c.text for c in q.choices]) for q in questions] == [("A", ["yes", "no"])]


def test_a_question_may_span_several_lines() -> None:
    q = one("::Long::\nFirst line\nsecond line\n{\n=right\nanswer\n~wrong\n}\n")
    assert q.text == "First line\nsecond line"
    assert q.choices == [Choice("right\nanswer", 1.0), Choice("wrong")]


def test_several_blank_lines_separate_questions() -> None:
    assert [q.name for q in parse("::A:: a {T}\n\n\n\n::B:: b {F}\n  \n\t\n::C:: c {T}")] == [
        "A", "B", "C"]


def test_categories_apply_to_the_questions_that_follow_without_context() -> None:
    assert [(q.text, q.category) for q in parse(FIXTURES["categories"])] == [
        ("Q1", "top/Family law"), ("Q2", "top/Labour law"), ("Q3", "Plain path/sub")]


def test_a_category_line_directly_above_a_question() -> None:
    q = one("$CATEGORY: $course$/Rights\n::Q:: Text {T}")
    assert (q.category, q.name) == ("Rights", "Q")


def test_uzbek_and_russian_text() -> None:
    uz, ru = parse(FIXTURES["uzbek_russian"])
    assert uz.name == "Oʻzbek"
    assert uz.text == "Voyaga yetmaganlar ishi boʻyicha komissiya qaysi organ?"
    assert uz.choices == [Choice("Hokimlik huzuridagi komissiya", 1.0, "Toʻgʻri!"),
                          Choice("Sud", 0.0, "Notoʻgʻri: gʻamxoʻrlik organi emas")]
    assert (ru.kind, [c.text for c in ru.choices]) == (
        "single", ["Инспектор", "инспектор по профилактике", "Никто"])


def test_windows_line_endings_and_a_byte_order_mark() -> None:
    text = "\ufeff// exported\r\n$CATEGORY: $course$/Oila\r\n\r\n::Q1:: Birinchi\r\nsatr {\r\n" \
           "=ha\r\n~yoʻq\r\n}\r\n\r\n::Q2:: Ikkinchi {T}\r\n"
    q1, q2 = parse(text)
    assert (q1.name, q1.category, q1.text) == ("Q1", "Oila", "Birinchi\nsatr")
    assert q1.choices == [Choice("ha", 1.0), Choice("yoʻq")]
    assert (q2.name, q2.kind) == ("Q2", "truefalse")
    assert parse(text) == parse(text.replace("\r\n", "\n").removeprefix("\ufeff"))


def test_an_empty_or_comment_only_file_has_no_questions() -> None:
    assert parse("") == []
    assert parse("// nothing yet\n\n// still nothing\n") == []


def test_a_realistic_mixed_file() -> None:
    questions = parse(MIXED)
    assert [(q.name, q.kind) for q in questions] == [
        ("Age of responsibility", "numerical"), ("Commission", "single"),
        ("Curfew", "truefalse"), ("Documents", "multiple"), ("Capital", "short"),
        ("Articles", "matching"), ("Fine", "numerical"), ("Visit", "truefalse"),
        ("Report", "single"), ("Hotline", "numerical"), ("Guardian", "single"),
        ("Rights", "short")]
    assert [q.category for q in questions] == ["Prevention/Module 2"] * 7 + [
        "Prevention/Module 3"] * 5
    by_name = {q.name: q for q in questions}
    assert by_name["Fine"].numeric[1] == NumericAnswer(5.0, 1.0, 0.5, "Close.")
    assert by_name["Report"].text_format == "html"
    assert by_name["Capital"].text == f"The capital of Uzbekistan is {BLANK}."
    assert by_name["Hotline"].text == f"The child helpline number is {BLANK}."
    assert by_name["Curfew"].feedback_true == "See the regional rules."


# Errors --------------------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "line", "fragment"), [
    ("// c\n\n::Q:: Text {\n=a\n~b\n", 3, "never closed"),
    ("::Q:: Text\n{=a ~b}\nand {=c ~d}", 3, "second block"),
    ("::Q:: Pick {\n=a\n~\n~c\n}", 3, "empty answer"),
    ("::Q:: Pick {\n=a\n~%abc%b\n}", 3, "bad weight %abc%"),
    ("::Q:: Pick {\n=a\n\n", 1, "never closed"),
    ("\n\n::Q:: Pick {=a ~%150%b}", 3, "%150% is outside"),
    ("::Q:: Pick {~a ~%50.5.5%b}", 1, "bad weight"),
    ("::Q:: Number? {#\n=3,14\n}", 2, "'3,14' is not a number"),
    ("::Q:: Number? {#abc}", 1, "'abc' is not a number"),
    ("::Q:: Number? {#\n3,14\n}", 2, "'3,14' is not a number"),
    ("::Q:: Number? {#1..x}", 1, "'x' is not a number"),
    ("::Q:: Number? {#5..1}", 1, "runs backwards"),
    ("::Q:: Number? {#=5 ~#other}", 1, "'~' (feedback for any other number)"),
    ("::Q:: Number? {#}", 1, "missing its number"),
    ("// x\n\n::Q:: Match {\n=a -> 1\n=b 2\n=c -> 3\n}", 5, "without '->'"),
    ("::Q:: Match {=a -> 1 =b -> 2#well =c -> 3}", 1, "no feedback"),
    ("::Q:: Match {=a -> 1 =b -> }", 1, "nothing after '->'"),
    ("::Q:: Essay\nplease {}", 2, "essay"),
    ("::Q:: Essay {####general only}", 1, "essay"),
    ("\n::Desc:: Only a description.", 2, "no answer block"),
    ("::Q:: Pick {~%100%a ~%100%b}", 1, "add up to 200%"),
    ("::Q:: Pick {~a ~b}", 1, "needs one choice worth 100%"),
    ("::Q:: Pick {=a}\n\n::R:: Match {=a -> 1}", 3, "needs at least two pairs"),
    ("::Q:: Number? {#3:-1}", 1, "tolerance cannot be negative"),
    (":: {T}", 1, "no closing '::'"),
    ("::Q:: {T}", 1, "no text"),
    ("::Q:: Pick {=a\n{=b}\n}", 2, "'{' inside the answer block"),
    ("::Q:: Stray } here {T}", 1, "'}' without its '{'"),
    ("::Q:: Text {T} and }", 1, "'}' without its '{'"),
    ("::Q:: Pick {\nsomething\n=a ~b}", 2, "text before the first answer"),
    ("::Q:: Sure? {T#a#b#c}", 1, "at most two feedbacks"),
    ("::Q:: Match {=%50%a -> 1 =b -> 2}", 1, "no weight"),
])
def test_errors_give_the_line_and_the_problem(text: str, line: int, fragment: str) -> None:
    found = errors(text)
    assert len(found) == 1, found
    assert found[0][0] == line
    assert fragment in found[0][1]


def test_every_error_in_the_file_is_reported_and_nothing_is_returned() -> None:
    text = """::Good:: Fine {T}

::Bad1:: Pick {
  =a
  ~%abc%b
  ~
}

::Good2:: Also fine {=x ~y}

// a description
::Bad2:: No block here.

::Bad3:: Number {#
  =1,5
  =two
}
"""
    with pytest.raises(GiftError) as caught:
        parse(text)
    assert caught.value.problems == [
        (5, "bad weight %abc%: write a percentage such as %50% or %-33.33333%"),
        (6, "an empty answer"),
        (12, "no answer block {...}: descriptions and other items without answers cannot be "
             "imported"),
        (15, "'1,5' is not a number (write it like 3.14, -2 or 1.5e3)"),
        (16, "'two' is not a number (write it like 3.14, -2 or 1.5e3)"),
    ]
    assert isinstance(caught.value, ValueError)
    assert str(caught.value).splitlines()[0] == (
        "line 5: bad weight %abc%: write a percentage such as %50% or %-33.33333%")


# Writing -------------------------------------------------------------------------------------


def test_dump_writes_categories_names_tags_and_blocks() -> None:
    questions = [
        QuestionData(kind="single", text="Pick {one}", name="Q:1", category="Family",
                     choices=[Choice("a=b", 1.0, "yes #1"), Choice("c", 0.25), Choice("d")]),
        QuestionData(kind="truefalse", text="Line one\nline two", text_format="html",
                     category="Family", correct=False, feedback_true="No.",
                     general_feedback="See art. 5."),
        QuestionData(kind="numerical", text="Pi?", category="Labour",
                     numeric=[NumericAnswer(3.14, 0.005)]),
    ]
    assert dump(questions) == (
        "$CATEGORY: Family\n\n"
        "::Q\\:1:: Pick \\{one\\} {\n\t=a\\=b#yes \\#1\n\t~%25%c\n\t~d\n}\n\n"
        "[html]Line one\\nline two {FALSE#No. ####See art. 5.}\n\n"
        "$CATEGORY: Labour\n\n"
        "Pi? {#3.14:0.005}\n")


def test_dump_writes_each_kind() -> None:
    questions = [
        QuestionData(kind="multiple", text="Which?", choices=[
            Choice("a", 0.5), Choice("b", 0.5), Choice("c", -1.0), Choice("d")]),
        QuestionData(kind="short", text=f"Two plus {BLANK} is four.", choices=[
            Choice("two", 1.0), Choice("tu", 0.5, "spelling")]),
        QuestionData(kind="numerical", text="Year?", general_feedback="1822.", numeric=[
            NumericAnswer(1822.0, 0.0, 1.0, "Yes"), NumericAnswer(1822.0, 2.0, 0.5)]),
        QuestionData(kind="matching", text="Match", pairs=[
            MatchPair("a", "1"), MatchPair("b", "2"), MatchPair("", "3")]),
        QuestionData(kind="truefalse", text="True?", correct=True, feedback_true="Yes",
                     feedback_false="No"),
    ]
    assert dump(questions) == (
        "Which? {\n\t~%50%a\n\t~%50%b\n\t~%-100%c\n\t~%0%d\n}\n\n"
        "Two plus {\n\t=two\n\t=%50%tu#spelling\n} is four.\n\n"
        "Year? {#\n\t=1822#Yes\n\t=%50%1822:2\n\t####1822.\n}\n\n"
        "Match {\n\t=a -> 1\n\t=b -> 2\n\t= -> 3\n}\n\n"
        "True? {TRUE#No#Yes}\n")


@pytest.mark.parametrize(("value", "written"), [
    (3.0, "3"), (0.1, "0.1"), (-2.5, "-2.5"), (1e-05, "1e-05"), (6.022e23, "6.022e+23"),
    (0.1 + 0.2, "0.30000000000000004"),
])
def test_dump_writes_numbers_in_their_shortest_exact_form(value: float, written: str) -> None:
    q = QuestionData(kind="numerical", text="N?", numeric=[NumericAnswer(value)])
    assert dump([q]) == f"N? {{#{written}}}\n"
    assert one(dump([q])).numeric[0].value == value


def test_dump_of_nothing_is_empty() -> None:
    assert dump([]) == ""


def test_dump_refuses_questions_it_cannot_write_back() -> None:
    good = QuestionData(kind="truefalse", text="Fine", correct=True)
    bad = QuestionData(kind="single", text="No right answer", name="B",
                       choices=[Choice("a"), Choice("b")])
    arrow = QuestionData(kind="matching", text="M", pairs=[MatchPair("a -> b", "1"),
                                                           MatchPair("c", "2")])
    with pytest.raises(ValueError, match="needs one choice worth 100%") as caught:
        dump([good, bad, arrow])
    assert "question 2 'B'" in str(caught.value)
    assert "question 3 '': a matching prompt cannot contain '->'" in str(caught.value)


@pytest.mark.parametrize("name", sorted(FIXTURES))
def test_every_fixture_survives_a_round_trip(name: str) -> None:
    parsed = parse(FIXTURES[name])
    assert parse(dump(parsed)) == parsed
    assert dump(parse(dump(parsed))) == dump(parsed)


def test_the_mixed_file_survives_a_round_trip() -> None:
    parsed = parse(MIXED)
    assert parse(dump(parsed)) == parsed


def test_tricky_texts_survive_a_round_trip() -> None:
    questions = [
        # Texts that look like a tag, a comment, a name, a category line or a weight.
        QuestionData(kind="truefalse", text="[html] is not a tag here", correct=True),
        QuestionData(kind="truefalse", text="// not a comment", correct=False),
        QuestionData(kind="truefalse", text="::not a name:: $CATEGORY: x", correct=True),
        QuestionData(kind="single", text="Ends with a gap _____", choices=[
            Choice("%50% of them", 1.0, "[plain] shown as written"), Choice("[html]b", 0.1)]),
        QuestionData(kind="single", text="Two right answers", choices=[
            Choice("a", 1.0), Choice("b", 1.0), Choice("c", 1 / 3)]),
        QuestionData(kind="matching", text="M", pairs=[
            MatchPair("%5%", "a -> b"), MatchPair("x#y", "{z}"), MatchPair("", "%")]),
        QuestionData(kind="truefalse", text="TF", correct=True, feedback_false="",
                     feedback_true="only right", general_feedback="# hash"),
        QuestionData(kind="numerical", text="N", numeric=[
            NumericAnswer(-0.1, 1e-9, 1.0, "a\\nb"), NumericAnswer(2, 0, 0.3333333)]),
        QuestionData(kind="short", text="C:\\new\\table", name="Back\\slash", choices=[
            Choice("T", 1.0)], category="$course$/literally"),
        QuestionData(kind="multiple", text="Unicode oʻgʻ Ўзбек", text_format="plain",
                     category="Oila/Bolalar", choices=[
                         Choice("a", 0.7), Choice("b", 0.3), Choice("c", -0.25)]),
    ]
    assert parse(dump(questions)) == questions
