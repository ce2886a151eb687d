from __future__ import annotations

import io

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from dti.frameworks.access import frameworks_for_user, get_framework_for_user
from dti.frameworks.fileformat import dump_yaml
from dti.frameworks.models import Criterion
from dti.frameworks.present import describe_rule, render_problem
from dti.frameworks.store import problem_from_json, to_scoring

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@require_GET
def framework_list(request: HttpRequest) -> HttpResponse:
    return render(request, "frameworks/list.html", {"frameworks": frameworks_for_user(request)})


@require_GET
def framework_detail(request: HttpRequest, code: str, version: int | None = None) -> HttpResponse:
    framework = get_framework_for_user(request, code, version)
    criteria = list(Criterion.objects.filter(framework=framework).order_by("position"))
    lang = get_language() or "vi"
    labels = {field["key"]: field["label"] for field in framework.general_info}
    rows = [
        {
            "criterion": c,
            "rule": describe_rule(c.rule_type, c.rule_params, lang, labels) if c.rule_type else "",
            "is_pillar": c.depth == 1,
        }
        for c in criteria
    ]
    problems = [problem_from_json(p) for p in framework.report]
    report = [
        {"level": p.level, **render_problem(p, lang)} for p in sorted(problems, key=_problem_order)
    ]
    versions = list(
        framework.__class__.objects.filter(code=code)
        .order_by("-version")
        .values_list("version", flat=True)
    )
    context = {
        "framework": framework,
        "rows": rows,
        "report": report,
        "versions": versions,
        "pillar_count": sum(1 for c in criteria if c.depth == 1),
        "general_sections": _sections(framework.general_info),
    }
    return render(request, "frameworks/detail.html", context)


def _problem_order(problem: object) -> tuple[int, int]:
    order = {"error": 0, "warning": 1, "note": 2}
    return order.get(getattr(problem, "level", "note"), 3), getattr(problem, "line", None) or 0


FIELD_TYPE_LABELS = {
    "text": gettext_lazy("text"),
    "integer": gettext_lazy("whole number"),
    "decimal": gettext_lazy("number"),
    "url": gettext_lazy("web address"),
    "email": gettext_lazy("e-mail"),
    "phone": gettext_lazy("phone number"),
    "date": gettext_lazy("date"),
}


def _sections(fields: list[dict[str, str]]) -> list[tuple[str, list[dict[str, str]]]]:
    sections: list[tuple[str, list[dict[str, str]]]] = []
    for raw in fields:
        field = {
            **raw,
            "type_label": FIELD_TYPE_LABELS.get(raw.get("type", "text"), raw.get("type", "")),
        }
        name = field.get("section", "")
        if not sections or sections[-1][0] != name:
            sections.append((name, []))
        sections[-1][1].append(field)
    return sections


@require_GET
def framework_export(request: HttpRequest, code: str, version: int, fmt: str) -> HttpResponse:
    framework = get_framework_for_user(request, code, version)
    filename = f"{framework.code}-v{framework.version}"
    if fmt == "yaml":
        response = HttpResponse(
            dump_yaml(to_scoring(framework)), content_type="application/x-yaml; charset=utf-8"
        )
        response["Content-Disposition"] = f'attachment; filename="{filename}.yaml"'
        return response
    if fmt == "xlsx":
        from dti.frameworks.spreadsheet import write_workbook

        buffer = io.BytesIO()
        write_workbook(to_scoring(framework), buffer)
        response = HttpResponse(buffer.getvalue(), content_type=XLSX)
        response["Content-Disposition"] = f'attachment; filename="{filename}.xlsx"'
        return response
    return HttpResponse(
        _("Unknown export format."), status=404, content_type="text/plain; charset=utf-8"
    )
