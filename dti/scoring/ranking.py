"""Ranking within a group, per pillar too, and classification bands."""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from decimal import Decimal
from typing import TypeVar

from dti.scoring.engine import Result
from dti.scoring.model import Band

K = TypeVar("K", bound=Hashable)


def rank(scores: Mapping[K, Decimal | None]) -> dict[K, int | None]:
    """Competition ranking, highest first: equal scores share a rank (1, 2, 2, 4).

    A unit without a score (None) has no rank.
    """
    ordered = sorted((s for s in scores.values() if s is not None), reverse=True)
    first_place: dict[Decimal, int] = {}
    for position, value in enumerate(ordered, 1):
        first_place.setdefault(value, position)
    return {key: (None if value is None else first_place[value]) for key, value in scores.items()}


def rank_by_pillar(results: Mapping[K, Result]) -> dict[K, dict[str, int | None]]:
    """For each unit, its rank within the group on each pillar ("3/18")."""
    pillar_scores = {key: result.pillar_scores() for key, result in results.items()}
    codes: list[str] = []
    for scores in pillar_scores.values():
        codes.extend(code for code in scores if code not in codes)
    ranks: dict[K, dict[str, int | None]] = {key: {} for key in results}
    for code in codes:
        by_unit = rank({key: scores.get(code) for key, scores in pillar_scores.items()})
        for key, position in by_unit.items():
            ranks[key][code] = position
    return ranks


def classify(total: Decimal, bands: Sequence[Band]) -> str | None:
    """The label of the highest band whose minimum the total reaches, or None."""
    for band in sorted(bands, key=lambda b: b.min, reverse=True):
        if total >= band.min:
            return band.label
    return None
