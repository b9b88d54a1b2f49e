"""CSV downloads: no formula injection, Excel-friendly UTF-8, file names in any language."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from decimal import Decimal
from urllib.parse import unquote

import pytest
from flask import Flask

from portal.content.csvfile import csv_response, safe_cell

BOM = "\ufeff".encode()


def download(filename: str, header: Sequence[str], rows: Iterable[Sequence[object]]):
    """Serve the CSV from a view of a tiny app, as a report page would, and fetch it."""
    app = Flask(__name__)
    app.add_url_rule("/report.csv", "report", lambda: csv_response(filename, header, rows))
    return app.test_client().get("/report.csv")


def read_rows(body: bytes) -> list[list[str]]:
    assert body.startswith(BOM)
    return list(csv.reader(io.StringIO(body[len(BOM):].decode("utf-8"), newline="")))


@pytest.mark.parametrize(("value", "cell"), [
    ("=HYPERLINK(\"http://evil.test\",\"x\")", "'=HYPERLINK(\"http://evil.test\",\"x\")"),
    ("+998 90 123 45 67", "'+998 90 123 45 67"),
    ("-2+3", "'-2+3"),
    ("-3", "'-3"),  # a text, not a number: escaped like any text
    ("@SUM(A1:A2)", "'@SUM(A1:A2)"),
    ("\t=1+1", "'\t=1+1"),
    ("\r=1+1", "'\r=1+1"),
    ("Aliyev = 5", "Aliyev = 5"),  # only the start of a cell counts
    ("Oʻzbekiston", "Oʻzbekiston"),
    ("", ""),
])
def test_text_that_a_spreadsheet_would_run_gets_an_apostrophe(value: str, cell: str) -> None:
    assert safe_cell(value) == cell


@pytest.mark.parametrize(("value", "cell"), [
    (-3, "-3"),
    (-0.25, "-0.25"),
    (Decimal("-12.50"), "-12.50"),
    (0, "0"),
    (None, ""),
    (True, "True"),
])
def test_numbers_and_none_are_written_as_they_are(value: object, cell: str) -> None:
    assert safe_cell(value) == cell


def test_other_values_are_escaped_by_their_text() -> None:
    class Note:
        def __str__(self) -> str:
            return "=cmd|' /C calc'!A0"

    assert safe_cell(Note()) == "'=cmd|' /C calc'!A0"


def test_download_is_utf8_csv_with_a_bom_and_crlf_lines() -> None:
    response = download("quiz-results.csv", ["Learner", "Score"], [["Ali", 0.8], ["Vali", 1]])

    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert response.headers["Content-Disposition"] == 'attachment; filename="quiz-results.csv"'
    assert response.data == BOM + b"Learner,Score\r\nAli,0.8\r\nVali,1\r\n"


def test_cyrillic_and_uzbek_round_trip_through_csv_reader() -> None:
    rows: list[list[object]] = [
        ["Иванов Иван", "Профилактика правонарушений", 0.75],
        ["Gʻulomova Oʻgʻiloy", "Oila kodeksi, 2-bob", -1],
        ["Ўзбекистон", 'Кавычки "внутри"\nи перенос', None],
    ]

    response = download("report.csv", ["ФИО", "Курс", "Балл"], rows)

    assert read_rows(response.data) == [
        ["ФИО", "Курс", "Балл"],
        ["Иванов Иван", "Профилактика правонарушений", "0.75"],
        ["Gʻulomova Oʻgʻiloy", "Oila kodeksi, 2-bob", "-1"],
        ["Ўзбекистон", 'Кавычки "внутри"\nи перенос', ""],
    ]
    assert response.data.decode("utf-8-sig").startswith("ФИО,")  # how Excel reads it


def test_formula_cells_are_escaped_in_the_download_header_included() -> None:
    response = download("x.csv", ["=Name"], [["=1+1"], ["@foo"], [-5], ["-5"]])

    assert read_rows(response.data) == [["'=Name"], ["'=1+1"], ["'@foo"], ["-5"], ["'-5"]]


def test_rows_may_be_any_iterable() -> None:
    response = download("x.csv", ["n"], ((i,) for i in range(3)))

    assert read_rows(response.data) == [["n"], ["0"], ["1"], ["2"]]


def test_a_non_ascii_name_gets_an_ascii_fallback_and_an_rfc5987_name() -> None:
    response = download("Отчёт по тесту.csv", ["a"], [])

    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith('attachment; filename="Otchet-po-testu.csv"; ')
    prefix = "filename*=UTF-8''"
    encoded = disposition.split("; ")[2]
    assert encoded.startswith(prefix)
    assert " " not in encoded
    assert unquote(encoded[len(prefix):]) == "Отчёт по тесту.csv"


def test_an_uzbek_name_keeps_its_letters_in_the_fallback() -> None:
    disposition = download("Oʻquvchilar natijalari.csv", ["a"], []).headers["Content-Disposition"]

    assert 'filename="Oquvchilar-natijalari.csv"' in disposition
    assert "filename*=UTF-8''O%CA%BBquvchilar%20natijalari.csv" in disposition


def test_quotes_and_line_breaks_cannot_break_out_of_the_header() -> None:
    disposition = download('a"b\r\nX-Evil: 1.csv', ["a"], []).headers["Content-Disposition"]

    assert "\r" not in disposition
    assert "\n" not in disposition
    assert disposition.startswith('attachment; filename="abX-Evil: 1.csv"; filename*=')
