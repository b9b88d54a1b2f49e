"""Certificate PDF rendering: one A4 landscape page with the learner, course and a QR code.

Pure module: it takes already translated text and returns PDF bytes, it never touches the
database or the request. The text is set in DejaVu Sans, vendored in ``portal/data/fonts``
and embedded (subset) in every PDF, so Uzbek Latin (oʻ gʻ ʼ), Uzbek Cyrillic (ў қ ғ ҳ) and
Russian print the same on any machine, including one without system fonts. The QR code
is drawn as vector rectangles from the ``qrcode`` module matrix: crisp at any zoom and a
few hundred bytes.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import qrcode
from fpdf import FPDF
from fpdf.prefs import ViewerPreferences
from qrcode.constants import ERROR_CORRECT_M

__all__ = ["CertificateText", "render"]

FONT_FAMILY = "DejaVu"
_FONT_FILES = {"": "DejaVuSans.ttf", "B": "DejaVuSans-Bold.ttf"}

# Page geometry, in millimetres (A4 landscape).
PAGE_W = 297.0
PAGE_H = 210.0
_FRAME_OUTER = 10.0  # inset of the thick outer frame line
_FRAME_INNER = 13.0  # inset of the thin inner frame line
_CONTENT_X = 27.0  # left and right margin of the text
_CONTENT_W = PAGE_W - 2 * _CONTENT_X
_HEADING_TOP = 26.0
_QR_SIZE = 40.0  # side of the QR code, quiet zone included
_QR_QUIET = 4  # quiet zone, in modules (the minimum the QR standard asks for)
_QR_DARK_RIGHT = PAGE_W - _CONTENT_X  # the dark modules line up with the text margins
_QR_DARK_BOTTOM = PAGE_H - 24.0
_FOOTER_GAP = 6.0  # between the footer text and the QR code
_MIDDLE_TOP = 50.0  # the name / course block is centred between these two lines
_MIDDLE_BOTTOM = _QR_DARK_BOTTOM - _QR_SIZE + 2.0

_PT = 25.4 / 72  # one typographic point in millimetres
_LEADING = 1.3  # line height as a multiple of the font size
_ELLIPSIS = "…"

# Colours (RGB).
_NAVY = (31, 58, 95)
_GOLD = (168, 132, 60)
_INK = (34, 34, 34)
_GREY = (96, 96, 96)


@dataclass(frozen=True)
class CertificateText:
    """Everything printed on a certificate, already translated and formatted by the caller."""

    heading: str  # e.g. "Certificate of completion"
    learner_name: str
    course_title: str
    hours_line: str  # e.g. "12.0 credit hours"
    date_line: str  # e.g. "Issued on 23 November 2026"
    valid_line: str  # e.g. "Valid until 23 November 2028", or "" when it never expires
    code_line: str  # e.g. "Certificate code: ABCD-EFGH-JK"
    verify_line: str  # e.g. "Check it at https://…/certificates/ABCD-EFGH-JK"
    verify_url: str  # the URL encoded in the QR code
    language: str  # "uz", "ru" or "en": the document language


@dataclass(frozen=True)
class _Block:
    """A paragraph fitted to a width: its font, size and the lines it breaks into."""

    style: str
    size: float
    lines: tuple[str, ...]
    color: tuple[int, int, int]

    @property
    def line_height(self) -> float:
        return self.size * _PT * _LEADING

    @property
    def height(self) -> float:
        return self.line_height * len(self.lines)


def render(text: CertificateText) -> bytes:
    """Return the certificate as a one-page A4 landscape PDF."""
    pdf = FPDF(orientation="L", unit="mm", format="A4")
    pdf.set_auto_page_break(False)
    pdf.set_margins(0, 0, 0)
    pdf.c_margin = 0
    # fpdf2 reads the font files lazily, up to output(): keep the paths alive until then.
    with _font_paths() as fonts:
        for style, path in fonts.items():
            pdf.add_font(FONT_FAMILY, style, path)
        _set_metadata(pdf, text)
        pdf.add_page()
        _draw_frame(pdf)
        _draw_heading(pdf, text.heading)
        _draw_middle(pdf, text)
        qr_left, qr_top = _draw_qr(pdf, text.verify_url)
        _draw_footer(pdf, text, right=qr_left - _FOOTER_GAP, middle=qr_top + _QR_SIZE / 2)
        return bytes(pdf.output())


@contextmanager
def _font_paths() -> Iterator[dict[str, Path]]:
    """The vendored font files as real paths (they are in the package, never /usr/share)."""
    folder = resources.files("portal.data").joinpath("fonts")
    with ExitStack() as stack:
        yield {
            style: stack.enter_context(resources.as_file(folder.joinpath(name)))
            for style, name in _FONT_FILES.items()
        }


def _set_metadata(pdf: FPDF, text: CertificateText) -> None:
    pdf.set_title(_clean(text.course_title))
    pdf.set_subject(f"{_clean(text.heading)}: {_clean(text.learner_name)}")
    pdf.set_creator("Huquq Portal")
    pdf.set_lang(text.language)
    pdf.viewer_preferences = ViewerPreferences(display_doc_title=True)


def _draw_frame(pdf: FPDF) -> None:
    pdf.set_draw_color(*_NAVY)
    pdf.set_line_width(1.2)
    inner = PAGE_W - 2 * _FRAME_OUTER
    pdf.rect(_FRAME_OUTER, _FRAME_OUTER, inner, PAGE_H - 2 * _FRAME_OUTER)
    pdf.set_draw_color(*_GOLD)
    pdf.set_line_width(0.4)
    pdf.rect(_FRAME_INNER, _FRAME_INNER, PAGE_W - 2 * _FRAME_INNER, PAGE_H - 2 * _FRAME_INNER)


def _draw_heading(pdf: FPDF, heading: str) -> None:
    block = _fit(pdf, heading, "B", 30, 16, _CONTENT_W, 1, _NAVY)
    bottom = _draw_block(pdf, block, _HEADING_TOP)
    # A short gold rule under the heading.
    pdf.set_draw_color(*_GOLD)
    pdf.set_line_width(0.6)
    rule_y = bottom + 4.0
    pdf.line(PAGE_W / 2 - 35, rule_y, PAGE_W / 2 + 35, rule_y)


def _draw_middle(pdf: FPDF, text: CertificateText) -> None:
    """Name, course, hours, dates: centred as one block between the heading and the footer."""
    gap_after = {"name": 7.0, "course": 7.0, "hours": 2.5, "date": 1.0, "valid": 0.0}
    blocks: list[tuple[_Block, float]] = [
        (_fit(pdf, text.learner_name, "B", 28, 16, _CONTENT_W, 2, _NAVY), gap_after["name"]),
        (_fit(pdf, text.course_title, "", 18, 10, _CONTENT_W, 3, _INK), gap_after["course"]),
        (_fit(pdf, text.hours_line, "", 13, 9, _CONTENT_W, 1, _INK), gap_after["hours"]),
        (_fit(pdf, text.date_line, "", 12, 9, _CONTENT_W, 1, _INK), gap_after["date"]),
    ]
    if text.valid_line.strip():
        blocks.append((_fit(pdf, text.valid_line, "", 12, 9, _CONTENT_W, 1, _INK), 0.0))
    blocks = [(block, gap) for block, gap in blocks if block.lines]
    if not blocks:
        return
    total = sum(block.height + gap for block, gap in blocks) - blocks[-1][1]
    y = _MIDDLE_TOP + max(0.0, (_MIDDLE_BOTTOM - _MIDDLE_TOP - total) / 2)
    for block, gap in blocks:
        y = _draw_block(pdf, block, y) + gap


def _draw_footer(pdf: FPDF, text: CertificateText, right: float, middle: float) -> None:
    """Certificate code and the verification line, left of the QR code, level with it."""
    width = right - _CONTENT_X
    code = _fit(pdf, text.code_line, "B", 12, 8, width, 1, _INK)
    verify = _fit(pdf, text.verify_line, "", 9, 6, width, 3, _GREY)
    total = code.height + 1.5 + verify.height
    y = middle - total / 2
    y = _draw_block(pdf, code, y, align="L", x=_CONTENT_X, width=width) + 1.5
    _draw_block(pdf, verify, y, align="L", x=_CONTENT_X, width=width)


def _draw_qr(pdf: FPDF, url: str) -> tuple[float, float]:
    """Draw the QR code of ``url`` at the bottom right; return its top left corner."""
    matrix = _qr_matrix(url)
    module = _QR_SIZE / len(matrix)
    left = _QR_DARK_RIGHT + _QR_QUIET * module - _QR_SIZE
    top = _QR_DARK_BOTTOM + _QR_QUIET * module - _QR_SIZE
    pdf.set_fill_color(255, 255, 255)  # the quiet zone stays white whatever is around it
    pdf.rect(left, top, _QR_SIZE, _QR_SIZE, style="F")
    pdf.set_fill_color(0, 0, 0)
    for row, col, height, length in _dark_rectangles(matrix):
        pdf.rect(left + col * module, top + row * module, length * module, height * module, "F")
    return left, top


def _qr_matrix(url: str) -> list[list[bool]]:
    """The QR modules of ``url``, quiet zone included (True is dark)."""
    code = qrcode.QRCode(error_correction=ERROR_CORRECT_M, border=_QR_QUIET)
    code.add_data(url)
    code.make(fit=True)
    return [[bool(cell) for cell in row] for row in code.get_matrix()]


def _dark_rectangles(matrix: list[list[bool]]) -> list[tuple[int, int, int, int]]:
    """Cover the dark modules with few rectangles: (row, col, height, length) in modules.

    Runs of dark modules in a row become one rectangle, stacked with the identical runs of
    the rows below, so the code is a few hundred ``re`` operators with no seams inside runs.
    """
    open_runs: dict[tuple[int, int], list[int]] = {}  # (col, length) -> [row, height]
    done: list[tuple[int, int, int, int]] = []
    for r, row in enumerate(matrix + [[]]):
        runs: set[tuple[int, int]] = set()
        c = 0
        while c < len(row):
            if row[c]:
                start = c
                while c < len(row) and row[c]:
                    c += 1
                runs.add((start, c - start))
            else:
                c += 1
        for key in list(open_runs):
            if key in runs:
                open_runs[key][1] += 1
            else:
                start_row, height = open_runs.pop(key)
                done.append((start_row, key[0], height, key[1]))
        for key in runs - open_runs.keys():
            open_runs[key] = [r, 1]
    return sorted(done)


def _fit(
    pdf: FPDF,
    text: str,
    style: str,
    size: float,
    min_size: float,
    width: float,
    max_lines: int,
    color: tuple[int, int, int],
) -> _Block:
    """Break ``text`` into at most ``max_lines`` lines of ``width``, shrinking if it must.

    Text that still does not fit at ``min_size`` is cut with an ellipsis, so no input can
    push anything off the page or onto a second one.
    """
    text = _clean(text)
    current = size
    while True:
        pdf.set_font(FONT_FAMILY, style, current)
        lines = _wrap(pdf, text, width)
        if len(lines) <= max_lines:
            return _Block(style, current, tuple(lines), color)
        if current - 0.5 < min_size:
            break
        current -= 0.5
    kept = lines[:max_lines]
    last = kept[-1]
    while last and pdf.get_string_width(last + _ELLIPSIS) > width:
        last = last[:-1]
    kept[-1] = last.rstrip() + _ELLIPSIS
    return _Block(style, current, tuple(kept), color)


def _wrap(pdf: FPDF, text: str, width: float) -> list[str]:
    """Greedy word wrap with the current font; words wider than a line are split."""
    lines: list[str] = []
    line = ""
    for word in text.split(" "):
        candidate = f"{line} {word}" if line else word
        if pdf.get_string_width(candidate) <= width:
            line = candidate
            continue
        if line:
            lines.append(line)
        line = ""
        for char in word:
            if line and pdf.get_string_width(line + char) > width:
                lines.append(line)
                line = ""
            line += char
    if line:
        lines.append(line)
    return lines


def _draw_block(
    pdf: FPDF,
    block: _Block,
    y: float,
    align: str = "C",
    x: float = _CONTENT_X,
    width: float = _CONTENT_W,
) -> float:
    """Print the block's lines from ``y``; return the y just below it."""
    pdf.set_font(FONT_FAMILY, block.style, block.size)
    pdf.set_text_color(*block.color)
    for line in block.lines:
        pdf.set_xy(x, y)
        pdf.cell(width, block.line_height, line, align=align)
        y += block.line_height
    return y


def _clean(text: str) -> str:
    """Collapse all whitespace (newlines and tabs included) into single spaces."""
    return " ".join(text.split())
