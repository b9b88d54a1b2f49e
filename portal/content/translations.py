"""Items translated into several languages, counted once."""

from __future__ import annotations

from typing import Any

from sqlalchemy import case, func, select


def one_per_group(model: Any, conditions: list[Any], prefer_language: str | None) -> Any:
    """A subquery of the ids of *model* rows matching *conditions*, one per translation group:
    the one in *prefer_language* when the group has it, else the earliest published."""
    preferred = case((model.language == prefer_language, 0), else_=1)
    rank = func.row_number().over(partition_by=model.translation_group,
                                  order_by=(preferred, model.published_at, model.id))
    ranked = select(model.id, rank.label("rank")).where(*conditions).subquery()
    return select(ranked.c.id).where(ranked.c.rank == 1)
