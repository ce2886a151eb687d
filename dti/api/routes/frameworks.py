"""Frameworks: list and read them (no token needed: they are public decisions), validate and
import them (the administrator)."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from dti.accounts.access import require_admin
from dti.api.auth import PUBLIC
from dti.api.common import actor, answers, lang
from dti.api.errors import invalid, not_found
from dti.api.pagination import Page, PageQuery, paginate
from dti.frameworks.actions import import_framework
from dti.frameworks.fileformat import LoadResult, build, load_text
from dti.frameworks.models import Framework
from dti.frameworks.store import _place, export_document, jsonable
from dti.scoring.problems import Problem

router = Router()

#: A framework document sent as JSON is at most this many characters of YAML, as a file is.
MAX_YAML_CHARS = 5 * 1024 * 1024


class FrameworkOut(Schema):
    id: int
    code: str
    version: int
    name: str
    level: str
    year: int | None
    total: Decimal = Field(description="Points of all criteria.")
    scored_criteria: int
    decision: str = Field(description="Number of the decision that issued it.")
    builtin: bool
    imported_at: datetime.datetime


class FrameworkDetail(FrameworkOut):
    document: dict[str, Any] = Field(
        description="The framework in the framework-file format (docs/framework-format.md), "
        "as JSON: what POST /frameworks takes."
    )


class FrameworkIn(Schema):
    document: dict[str, Any] | None = Field(
        None, description="The framework as a JSON object in the framework-file format."
    )
    yaml: str | None = Field(
        None, max_length=MAX_YAML_CHARS, description="Or: the framework file's YAML text."
    )


class ProblemOut(Schema):
    level: str = Field(description="error, warning or note")
    where: str = Field(description="The criterion code and line, if any.")
    message: str


class ValidationOut(Schema):
    valid: bool
    code: str
    problems: list[ProblemOut]


class ImportOut(Schema):
    created: bool = Field(description="False when the same framework was already stored.")
    framework: FrameworkOut
    problems: list[ProblemOut]


def framework_out(framework: Framework) -> dict[str, Any]:
    return {
        "id": framework.pk,
        "code": framework.code,
        "version": framework.version,
        "name": framework.name,
        "level": framework.level,
        "year": framework.year,
        "total": framework.total_max,
        "scored_criteria": framework.leaf_count,
        "decision": framework.legal_number,
        "builtin": framework.builtin,
        "imported_at": framework.imported_at,
    }


def _exact(value: Any) -> Any:
    """JSON numbers as exact decimals ("2.5", not 2.4999…), as the YAML reader gives them."""
    if isinstance(value, float):
        return Decimal(repr(value))
    if isinstance(value, dict):
        return {str(k): _exact(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_exact(v) for v in value]
    return value


def _load(body: FrameworkIn) -> LoadResult:
    if (body.document is None) == (body.yaml is None):
        raise invalid(
            _("Send the framework either as “document” (JSON) or as “yaml” (text), not both."),
            [("body.document", _("This field is required."))],
        )
    if body.yaml is not None:
        return load_text(body.yaml)
    return build(_place(_exact(body.document)))


def _problems(problems: list[Problem]) -> list[dict[str, str]]:
    return [
        {"level": p.level, "where": p.where(_), "message": p.message(_, lang())} for p in problems
    ]


@router.get("", response=answers(Page[FrameworkOut]), auth=PUBLIC, url_name="frameworks")
def list_frameworks(
    request: HttpRequest, query: Query[PageQuery], code: str | None = None
) -> dict[str, Any]:
    """Every stored framework version, newest first; ``code`` keeps one framework's versions."""
    frameworks = Framework.objects.order_by("code", "-version")
    if code:
        frameworks = frameworks.filter(code=code)
    return paginate(request, frameworks, query, lambda rows: [framework_out(f) for f in rows])


@router.post("/validate", response=answers(ValidationOut, 403), url_name="framework_validate")
def validate_framework(request: HttpRequest, body: FrameworkIn) -> dict[str, Any]:
    """Check a framework without storing it: every error, warning and note."""
    require_admin(request)
    result = _load(body)
    return {"valid": result.ok, "code": result.code, "problems": _problems(result.problems)}


@router.get(
    "/{framework_id}", response=answers(FrameworkDetail, 404), auth=PUBLIC, url_name="framework"
)
def get_framework(request: HttpRequest, framework_id: int) -> dict[str, Any]:
    framework = Framework.objects.filter(pk=framework_id).first()
    if framework is None:
        raise not_found()
    return {**framework_out(framework), "document": jsonable(export_document(framework))}


@router.post(
    "",
    response={**answers(ImportOut, 403), 201: ImportOut},
    url_name="framework_import",
)
def import_framework_(request: HttpRequest, body: FrameworkIn) -> Status:
    """Store a framework as the next version of its code (201), or find it already stored (200).
    A framework with errors is refused (400) and nothing is stored."""
    require_admin(request)
    result = _load(body)
    if not result.ok or result.framework is None:
        raise invalid(
            _("The framework has errors and was not imported."),
            [(p.where(_) or "document", p.message(_, lang())) for p in result.errors],
        )
    framework, created = import_framework(result, actor(request), source_name="API")
    out = {
        "created": created,
        "framework": framework_out(framework),
        "problems": _problems(result.problems),
    }
    return Status(201 if created else 200, out)
