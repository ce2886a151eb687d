"""A framework as the engine sees it: a tree of criteria with rules as data.

Bộ chỉ số (framework) → chỉ số chính (pillars) → chỉ số thành phần (components)
→ possibly sub-criteria. Leaves carry a maximum (điểm tối đa) and a rule.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property
from typing import Any

LEVELS = ("department", "district", "commune", "agency", "website", "other")
NA_POLICIES = ("exclude", "full")
FIELD_TYPES = ("text", "integer", "decimal", "url", "email", "phone", "date")
NUMERIC_FIELD_TYPES = ("integer", "decimal")


@dataclass(frozen=True)
class Rule:
    """How a leaf is scored: a rule type and its parameters (see ``rules.RULES``)."""

    type: str
    params: Mapping[str, Any] = field(default_factory=dict)


@dataclass(eq=False)
class Criterion:
    """One row of the framework table (chỉ số / chỉ số thành phần / tiêu chí).

    ``code`` is unique in the framework; ``printed`` is the STT as printed
    ("a", "6.19", or "" for an unnumbered row).
    """

    code: str
    printed: str
    title: str
    max: Decimal | None = None
    rule: Rule | None = None
    children: list[Criterion] = field(default_factory=list)
    announced_max: Decimal | None = None
    evidence: str = ""
    notes: str = ""
    na_allowed: bool = False
    lead: str = ""
    coordinating: str = ""
    line: int | None = None

    @property
    def is_leaf(self) -> bool:
        return not self.children

    @property
    def counts(self) -> bool:
        """False for information-only leaves, which carry no points."""
        if self.is_leaf:
            return self.rule is not None and self.rule.type != "info"
        return any(child.counts for child in self.children)

    @cached_property
    def effective_max(self) -> Decimal:
        """The maximum the scores are computed on: a leaf's own, a parent's children's sum."""
        if self.is_leaf:
            return self.max if self.max is not None and self.counts else Decimal(0)
        return sum((child.effective_max for child in self.children), Decimal(0))

    def walk(self) -> Iterator[Criterion]:
        yield self
        for child in self.children:
            yield from child.walk()


@dataclass(frozen=True)
class GeneralField:
    """A field of the general information (thông tin chung) a unit fills in."""

    key: str
    label: str
    type: str = "text"
    unit: str = ""
    number: str = ""
    section: str = ""
    line: int | None = None


@dataclass(frozen=True)
class Band:
    """A classification band (xếp loại): a label for totals from ``min`` up."""

    label: str
    min: Decimal


@dataclass(eq=False)
class Framework:
    code: str
    name: str
    level: str = "other"
    year: int | None = None
    legal_basis: Mapping[str, str] = field(default_factory=dict)
    total: Decimal | None = None
    na_policy: str = "exclude"
    bands: list[Band] = field(default_factory=list)
    general_fields: list[GeneralField] = field(default_factory=list)
    criteria: list[Criterion] = field(default_factory=list)
    description: str = ""

    def walk(self) -> Iterator[Criterion]:
        for root in self.criteria:
            yield from root.walk()

    @cached_property
    def by_code(self) -> dict[str, Criterion]:
        return {node.code: node for node in self.walk()}

    @property
    def leaves(self) -> list[Criterion]:
        return [node for node in self.walk() if node.is_leaf and node.counts]

    @property
    def max(self) -> Decimal:
        return sum((root.effective_max for root in self.criteria), Decimal(0))

    @cached_property
    def fields(self) -> dict[str, GeneralField]:
        return {f.key: f for f in self.general_fields}
