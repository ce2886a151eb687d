"""Every change to stored frameworks goes through these actions, each audited."""

from __future__ import annotations

import datetime

from django.db import transaction

from dti.audit.trail import Actor, record
from dti.frameworks.fileformat import LoadResult, to_document
from dti.frameworks.models import Criterion, Framework
from dti.frameworks.store import jsonable, problem_to_json
from dti.scoring import model as scoring


class FrameworkRejected(Exception):
    """The framework has errors and was not imported; ``result`` says which."""

    def __init__(self, result: LoadResult) -> None:
        super().__init__("framework has errors")
        self.result = result


@transaction.atomic
def import_framework(
    result: LoadResult, actor: Actor, source_name: str = "", builtin: bool = False
) -> tuple[Framework, bool]:
    """Store a validated framework as a new version of its code.

    Importing a framework identical to the newest version of its code changes
    nothing and returns that version (``created`` is False).
    """
    if result.framework is None:
        raise FrameworkRejected(result)
    fw = result.framework
    newest = Framework.objects.select_for_update().filter(code=fw.code).order_by("-version").first()
    if newest is not None:
        from dti.frameworks.store import export_document

        if export_document(newest) == to_document(fw):
            return newest, False
    legal = fw.legal_basis
    stored = Framework.objects.create(
        code=fw.code,
        version=(newest.version + 1) if newest else 1,
        name=fw.name,
        level=fw.level,
        year=fw.year,
        legal_number=legal.get("number", ""),
        legal_date=datetime.date.fromisoformat(legal["date"]) if legal.get("date") else None,
        legal_issuer=legal.get("issuer", ""),
        legal_title=legal.get("title", ""),
        description=fw.description,
        stated_total=fw.total,
        total_max=fw.max,
        leaf_count=len(fw.leaves),
        na_policy=fw.na_policy,
        classification=[{"label": b.label, "min": str(b.min)} for b in fw.bands],
        general_info=jsonable(to_document(fw).get("general_info", [])),
        report=[problem_to_json(p) for p in result.problems],
        source_name=source_name[:300],
        builtin=builtin,
    )
    _store_criteria(stored, fw)
    record(
        actor,
        "framework.import",
        stored,
        before=None,
        after={
            "code": stored.code,
            "version": stored.version,
            "total": stored.total_max,
            "leaves": stored.leaf_count,
        },
        reason=source_name,
    )
    return stored, True


def _store_criteria(stored: Framework, fw: scoring.Framework) -> None:
    position = 0

    def add(nodes: list[scoring.Criterion], parent: Criterion | None, depth: int) -> None:
        nonlocal position
        for node in nodes:
            position += 1
            row = Criterion.objects.create(
                framework=stored,
                parent=parent,
                position=position,
                depth=depth,
                code=node.code,
                printed=node.printed,
                title=node.title,
                max_points=node.max,
                effective_max=node.effective_max,
                announced_max=node.announced_max,
                rule_type=node.rule.type if node.is_leaf and node.rule else "",
                rule_params=jsonable(dict(node.rule.params)) if node.is_leaf and node.rule else {},
                evidence=node.evidence,
                notes=node.notes,
                na_allowed=node.na_allowed,
                lead=node.lead,
                coordinating=node.coordinating,
            )
            add(node.children, row, depth + 1)

    add(fw.criteria, None, 1)
