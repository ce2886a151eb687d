"""Between the database rows and the scoring engine's framework."""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from decimal import Decimal
from functools import lru_cache
from typing import Any

from dti.frameworks.fileformat import LoadResult, Place, build, rule_document, to_document
from dti.frameworks.models import Criterion, Framework
from dti.scoring import model as scoring
from dti.scoring.problems import Problem


def jsonable(value: Any) -> Any:
    """Decimals as exact text, recursively, for JSON columns."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    return value


def problem_to_json(problem: Problem) -> dict[str, Any]:
    return {
        "level": problem.level,
        "template": problem.template,
        "params": jsonable(dict(problem.params)),
        "code": problem.code,
        "line": problem.line,
        "cell": problem.cell,
    }


def problem_from_json(data: Mapping[str, Any]) -> Problem:
    params = {}
    for key, value in data.get("params", {}).items():
        # Numbers were stored as text; show them as numbers again (decimal comma in Vietnamese).
        if isinstance(value, str) and _looks_decimal(value):
            params[key] = Decimal(value)
        else:
            params[key] = value
    return Problem(
        data["level"],
        data["template"],
        params,
        data.get("code"),
        data.get("line"),
        data.get("cell"),
    )


def _looks_decimal(text: str) -> bool:
    try:
        Decimal(text)
    except ArithmeticError:
        return False
    return text.replace(".", "", 1).replace("-", "", 1).isdigit()


def _place(data: Mapping[str, Any]) -> Place:
    place = Place()
    for key, value in data.items():
        if isinstance(value, Mapping):
            place[key] = _place(value)
        elif isinstance(value, list):
            place[key] = [_place(v) if isinstance(v, Mapping) else v for v in value]
        else:
            place[key] = value
    return place


def document_of(framework: Framework, criteria: list[Criterion] | None = None) -> Place:
    """The stored framework as a framework document, ready for ``build``."""
    rows = criteria if criteria is not None else list(framework.criteria.order_by("position"))
    children: dict[int | None, list[dict[str, Any]]] = {}
    nodes: dict[int, dict[str, Any]] = {}
    for row in rows:
        node: dict[str, Any] = {"code": row.printed, "title": row.title}
        if row.max_points is not None:
            node["max"] = row.max_points
        if row.announced_max is not None:
            node["announced_max"] = row.announced_max
        if row.rule_type:
            node["rule"] = row.rule_document()
        for key in ("evidence", "notes", "lead", "coordinating"):
            if getattr(row, key):
                node[key] = getattr(row, key)
        if row.na_allowed:
            node["na_allowed"] = True
        nodes[row.pk] = node
        children.setdefault(row.parent_id, []).append(node)
    for pk, node in nodes.items():
        if pk in children:
            node["children"] = children[pk]
    doc: dict[str, Any] = {"code": framework.code, "name": framework.name, "level": framework.level}
    if framework.year:
        doc["year"] = framework.year
    legal = {
        "number": framework.legal_number,
        "date": framework.legal_date.isoformat() if framework.legal_date else "",
        "issuer": framework.legal_issuer,
        "title": framework.legal_title,
    }
    legal = {k: v for k, v in legal.items() if v}
    if legal:
        doc["legal_basis"] = legal
    if framework.stated_total is not None:
        doc["total"] = framework.stated_total
    doc["not_applicable"] = framework.na_policy
    if framework.description:
        doc["description"] = framework.description
    if framework.classification:
        doc["classification"] = framework.classification
    if framework.general_info:
        doc["general_info"] = framework.general_info
    doc["criteria"] = children.get(None, [])
    return _place(doc)


@lru_cache(maxsize=64)
def _scoring_framework(pk: int, imported_at: datetime.datetime) -> scoring.Framework:
    framework = Framework.objects.get(pk=pk)
    result = build(document_of(framework))
    if result.framework is None:  # pragma: no cover - only valid frameworks are stored
        raise ValueError(f"stored framework {framework} no longer validates")
    return result.framework


def to_scoring(framework: Framework) -> scoring.Framework:
    """The scoring engine's view of a stored framework version (cached: versions never change)."""
    return _scoring_framework(framework.pk, framework.imported_at)


def revalidate(framework: Framework) -> LoadResult:
    return build(document_of(framework))


def export_document(framework: Framework) -> dict[str, Any]:
    return to_document(to_scoring(framework))


__all__ = [
    "document_of",
    "export_document",
    "jsonable",
    "problem_from_json",
    "problem_to_json",
    "revalidate",
    "rule_document",
    "to_scoring",
]
