"""Geometry of the register's bar chart: one horizontal bar per country, split by kind.

Drawn by the template as SVG (no script, no inline style: the page's CSP allows neither); the
same figures are in a table next to it for screen readers and for copying.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol

#: Width of the label column and of the bars, and the height of one row, in SVG user units.
LABEL_WIDTH = 180
BAR_WIDTH = 400
ROW_HEIGHT = 28
BAR_HEIGHT = 18


class Counted(Protocol):
    @property
    def code(self) -> str: ...

    @property
    def counts(self) -> Mapping[str, int]: ...

    @property
    def total(self) -> int: ...


@dataclass(frozen=True)
class Segment:
    kind: str
    count: int
    x: float
    width: float


@dataclass
class Row:
    code: str
    total: int
    y: float
    segments: list[Segment] = field(default_factory=list)


@dataclass
class Chart:
    rows: list[Row]
    width: int
    height: int
    label_width: int = LABEL_WIDTH
    bar_height: int = BAR_HEIGHT
    #: The largest total: the full bar width.
    scale: int = 1


def stacked(rows: Sequence[Counted], kinds: Sequence[str]) -> Chart:
    """Bars for *rows* in their order, each split into *kinds* in that order; the largest
    total fills the bar width, so bars compare across countries."""
    scale = max((row.total for row in rows), default=0) or 1
    drawn = []
    for i, source in enumerate(rows):
        row = Row(code=source.code, total=source.total, y=i * ROW_HEIGHT + 4)
        x = float(LABEL_WIDTH)
        for kind in kinds:
            count = source.counts.get(kind, 0)
            if count:
                width = BAR_WIDTH * count / scale
                row.segments.append(Segment(kind, count, round(x, 2), round(width, 2)))
                x += width
        drawn.append(row)
    return Chart(rows=drawn, width=LABEL_WIDTH + BAR_WIDTH + 40,
                 height=max(len(drawn), 1) * ROW_HEIGHT + 8, scale=scale)
