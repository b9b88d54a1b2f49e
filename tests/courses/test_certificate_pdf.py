"""Certificate PDF: real text out of the page, embedded font, a QR code a scanner reads, one page.

The PDF is read back with pypdf (text, fonts, metadata) and rasterised with pypdfium2, whose
image is handed to the zxing-cpp barcode reader, as a phone would see a printed copy.
"""

from __future__ import annotations

import dataclasses
import io
from pathlib import Path
from typing import cast

import pypdf
import pypdfium2 as pdfium
import pytest
import zxingcpp
from pypdf.generic import ArrayObject, DictionaryObject, StreamObject

import portal
from portal.courses import certificate_pdf
from portal.courses.certificate_pdf import CertificateText, render

MM = 72 / 25.4  # PDF points per millimetre
A4_LANDSCAPE = (297 * MM, 210 * MM)
FRAME_INSET = 13 * MM  # the inner (gold) frame line
DPI = 150

UZ_LATIN_NAME = "Oʻgʻiloy Gʻaniyeva"  # U+02BB, the Uzbek oʻ / gʻ letter
UZ_CYRILLIC_TITLE = "Ўқув курси: ҳуқуқий тарғибот"
RUSSIAN = "Профилактическая беседа"
URL = "https://huquq.example.uz/certificates/ABCD-EFGH-JK"
QR_ONLY = zxingcpp.BarcodeFormats(zxingcpp.BarcodeFormat.QRCode)


def make(**changes: str) -> CertificateText:
    text = CertificateText(
        heading="Sertifikat",
        learner_name=UZ_LATIN_NAME,
        course_title=f"{UZ_CYRILLIC_TITLE}. {RUSSIAN}",
        hours_line="12.0 kredit soat",
        date_line="Berilgan sana: 23 noyabr 2026",
        valid_line="Amal qilish muddati: 23 noyabr 2028",
        code_line="Sertifikat kodi: ABCD-EFGH-JK",
        verify_line=f"Taʼlim sertifikatini tekshiring: {URL}",  # U+02BC
        verify_url=URL,
        language="uz",
    )
    return dataclasses.replace(text, **changes)


def squash(text: str) -> str:
    return " ".join(text.split())


def reader(data: bytes) -> pypdf.PdfReader:
    return pypdf.PdfReader(io.BytesIO(data))


def page_text(data: bytes) -> str:
    pdf = reader(data)
    assert len(pdf.pages) == 1
    return squash(pdf.pages[0].extract_text())


def char_boxes(data: bytes) -> list[tuple[str, tuple[float, float, float, float]]]:
    """Every printed character with its box (left, bottom, right, top) in PDF points."""
    doc = pdfium.PdfDocument(data)
    try:
        textpage = doc[0].get_textpage()
        chars = textpage.get_text_range()
        boxes = [textpage.get_charbox(i) for i in range(textpage.count_chars())]
        return [(c, b) for c, b in zip(chars, boxes, strict=False) if not c.isspace()]
    finally:
        doc.close()


def scan(data: bytes) -> list[zxingcpp.Barcode]:
    """Rasterise the page like a printout at 150 dpi and read every QR code on it."""
    doc = pdfium.PdfDocument(data)
    try:
        image = doc[0].render(scale=DPI / 72, grayscale=True).to_pil()
    finally:
        doc.close()
    return list(zxingcpp.read_barcodes(image, formats=QR_ONLY))


def test_is_one_a4_landscape_page() -> None:
    data = render(make())
    assert data.startswith(b"%PDF-")
    pdf = reader(data)
    assert len(pdf.pages) == 1
    box = pdf.pages[0].mediabox
    assert (float(box.width), float(box.height)) == pytest.approx(A4_LANDSCAPE, abs=0.5)


def test_uzbek_latin_cyrillic_and_russian_come_back_out_exactly() -> None:
    text = page_text(render(make()))
    assert UZ_LATIN_NAME in text
    assert UZ_CYRILLIC_TITLE in text
    assert RUSSIAN in text
    assert "Taʼlim" in text  # U+02BC, the tutuq belgisi, not an ASCII apostrophe
    assert "\ufffd" not in text


def test_every_line_is_printed_in_order() -> None:
    cert = make()
    text = page_text(render(cert))
    lines = [
        cert.heading,
        cert.learner_name,
        cert.course_title,
        cert.hours_line,
        cert.date_line,
        cert.valid_line,
        cert.code_line,
        cert.verify_line,
    ]
    positions = [text.find(squash(line)) for line in lines]
    assert -1 not in positions, list(zip(lines, positions, strict=True))
    assert positions == sorted(positions)


def test_no_validity_line_when_it_never_expires() -> None:
    text = page_text(render(make(valid_line="")))
    assert "Amal qilish" not in text
    assert "Berilgan sana: 23 noyabr 2026" in text


def test_russian_certificate() -> None:
    cert = make(
        heading="Сертификат о прохождении курса",
        learner_name="Ёжикова Юлия Щукина",
        course_title=RUSSIAN,
        hours_line="12,0 зачётных часа",
        language="ru",
    )
    data = render(cert)
    text = page_text(data)
    for line in (cert.heading, cert.learner_name, RUSSIAN, cert.hours_line):
        assert line in text
    assert reader(data).root_object["/Lang"] == "ru"


def test_metadata() -> None:
    pdf = reader(render(make(language="en")))
    meta = pdf.metadata
    assert meta is not None
    assert meta.title == f"{UZ_CYRILLIC_TITLE}. {RUSSIAN}"
    assert meta.subject == f"Sertifikat: {UZ_LATIN_NAME}"
    assert meta.creator == "Huquq Portal"
    assert pdf.root_object["/Lang"] == "en"


def test_the_font_is_dejavu_and_embedded() -> None:
    page = reader(render(make())).pages[0]
    resources = cast(DictionaryObject, page["/Resources"].get_object())
    fonts = cast(DictionaryObject, resources["/Font"].get_object())
    assert len(fonts) == 2  # regular and bold, nothing else
    for ref in fonts.values():
        font = cast(DictionaryObject, ref.get_object())
        assert "DejaVuSans" in str(font["/BaseFont"])
        assert font["/Subtype"] == "/Type0"
        descendants = cast(ArrayObject, font["/DescendantFonts"].get_object())
        descendant = cast(DictionaryObject, descendants[0].get_object())
        descriptor = cast(DictionaryObject, descendant["/FontDescriptor"].get_object())
        stream = cast(StreamObject, descriptor["/FontFile2"].get_object())
        assert len(stream.get_data()) > 1000  # an actual TrueType program, subset
        assert "/ToUnicode" in font  # what makes copy/paste and search give the text back


def test_the_font_files_ship_inside_the_package() -> None:
    package = Path(portal.__file__).resolve().parent
    with certificate_pdf._font_paths() as paths:
        assert set(paths) == {"", "B"}
        for path in paths.values():
            assert path.resolve().is_relative_to(package / "data" / "fonts")
            assert path.read_bytes()[:4] == b"\x00\x01\x00\x00"  # TrueType
    assert (package / "data" / "fonts" / "LICENSE-DejaVu.txt").is_file()


def test_qr_code_scans_to_the_verify_url() -> None:
    data = render(make())
    found = scan(data)
    assert [code.text for code in found] == [URL]
    # Bottom right of the page, where the layout puts it.
    position = found[0].position
    width_px, height_px = A4_LANDSCAPE[0] / 72 * DPI, A4_LANDSCAPE[1] / 72 * DPI
    assert position.top_left.x > width_px * 0.75
    assert position.top_left.y > height_px * 0.6


def test_long_verify_url_still_scans() -> None:
    url = "https://huquq-portal.example.uz/uz/courses/certificates/verify?code=ABCD-EFGH-JK" + (
        "&ref=" + "x" * 120
    )
    found = scan(render(make(verify_url=url, verify_line=f"Tekshiring: {url}")))
    assert [code.text for code in found] == [url]


def test_qr_matrix_has_a_quiet_zone_of_four_modules() -> None:
    matrix = certificate_pdf._qr_matrix(URL)
    size = len(matrix)
    assert all(len(row) == size for row in matrix)
    edge = [*range(4), *range(size - 4, size)]
    assert not any(matrix[r][c] for r in edge for c in range(size))
    assert not any(matrix[r][c] for r in range(size) for c in edge)
    assert matrix[4][4]  # the finder pattern starts right after it


def test_dark_rectangles_cover_exactly_the_dark_modules() -> None:
    matrix = certificate_pdf._qr_matrix(URL)
    covered = [[0] * len(matrix) for _ in matrix]
    for row, col, height, length in certificate_pdf._dark_rectangles(matrix):
        for r in range(row, row + height):
            for c in range(col, col + length):
                covered[r][c] += 1
    assert covered == [[int(cell) for cell in row] for row in matrix]


def within_frame(boxes: list[tuple[str, tuple[float, float, float, float]]]) -> list[str]:
    """The characters printed outside the inner frame (there should be none)."""
    width, height = A4_LANDSCAPE
    return [
        char
        for char, (left, bottom, right, top) in boxes
        if left < FRAME_INSET
        or bottom < FRAME_INSET
        or right > width - FRAME_INSET
        or top > height - FRAME_INSET
    ]


def outside_qr(data: bytes, boxes: list[tuple[str, tuple[float, float, float, float]]]) -> None:
    """Assert that the QR code scans to URL and that no character is printed over it."""
    found = scan(data)
    assert [code.text for code in found] == [URL]
    corners = found[0].position
    xs = [p.x * 72 / DPI for p in (corners.top_left, corners.bottom_right)]
    ys = [A4_LANDSCAPE[1] - p.y * 72 / DPI for p in (corners.top_left, corners.bottom_right)]
    qr_left, qr_right, qr_bottom, qr_top = min(xs), max(xs), min(ys), max(ys)
    over = [
        char
        for char, (left, bottom, right, top) in boxes
        if left < qr_right and right > qr_left and bottom < qr_top and top > qr_bottom
    ]
    assert over == []


def test_200_character_title_and_120_character_name_fit_on_one_page() -> None:
    title = ("Ҳуқуқий тарғибот ва профилактика асослари: " * 6)[:200].strip()
    name = ("Oʻgʻiloy Gʻaniyeva Abdulazizovna " * 5)[:120].strip()
    assert len(title) >= 199 and len(name) >= 119
    data = render(make(course_title=title, learner_name=name))
    text = page_text(data)  # asserts exactly one page
    assert title in text  # wrapped or shrunk, never cut
    assert name in text
    boxes = char_boxes(data)
    assert within_frame(boxes) == []
    outside_qr(data, boxes)


def test_absurdly_long_text_is_cut_not_spilled() -> None:
    title = "Ўқувкурси" * 250  # one 2,250-character "word": no space to break at
    name = "Gʻaniyeva " * 100
    data = render(
        make(
            heading="Sertifikat " * 30,
            course_title=title,
            learner_name=name,
            hours_line="x" * 500,
            code_line="Sertifikat kodi: " + "ABCD-" * 60,
            verify_line=f"Tekshiring: {URL} " + "tekshiring " * 60,
        )
    )
    text = page_text(data)
    assert "…" in text
    boxes = char_boxes(data)
    assert within_frame(boxes) == []
    outside_qr(data, boxes)


def test_whitespace_and_newlines_in_names_do_not_break_lines() -> None:
    text = page_text(render(make(learner_name="  Oʻgʻiloy\n\tGʻaniyeva  ")))
    assert UZ_LATIN_NAME in text


def test_same_input_gives_the_same_page() -> None:
    first = reader(render(make())).pages[0].get_contents()
    second = reader(render(make())).pages[0].get_contents()
    assert first is not None and second is not None
    assert first.get_data() == second.get_data()
