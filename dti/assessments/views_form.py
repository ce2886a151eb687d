"""The unit's self-assessment page (bản tự đánh giá): general information, then the criteria tree
with pillar subtotals. Figures are saved one criterion at a time as JSON while the officer types,
and the scores come back from the scoring package, so the page never reloads.

The page costs the same number of queries for 5 criteria as for 100: criteria, answers,
assignments and evidence counts are each read once.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from dti.accounts.access import Access, access_of
from dti.assessments import actions
from dti.assessments.access import (
    Editing,
    editing_for,
    get_assessment_for_user,
    open_assessment_for_user,
)
from dti.assessments.models import Answer, Assessment, Assignment, Evidence
from dti.assessments.scoring import THOUSANDS, score_assessment
from dti.audit.trail import Actor
from dti.frameworks.models import Criterion
from dti.frameworks.present import describe_rule
from dti.periods.deadlines import closes_at, submission_open
from dti.scoring.engine import Result
from dti.scoring.numbers import format_points, parse_decimal, plain
from dti.scoring.problems import Problem
from dti.web.jinja import render_list

#: Inputs that are counts of things: "1.250" is read as 1250, as Vietnamese write it.
WHOLE_INPUTS = ("numerator", "denominator", "count")
NUMBER_INPUTS = (*WHOLE_INPUTS, "value", "score")
UNANSWERED = ("unanswered", "invalid")


def _lang() -> str:
    return get_language() or "vi"


def _number_text(value: Any, lang: str) -> str:
    """A stored figure as the officer reads it: "1,5" in Vietnamese."""
    if value is None or value == "":
        return ""
    try:
        return format_points(parse_decimal(value), lang)
    except ValueError:
        return str(value)


def _field_keys(value: Any) -> list[str]:
    if not value:
        return []
    return [value] if isinstance(value, str) else [str(v) for v in value]


def _field_total(keys: list[str], general: Mapping[str, Any]) -> Decimal | None:
    """The sum of general-information fields, None while one of them is empty."""
    total = Decimal(0)
    for key in keys:
        try:
            total += parse_decimal(general[key])
        except (KeyError, ValueError):
            return None
    return total


def fixed_figures(
    criterion: Criterion, inputs: Mapping[str, Any], general: Mapping[str, Any]
) -> dict[str, Any]:
    """Figures a rule takes from the general information: a denominator, a count's target."""
    params = criterion.rule_params or {}
    fixed: dict[str, Any] = {}
    denominator = _field_keys(params.get("denominator_field"))
    if denominator and inputs.get("denominator") in (None, ""):
        fixed["denominator"] = (denominator, _field_total(denominator, general))
    target = _field_keys(params.get("target_field"))
    if criterion.rule_type == "count" and target:
        fixed["target"] = (target, _field_total(target, general))
    return fixed


def inputs_for(
    criterion: Criterion,
    inputs: Mapping[str, Any],
    general: Mapping[str, Any],
    labels: Mapping[str, str],
    lang: str,
) -> list[dict[str, Any]]:
    """The inputs a criterion's rule needs, ready for the template."""
    rule, params = criterion.rule_type, criterion.rule_params or {}
    fields: list[dict[str, Any]] = []
    fixed = fixed_figures(criterion, inputs, general)

    def number(key: str, label: str, **extra: Any) -> None:
        fields.append(
            {
                "key": key,
                "kind": "number",
                "label": label,
                "value": _number_text(inputs.get(key), lang),
                **extra,
            }
        )

    def from_general(key: str, label: str) -> None:
        keys, total = fixed[key]
        fields.append(
            {
                "key": key,
                "kind": "fixed",
                "label": label,
                "value": "" if total is None else format_points(total, lang),
                "source_text": _("from the general information: %(fields)s")
                % {"fields": " + ".join(labels.get(k, k) for k in keys)},
                "anchor": keys[0],
            }
        )

    if rule == "yesno":
        fields.append(
            {"key": "yes", "kind": "yesno", "label": _("Answer"), "value": inputs.get("yes")}
        )
    elif rule == "ratio" or (rule == "bands" and params.get("input") == "ratio"):
        number("numerator", _("Numerator"))
        if "denominator" in fixed:
            from_general("denominator", _("Denominator"))
        elif params.get("denominator_field"):
            # Entered before (e.g. from the Excel form) over the general information: shown, so
            # that it is not lost silently; clearing it goes back to the general information.
            keys = _field_keys(params["denominator_field"])
            number(
                "denominator",
                _("Denominator"),
                help=_("Entered instead of the general information; clear it to use %(fields)s.")
                % {"fields": " + ".join(labels.get(k, k) for k in keys)},
            )
        else:
            number("denominator", _("Denominator"))
    elif rule == "bands":
        number("value", _("Value"))
    elif rule == "count":
        number("count", _("Count"), whole=True)
        if "target" in fixed:
            from_general("target", _("Target"))
    elif rule == "choice":
        fields.append(
            {
                "key": "choice",
                "kind": "choice",
                "label": _("Choice"),
                "value": str(inputs.get("choice", "")),
                "options": [
                    {
                        "key": str(o["key"]),
                        "text": _("%(option)s (%(points)s points)")
                        % {
                            "option": o.get("label", o["key"]),
                            "points": _number_text(o["points"], lang),
                        },
                    }
                    for o in params.get("options", [])
                ],
            }
        )
    elif rule == "manual":
        number("score", _("Score"), suffix=f"/ {format_points(criterion.effective_max, lang)}")
    elif rule == "info":
        fields.append(
            {
                "key": "value",
                "kind": "text",
                "label": _("Value"),
                "value": str(inputs.get("value", "")),
            }
        )
    return fields


def describe_inputs(criterion: Criterion, inputs: Mapping[str, Any], note: str, lang: str) -> str:
    """Someone's saved figures in one line, to show next to mine when we both saved."""
    parts = [_("Not applicable")] if inputs.get("na") else []
    names = {
        "numerator": _("Numerator"),
        "denominator": _("Denominator"),
        "value": _("Value"),
        "count": _("Count"),
        "score": _("Score"),
    }
    for key, value in inputs.items():
        if key == "yes":
            parts.append(_("Yes") if value else _("No"))
        elif key == "choice":
            options = {
                str(o["key"]): o.get("label", o["key"])
                for o in (criterion.rule_params or {}).get("options", [])
            }
            parts.append(str(options.get(str(value), value)))
        elif key in names:
            parts.append(f"{names[key]}: {_number_text(value, lang)}")
    if note:
        parts.append(f"{_('Note')}: {note}")
    return " · ".join(parts) or _("(nothing entered)")


# ---------------------------------------------------------------- the page


@login_required
@require_GET
def assessment_open(request: HttpRequest, period_id: int, unit_id: int) -> HttpResponse:
    """The unit's assessment of the period, started on the first visit."""
    assessment = open_assessment_for_user(request, period_id, unit_id)
    return redirect("assessments:form", assessment_id=assessment.pk)


@login_required
@require_GET
def assessment_form(request: HttpRequest, assessment_id: int) -> HttpResponse:
    """General information first, then every criterion with its figures, note, evidence and score."""
    from dti.appraisal.views_unit import unit_appraisal  # the appraisal builds on this module

    assessment = get_assessment_for_user(request, assessment_id)
    access = access_of(request)
    editing = editing_for(access, assessment)
    lang = _lang()
    framework = assessment.group.framework
    general = assessment.general_info or {}
    labels = {f["key"]: f["label"] for f in framework.general_info}

    criteria = list(Criterion.objects.filter(framework=framework).order_by("position"))
    by_pk = {c.pk: c for c in criteria}
    answers = list(assessment.answers.all())
    for answer in answers:
        answer.criterion = by_pk[answer.criterion_id]  # no query per answer
    answer_of = {a.criterion_id: a for a in answers}
    assignments = _assignments(assessment)
    evidence_counts = dict(
        Evidence.criteria.through.objects.filter(evidence__assessment=assessment)
        .values("criterion_id")
        .annotate(n=Count("evidence_id"))
        .values_list("criterion_id", "n")
    )
    result = score_assessment(assessment, answers)
    mine = _mine(access, assessment, criteria, assignments)

    rows = _rows(
        criteria,
        result,
        answer_of,
        assignments,
        evidence_counts,
        editing,
        mine,
        general,
        labels,
        lang,
    )
    leaves = [r for r in rows if r["counts"]]
    now = timezone.now()
    period = assessment.period
    context = {
        "assessment": assessment,
        "period": period,
        "unit": assessment.unit,
        "framework": framework,
        "editing": editing,
        "rows": rows,
        "total": result.total,
        "max": result.max,
        "progress": {
            "answered": sum(1 for r in leaves if r["status"] not in UNANSWERED),
            "leaves": len(leaves),
            "without_evidence": sum(1 for r in leaves if not r["evidence"] and r["status"] != "na"),
            "mine": sum(1 for r in leaves if r["mine"]),
        },
        "general_sections": _general_sections(framework.general_info, general),
        "general_total": len(framework.general_info),
        "general_filled": sum(
            1 for f in framework.general_info if general.get(f["key"]) not in (None, "")
        ),
        "general_missing": any(general.get(f["key"]) in (None, "") for f in framework.general_info),
        "can_assign": access.is_admin
        or access.is_data_officer(assessment.unit)
        or access.is_leader(assessment.unit),
        "closes_at": closes_at(period.submission_deadline),
        "open": submission_open(period, assessment.unit, now),
        "reopened_until": period.reopenings.filter(unit=assessment.unit, until__gt=now)
        .values_list("until", flat=True)
        .first(),
        "config": _page_config(assessment, editing),
        # an open explanation round, or the final appraisal: no query before submission
        "appraisal": unit_appraisal(assessment, now),
    }
    # The criteria: 60 to 90 rows, drawn by Jinja2 (see dti.web.jinja).
    context["criteria"] = render_list(
        "assessments/rows.jinja",
        {
            "rows": rows,
            "show_mine": not editing.all_criteria and bool(mine),
            "evidence_url": reverse("assessments:evidence", args=[assessment.pk]),
            "t": _words(),
        },
    )
    return render(request, "assessments/form.html", context)


def _words() -> dict[str, str]:
    """Every word of the criteria's rows, translated once per page rather than once per row."""
    return {
        "evidence": _("Evidence"),
        "lead": _("Lead"),
        "coordinating": _("Coordinating"),
        "suggested_lead": _("Lead (in the framework)"),
        "mine": _("mine"),
        "guidance": _("Guidance"),
        "yes": _("Yes"),
        "no": _("No"),
        "na": _("Not applicable"),
        "na_short": _("not applicable"),
        "note": _("Note"),
        "choose": _("— choose —"),
        "from_general_title": _("Taken from the general information"),
    }


@dataclass
class Departments:
    """Who works on a criterion: the lead department and the coordinating ones (id, name)."""

    lead: tuple[int, str] | None = None
    coordinating: list[tuple[int, str]] = field(default_factory=list)

    def ids(self) -> set[int]:
        return {d for d, _name in [*([self.lead] if self.lead else []), *self.coordinating]}


def _assignments(assessment: Assessment) -> dict[int, Departments]:
    """Each assigned criterion's departments, in two queries of plain values."""
    found: dict[int, Departments] = {}
    for criterion_id, lead_id, lead_name in Assignment.objects.filter(
        assessment=assessment
    ).values_list("criterion_id", "lead_id", "lead__name"):
        found[criterion_id] = Departments((lead_id, lead_name) if lead_id else None)
    through = Assignment.coordinating.through.objects.filter(assignment__assessment=assessment)
    for criterion_id, department_id, name in through.order_by(
        "department__position", "department__name"
    ).values_list("assignment__criterion_id", "department_id", "department__name"):
        found[criterion_id].coordinating.append((department_id, name))
    return found


def _mine(
    access: Access,
    assessment: Assessment,
    criteria: list[Criterion],
    assignments: Mapping[int, Departments],
) -> set[int]:
    """The criteria assigned to me: all of them for the data officer and the leader, my
    department's (lead or coordinating) for department staff, none for the others."""
    unit = assessment.unit
    if access.is_data_officer(unit) or access.is_leader(unit):
        return {c.pk for c in criteria if c.rule_type}
    departments = access.department_ids(unit)
    if not departments:
        return set()
    return {criterion_id for criterion_id, d in assignments.items() if d.ids() & departments}


def _rows(
    criteria: list[Criterion],
    result: Result,
    answer_of: Mapping[int, Answer],
    assignments: Mapping[int, Departments],
    evidence_counts: Mapping[int, int],
    editing: Editing,
    mine: set[int],
    general: Mapping[str, Any],
    labels: Mapping[str, str],
    lang: str,
) -> list[dict[str, Any]]:
    ancestors: dict[int, list[str]] = {}
    code_of = {c.pk: c.code for c in criteria}
    rows = []
    for c in criteria:  # in tree order: a parent comes before its children
        parents = [*ancestors.get(c.parent_id, []), code_of[c.parent_id]] if c.parent_id else []
        ancestors[c.pk] = parents
        node = result.nodes.get(c.code)
        row: dict[str, Any] = {
            "criterion": c,
            "node": node,
            "score": format_points(node.score, lang) if node else "",
            "status": node.status if node else "info",
            "parents": " ".join(parents),
            "pillar": parents[0] if parents else c.code,
            "is_leaf": bool(c.rule_type),
            "is_pillar": c.depth == 1,
            "counts": bool(c.rule_type) and c.rule_type != "info",
        }
        if c.rule_type:
            answer = answer_of.get(c.pk)
            inputs = answer.inputs if answer else {}
            assignment = assignments.get(c.pk)
            row.update(
                answer=answer,
                version=answer.version if answer else 0,
                note=answer.note if answer else "",
                na=bool(inputs.get("na")),
                inputs=inputs_for(c, inputs, general, labels, lang),
                rule=describe_rule(c.rule_type, c.rule_params, lang, labels),
                evidence=evidence_counts.get(c.pk, 0),
                lead=assignment.lead[1] if assignment and assignment.lead else "",
                coordinating=[name for _id, name in assignment.coordinating] if assignment else [],
                off="" if editing.may_edit(c.pk) else " disabled",
                mine=c.pk in mine,
            )
        rows.append(row)
    return rows


INPUT_TYPES = {
    "integer": ("text", "numeric"),
    "decimal": ("text", "decimal"),
    "url": ("text", "url"),
    "email": ("email", "email"),
    "phone": ("tel", "tel"),
    "date": ("date", ""),
    "text": ("text", ""),
}


def _general_sections(
    fields: list[dict[str, Any]], values: Mapping[str, Any]
) -> list[tuple[str, list[dict[str, Any]]]]:
    sections: list[tuple[str, list[dict[str, Any]]]] = []
    for raw in fields:
        kind = raw.get("type", "text")
        input_type, inputmode = INPUT_TYPES.get(kind, ("text", ""))
        value = values.get(raw["key"], "")
        if kind == "decimal" and value != "":
            value = _number_text(value, _lang())
        field = {**raw, "value": value, "input_type": input_type, "inputmode": inputmode}
        name = raw.get("section", "")
        if not sections or sections[-1][0] != name:
            sections.append((name, []))
        sections[-1][1].append(field)
    return sections


def _page_config(assessment: Assessment, editing: Editing) -> dict[str, Any]:
    """What form.js needs: where to save, and its messages in the reader's language."""
    marker = 987654321
    return {
        "assessment": assessment.pk,
        "lang": _lang(),
        "answerUrl": reverse("assessments:save_answer", args=[assessment.pk, marker]).replace(
            str(marker), "{id}"
        ),
        "generalUrl": reverse("assessments:save_general", args=[assessment.pk]),
        "generalVersion": assessment.general_version,
        "editable": editing.anything,
        "strings": {
            "saving": _("Saving…"),
            "saved": _("Saved"),
            "waiting": _("Not saved yet"),
            "offline": _(
                "Not saved yet — it will be saved automatically when the connection is back."
            ),
            "signedOut": _(
                "Your session has ended: your changes are kept in this browser. Sign in again and open this page to save them."
            ),
            "failed": _("Could not save: %(error)s"),
            "conflict": _("%(name)s saved this criterion at %(time)s, after you opened the page:"),
            "generalConflict": _(
                "Someone else saved the general information after you opened the page:"
            ),
            "theirScore": _("their score: %(score)s"),
            "useTheirs": _("Use their version"),
            "overwrite": _("Overwrite with mine"),
            "restored": _(
                "%(n)s unsaved changes were found in this browser; they are being saved."
            ),
            "someone": _("Someone"),
            "noMatch": _("No criterion matches."),
            "partlySaved": _("Saved, except the fields marked in red."),
            "generalCount": _("%(filled)s of %(total)s fields filled in"),
        },
    }


# ---------------------------------------------------------------- saving (JSON)


def _json_body(request: HttpRequest) -> dict[str, Any] | None:
    try:
        data = json.loads(request.body or b"{}")
    except (ValueError, UnicodeDecodeError):
        return None
    return data if isinstance(data, dict) else None


def _bad_request(message: str, field: str = "") -> JsonResponse:
    return JsonResponse({"errors": [{"field": field, "message": message}]}, status=400)


def normalise(inputs: Mapping[str, Any]) -> dict[str, Any]:
    """Figures typed as text become numbers ("1.250" → 1250, "1,5" → "1.5"); what is not a
    number is passed on as typed, for the scoring package to refuse with its message."""
    clean: dict[str, Any] = {}
    for key, value in inputs.items():
        if key in NUMBER_INPUTS and isinstance(value, str) and value.strip():
            text = value.strip().replace(" ", "").replace("\u00a0", "")
            if key in WHOLE_INPUTS and THOUSANDS.fullmatch(text):
                text = text.replace(".", "")
            try:
                number = parse_decimal(text)
            except ValueError:
                clean[key] = value
                continue
            clean[key] = int(number) if number == number.to_integral_value() else plain(number)
        else:
            clean[key] = value
    return clean


def problem_field(problem: Any) -> str:
    params = problem.params
    if "key" in params:
        return str(params["key"])
    for key in ("numerator", "score", "choice"):
        if key in params:
            return key
    if "not applicable" in problem.template:
        return "na"
    return ""


def field_message(problem: Problem, assessment: Assessment, criterion: Criterion, lang: str) -> str:
    """A problem with a criterion's figures, naming the field as the page shows it ("Số lượng")
    rather than by its key ("count"), which the API keeps."""
    general = assessment.general_info or {}
    labels = {f["key"]: f["label"] for f in assessment.group.framework.general_info}
    shown = {f["key"]: f["label"] for f in inputs_for(criterion, {}, general, labels, lang)}
    key = problem.params.get("key")
    if key in shown:
        problem = dataclasses.replace(problem, params={**problem.params, "key": shown[key]})
    return problem.message(_, lang)


def _scores(result: Result, code: str, lang: str) -> dict[str, Any]:
    """One criterion's score, its parents' subtotals (pillar first) and the total."""
    framework = result.framework
    parent_of = {child.code: node.code for node in framework.walk() for child in node.children}
    chain = []
    current = parent_of.get(code)
    while current is not None:
        chain.append(current)
        current = parent_of.get(current)
    chain.reverse()
    node = result.nodes[code]

    def entry(key: str) -> dict[str, Any]:
        score = result.nodes[key].score
        return {
            "code": key,
            "score": None if score is None else str(score),
            "display": format_points(score, lang),
        }

    parents = [entry(key) for key in chain]
    return {
        "code": code,
        "score": None if node.score is None else str(node.score),
        "display": format_points(node.score, lang),
        "status": node.status,
        "pillar": parents[0] if parents else entry(code),
        "parents": parents,
        "total": str(result.total),
        "total_display": format_points(result.total, lang),
        "max": str(result.max),
        "max_display": format_points(result.max, lang),
    }


@login_required
@require_POST
def save_answer(request: HttpRequest, assessment_id: int, criterion_id: int) -> JsonResponse:
    """Save one criterion's figures and note: JSON {inputs, note, version} → the new scores."""
    assessment = get_assessment_for_user(request, assessment_id)
    criterion = Criterion.objects.filter(
        pk=criterion_id, framework_id=assessment.group.framework_id
    ).first()
    if criterion is None:
        raise Http404
    data = _json_body(request)
    if data is None:
        return _bad_request(_("The request is not valid JSON."))
    inputs, note, version = data.get("inputs", {}), data.get("note", ""), data.get("version")
    if not isinstance(inputs, dict) or not isinstance(note, str) or type(version) is not int:
        return _bad_request(_("Send the figures as {inputs, note, version}."))
    lang = _lang()
    try:
        answer = actions.save_answer(
            Actor.from_request(request),
            access_of(request),
            assessment,
            criterion,
            normalise(inputs),
            note,
            version,
        )
    except actions.Invalid as invalid:
        errors = [
            {"field": problem_field(p), "message": field_message(p, assessment, criterion, lang)}
            for p in invalid.problems
        ]
        return JsonResponse({"errors": errors}, status=400)
    except actions.NotAllowed as refused:
        return JsonResponse({"error": str(refused)}, status=403)
    except actions.Conflict as conflict:
        current = conflict.current
        assert isinstance(current, Answer)  # noqa: S101 - save_answer conflicts on answers
        scores = _scores(score_assessment(assessment), criterion.code, lang)
        who = current.updated_by
        return JsonResponse(
            {
                "error": _("Someone else saved this criterion first; nothing was overwritten."),
                "current": {
                    "inputs": current.inputs,
                    "note": current.note,
                    "version": current.version,
                    "updated_by": (who.full_name or who.get_username()) if who else "",
                    "updated_at": date_format(timezone.localtime(current.updated_at), "H:i d/m/Y")
                    if current.updated_at
                    else "",
                    "summary": describe_inputs(criterion, current.inputs, current.note, lang),
                },
                **scores,
            },
            status=409,
        )
    scores = _scores(score_assessment(assessment), criterion.code, lang)
    return JsonResponse(
        {**scores, "version": answer.version, "inputs": answer.inputs, "note": answer.note}
    )


@login_required
@require_POST
def save_general(request: HttpRequest, assessment_id: int) -> HttpResponse:
    """Save general-information fields: JSON {values, version} → the new version and every score
    (ratios may take their denominator from here). A plain form post works too."""
    assessment = get_assessment_for_user(request, assessment_id)
    as_json = request.content_type == "application/json"
    if as_json:
        data = _json_body(request)
        if (
            data is None
            or not isinstance(data.get("values"), dict)
            or type(data.get("version")) is not int
        ):
            return _bad_request(_("Send the general information as {values, version}."))
        values, version = data["values"], data["version"]
    else:
        keys = {f["key"] for f in assessment.group.framework.general_info}
        values = {k: v for k, v in request.POST.items() if k in keys}
        try:
            version = int(request.POST.get("version", ""))
        except ValueError:
            version = -1
    try:
        assessment, errors = actions.save_general_info(
            Actor.from_request(request), access_of(request), assessment, values, version
        )
    except actions.NotAllowed as refused:
        if not as_json:
            messages.error(request, str(refused))
            return redirect("assessments:form", assessment_id=assessment.pk)
        return JsonResponse({"error": str(refused)}, status=403)
    except actions.Conflict as conflict:
        current = conflict.current
        if not as_json:
            messages.error(
                request,
                _("Someone else saved the general information first; nothing was overwritten."),
            )
            return redirect("assessments:form", assessment_id=assessment.pk)
        return JsonResponse(
            {
                "error": _(
                    "Someone else saved the general information first; nothing was overwritten."
                ),
                "current": {"values": current.general_info, "version": current.general_version},
            },
            status=409,
        )
    if not as_json:
        labels = {f["key"]: f["label"] for f in assessment.group.framework.general_info}
        for key, message in errors.items():
            messages.error(request, f"{labels.get(key, key)}: {message}")
        if not errors:
            messages.success(request, _("The general information has been saved."))
        return redirect("assessments:form", assessment_id=assessment.pk)
    if errors:
        return JsonResponse({"version": assessment.general_version, "errors": errors}, status=400)
    lang = _lang()
    values = {
        f["key"]: _number_text(v, lang)
        if f.get("type") == "decimal"
        else ("" if v is None else str(v))
        for f in assessment.group.framework.general_info
        for v in [assessment.general_info.get(f["key"])]
    }
    return JsonResponse(
        {
            "version": assessment.general_version,
            "errors": {},
            "values": values,
            **_all_scores(assessment),
        }
    )


def _all_scores(assessment: Assessment) -> dict[str, Any]:
    """Every criterion's score and the figures taken from the general information."""
    lang = _lang()
    answers = list(assessment.answers.select_related("criterion"))
    result = score_assessment(assessment, answers)
    inputs_of = {a.criterion_id: a.inputs for a in answers}
    general = assessment.general_info
    fixed: dict[str, dict[str, str]] = {}
    for criterion in Criterion.objects.filter(framework_id=assessment.group.framework_id):
        figures = fixed_figures(criterion, inputs_of.get(criterion.pk, {}), general)
        if figures:
            fixed[criterion.code] = {
                key: "" if total is None else format_points(total, lang)
                for key, (_keys, total) in figures.items()
            }
    return {
        "nodes": {
            code: {
                "score": None if n.score is None else str(n.score),
                "display": format_points(n.score, lang),
                "status": n.status,
            }
            for code, n in result.nodes.items()
        },
        "fixed": fixed,
        "total": str(result.total),
        "total_display": format_points(result.total, lang),
        "max": str(result.max),
        "max_display": format_points(result.max, lang),
    }


urlpatterns: list[URLPattern] = [
    path("open/<int:period_id>/<int:unit_id>/", assessment_open, name="open"),
    path("<int:assessment_id>/", assessment_form, name="form"),
    path("<int:assessment_id>/answers/<int:criterion_id>/", save_answer, name="save_answer"),
    path("<int:assessment_id>/general/", save_general, name="save_general"),
]
