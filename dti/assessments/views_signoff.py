"""The work split among departments (chủ trì, phối hợp), the leader's sign-off, and the
submissions as they were sent (frozen snapshots)."""

from __future__ import annotations

import datetime
import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import URLPattern, path
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from dti.accounts.access import Access, access_of
from dti.assessments import actions
from dti.assessments.access import editing_for, get_assessment_for_user
from dti.assessments.models import Answer, Assessment, Assignment, Evidence, Submission
from dti.audit.trail import Actor
from dti.frameworks.models import Criterion, Framework
from dti.scoring.numbers import format_points, parse_decimal, round_dti
from dti.units.models import Department

#: Answer states that count as answered: scored, or declared not applicable.
ANSWERED = ("scored", "na")


# ---------------------------------------------------------------- the work split


@dataclass
class Row:
    """One leaf criterion of the split table."""

    criterion: Criterion
    lead: Department | None = None
    coordinating: list[Department] = field(default_factory=list)
    status: str = "unanswered"
    done: bool = False
    mine: bool = False  # led by the department of the staffer looking

    @property
    def answered(self) -> bool:
        return self.status in ANSWERED


@dataclass
class Block:
    """A pillar (chỉ số chính) and its leaf criteria."""

    pillar: Criterion
    rows: list[Row] = field(default_factory=list)


@dataclass
class Progress:
    """What one department has been given and how far it has got (as lead)."""

    department: Department | None
    lead: int = 0
    coordinating: int = 0
    answered: int = 0
    done: int = 0
    mine: bool = False
    open_ids: list[int] = field(default_factory=list)  # led, not marked finished yet


@dataclass
class Split:
    blocks: list[Block]
    leaves: dict[int, Criterion]
    departments: list[Department]
    progress: list[Progress]
    unassigned: Progress
    mine: set[int]

    @property
    def rows(self) -> list[Row]:
        return [row for block in self.blocks for row in block.rows]


def _split(assessment: Assessment, access: Access) -> Split:
    """The leaf criteria by pillar with their departments and answer state, and progress per
    department: a constant number of queries, whatever the size of the framework."""
    criteria = list(
        Criterion.objects.filter(framework_id=assessment.group.framework_id).order_by("position")
    )
    departments = list(
        Department.objects.filter(unit_id=assessment.unit_id).order_by("position", "name")
    )
    by_pk = {d.pk: d for d in departments}
    assigned = {
        criterion_id: (lead_id, done)
        for criterion_id, lead_id, done in Assignment.objects.filter(
            assessment=assessment
        ).values_list("criterion_id", "lead_id", "done")
    }
    coordinating: dict[int, list[Department]] = defaultdict(list)
    for criterion_id, department_id in Assignment.coordinating.through.objects.filter(
        assignment__assessment=assessment
    ).values_list("assignment__criterion_id", "department_id"):
        if department_id in by_pk:
            coordinating[criterion_id].append(by_pk[department_id])
    states = dict(
        Answer.objects.filter(assessment=assessment).values_list("criterion_id", "status")
    )
    mine = access.department_ids(assessment.unit)

    blocks: list[Block] = []
    leaves: dict[int, Criterion] = {}
    progress = {d.pk: Progress(d, mine=d.pk in mine) for d in departments}
    unassigned = Progress(None)
    for criterion in criteria:
        if criterion.depth == 1:
            blocks.append(Block(criterion))
        if not criterion.rule_type:
            continue
        leaves[criterion.pk] = criterion
        lead_id, done = assigned.get(criterion.pk, (None, False))
        row = Row(
            criterion,
            lead=by_pk.get(lead_id) if lead_id else None,
            coordinating=sorted(
                coordinating.get(criterion.pk, []), key=lambda d: (d.position, d.name)
            ),
            status=states.get(criterion.pk, "unanswered"),
            done=done,
            mine=lead_id in mine,
        )
        blocks[-1].rows.append(row)
        counter = progress.get(lead_id, unassigned) if lead_id else unassigned
        counter.lead += 1
        counter.answered += row.answered
        counter.done += row.done
        if not row.done:
            counter.open_ids.append(criterion.pk)
        for department in row.coordinating:
            progress[department.pk].coordinating += 1
    return Split(blocks, leaves, departments, list(progress.values()), unassigned, mine)


def _normal(name: str) -> str:
    return " ".join(unicodedata.normalize("NFC", name).split()).casefold()


def _plan_names(text: str) -> list[str]:
    """The department names a plan cell gives ("Lãnh đạo ban, Lãnh đạo phòng" names two)."""
    return [part.strip() for part in re.split(r"[,;\n]", text) if part.strip()]


@dataclass
class Plan:
    """The framework's own plan (its ``lead``/``coordinating`` texts) matched to the unit's departments."""

    groups: dict[tuple[int | None, tuple[int, ...]], list[Criterion]]
    names: list[tuple[str, Department | None]]  # every name the plan gives, and its department
    already: int  # criteria with a plan that are already assigned: left as they are

    @property
    def unmatched(self) -> list[str]:
        return [name for name, department in self.names if department is None]

    @property
    def count(self) -> int:
        return sum(len(criteria) for criteria in self.groups.values())


def _plan(split: Split) -> Plan:
    """Which unassigned criteria the plan gives to which departments: names are matched to the
    unit's department names case-insensitively; a lead cell naming several departments gives the
    first one found the lead and the others coordinate."""
    known = {_normal(d.name): d for d in split.departments}
    names: dict[str, tuple[str, Department | None]] = {}
    groups: dict[tuple[int | None, tuple[int, ...]], list[Criterion]] = defaultdict(list)
    already = 0
    for row in split.rows:
        criterion = row.criterion
        leads, others = [], []
        for text, found in ((criterion.lead, leads), (criterion.coordinating, others)):
            for name in _plan_names(text):
                department = known.get(_normal(name))
                names.setdefault(_normal(name), (name, department))
                if department is not None and department not in found:
                    found.append(department)
        if not (leads or others):
            continue
        if row.lead is not None or row.coordinating:
            already += 1
            continue
        lead = leads[0] if leads else None
        helping = tuple(sorted({d.pk for d in leads[1:] + others} - {lead.pk if lead else 0}))
        groups[(lead.pk if lead else None, helping)].append(criterion)
    return Plan(dict(groups), sorted(names.values(), key=lambda item: _normal(item[0])), already)


class AssignForm(forms.Form):
    """The bulk form: chosen criteria (or whole pillars) to a lead and coordinating departments."""

    criteria = forms.TypedMultipleChoiceField(coerce=int, required=False)
    pillars = forms.TypedMultipleChoiceField(coerce=int, required=False)
    lead = forms.TypedChoiceField(coerce=int, required=False, empty_value=None)
    coordinating = forms.TypedMultipleChoiceField(coerce=int, required=False)

    def __init__(self, split: Split, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.split = split
        self.fields["criteria"].choices = [(pk, c.code) for pk, c in split.leaves.items()]
        self.fields["pillars"].choices = [(b.pillar.pk, b.pillar.code) for b in split.blocks]
        departments = [(d.pk, d.name) for d in split.departments]
        self.fields["lead"].choices = [("", "—"), *departments]
        self.fields["coordinating"].choices = departments

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        chosen = set(data.get("criteria") or [])
        pillars = set(data.get("pillars") or [])
        for block in self.split.blocks:
            if block.pillar.pk in pillars:
                chosen.update(row.criterion.pk for row in block.rows)
        if not chosen and not self.errors:
            raise forms.ValidationError(_("Select at least one criterion or a whole pillar."))
        by_pk = {d.pk: d for d in self.split.departments}
        lead = by_pk.get(data["lead"]) if data.get("lead") else None
        data["chosen"] = [c for pk, c in self.split.leaves.items() if pk in chosen]
        data["lead_department"] = lead
        data["coordinating_departments"] = [
            by_pk[pk] for pk in (data.get("coordinating") or []) if lead is None or pk != lead.pk
        ]
        return data


def _render_departments(
    request: HttpRequest,
    assessment: Assessment,
    access: Access,
    form: AssignForm | None = None,
    error: str = "",
    status: int = 200,
    split: Split | None = None,
) -> HttpResponse:
    split = split or _split(assessment, access)
    unit = assessment.unit
    may_assign = access.is_admin or access.is_data_officer(unit) or access.is_leader(unit)
    staff = bool(split.mine)
    editing = editing_for(access, assessment) if staff else None
    context = {
        "assessment": assessment,
        "split": split,
        "plan": _plan(split) if may_assign else None,
        "may_assign": may_assign,
        "may_mark": staff and editing is not None and editing.anything,
        "staff": staff,
        "mark_reason": editing.reason if editing is not None and not editing.anything else "",
        "form": form,
        "error": error,
        "chosen": {int(v) for v in form["criteria"].value() or [] if str(v).isdigit()}
        if form
        else set(),
        "tab": "departments",
    }
    return render(request, "assessments/departments.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def departments(request: HttpRequest, assessment_id: int) -> HttpResponse:
    """Who does which criterion, and who has finished what. The unit's data officer and leader
    assign criteria in bulk or from the framework's plan; department staff mark theirs finished."""
    assessment = get_assessment_for_user(request, assessment_id)
    access = access_of(request)
    if request.method == "GET":
        return _render_departments(request, assessment, access)
    actor = Actor.from_request(request)
    split = _split(assessment, access)
    what = request.POST.get("do", "")
    try:
        if what == "assign":
            form = AssignForm(split, request.POST)
            if not form.is_valid():
                return _render_departments(
                    request, assessment, access, form=form, status=400, split=split
                )
            data = form.cleaned_data
            count = actions.assign_criteria(
                actor,
                access,
                assessment,
                data["chosen"],
                data["lead_department"],
                data["coordinating_departments"],
            )
            messages.success(
                request,
                ngettext("%(count)s criterion assigned.", "%(count)s criteria assigned.", count)
                % {"count": count},
            )
        elif what == "plan":
            _assign_by_plan(request, actor, access, assessment, split)
        elif what in ("done", "undone"):
            if request.POST.get("department", "").isdigit():
                # "Mark all our criteria finished": the department's open ones; another
                # department's are refused by the action like any other.
                department_id = int(request.POST["department"])
                ids = [
                    pk
                    for p in split.progress
                    if p.department and p.department.pk == department_id
                    for pk in p.open_ids
                ]
            else:
                ids = [int(v) for v in request.POST.getlist("criteria") if v.isdigit()]
            if not ids:
                messages.error(request, _("Select the criteria first."))
                return redirect("assessments:departments", assessment_id=assessment.pk)
            count = actions.mark_done(actor, access, assessment, ids, what == "done")
            text = (
                ngettext(
                    "%(count)s criterion marked finished.",
                    "%(count)s criteria marked finished.",
                    count,
                )
                if what == "done"
                else ngettext(
                    "%(count)s criterion marked not finished.",
                    "%(count)s criteria marked not finished.",
                    count,
                )
            )
            messages.success(request, text % {"count": count})
        else:
            return HttpResponseBadRequest(_("Unknown request."))
    except actions.NotAllowed as exc:
        return _render_departments(request, assessment, access, error=str(exc), status=403)
    return redirect("assessments:departments", assessment_id=assessment.pk)


def _assign_by_plan(
    request: HttpRequest, actor: Actor, access: Access, assessment: Assessment, split: Split
) -> None:
    """Assign the unassigned criteria as the framework's plan says (one audit record per group)."""
    unit = assessment.unit
    if not (access.is_admin or access.is_data_officer(unit) or access.is_leader(unit)):
        # The action says the same; said here too because a plan may have nothing to assign.
        raise actions.NotAllowed(
            _("Only the unit's data officer and leader assign criteria to departments.")
        )
    plan = _plan(split)
    by_pk = {d.pk: d for d in split.departments}
    with transaction.atomic():
        for (lead_id, helping), criteria in plan.groups.items():
            actions.assign_criteria(
                actor,
                access,
                assessment,
                criteria,
                by_pk.get(lead_id) if lead_id else None,
                [by_pk[pk] for pk in helping],
            )
    messages.success(
        request,
        ngettext(
            "%(count)s criterion assigned as the framework's plan says.",
            "%(count)s criteria assigned as the framework's plan says.",
            plan.count,
        )
        % {"count": plan.count},
    )
    if plan.already:
        messages.info(
            request,
            ngettext(
                "%(count)s criterion was already assigned and was left as it was.",
                "%(count)s criteria were already assigned and were left as they were.",
                plan.already,
            )
            % {"count": plan.already},
        )
    if plan.unmatched:
        messages.warning(
            request,
            _("No department of the unit is called: %(names)s.")
            % {"names": "; ".join(plan.unmatched)},
        )


# ---------------------------------------------------------------- the leader's sign-off


def _render_summary(
    request: HttpRequest, assessment: Assessment, access: Access, error: str = "", status: int = 200
) -> HttpResponse:
    data = actions.summary(assessment)
    result = data["result"]
    editing = editing_for(access, assessment)
    is_leader = access.is_leader(assessment.unit)
    context = {
        "assessment": assessment,
        "result": result,
        "pillars": data["pillars"],
        "unanswered": data["unanswered"],
        "without_evidence": data["without_evidence"],
        "over_100": data["over_100"],
        "leaves": len(result.framework.leaves),
        "answered": len(result.framework.leaves) - len(data["unanswered"]),
        "is_leader": is_leader,
        "may_submit": is_leader and editing.anything,
        "closed_reason": "" if editing.anything else editing.reason,
        "submissions": list(
            assessment.submissions.select_related("submitted_by").order_by("-number")
        ),
        "error": error,
        "tab": "summary",
    }
    return render(request, "assessments/summary.html", context, status=status)


@login_required
@require_GET
def summary(request: HttpRequest, assessment_id: int) -> HttpResponse:
    """The leader's sign-off page: scores by pillar, what is missing, and the submit form."""
    assessment = get_assessment_for_user(request, assessment_id)
    return _render_summary(request, assessment, access_of(request))


@login_required
@require_POST
def submit(request: HttpRequest, assessment_id: int) -> HttpResponse:
    """The leader signs off and submits: nothing is submitted without the leader's confirmation."""
    assessment = get_assessment_for_user(request, assessment_id)
    access = access_of(request)
    if request.POST.get("confirm") != "yes":
        error = _(
            "Tick the box to confirm that you have reviewed the results and agree to submit them."
        )
        return _render_summary(request, assessment, access, error=error, status=400)
    try:
        submission = actions.submit_assessment(Actor.from_request(request), access, assessment)
    except actions.NotAllowed as exc:
        return _render_summary(request, assessment, access, error=str(exc), status=403)
    messages.success(
        request, _("The self-assessment has been submitted. It is read-only from now on.")
    )
    return redirect("assessments:submitted", assessment_id=assessment.pk, number=submission.number)


# ---------------------------------------------------------------- a submission as it was sent


def describe_inputs(
    criterion: Criterion, inputs: Mapping[str, Any], general: Mapping[str, Any]
) -> str:
    """A criterion's figures in words, as the unit gave them: "2 / 13", "Yes", "Not applicable"."""
    lang = get_language() or "vi"

    def number(value: Any) -> str:
        try:
            return format_points(parse_decimal(value), lang)
        except ValueError:
            return str(value)

    if not inputs:
        return ""
    if inputs.get("na"):
        return _("Not applicable")
    parts: list[str] = []
    if "yes" in inputs:
        parts.append(_("Yes") if inputs["yes"] in (True, "true", "yes", 1, "1") else _("No"))
    if "numerator" in inputs:
        denominator = inputs.get("denominator")
        if denominator is None:
            fields = criterion.rule_params.get("denominator_field")
            keys = [fields] if isinstance(fields, str) else list(fields or [])
            try:
                denominator = (
                    sum((parse_decimal(general[k]) for k in keys), parse_decimal(0))
                    if keys
                    else None
                )
            except (KeyError, ValueError):
                denominator = None
        parts.append(
            f"{number(inputs['numerator'])} / {number(denominator) if denominator is not None else '?'}"
        )
    if "value" in inputs:
        parts.append(_("value %(value)s") % {"value": number(inputs["value"])})
    if "count" in inputs:
        parts.append(_("count %(count)s") % {"count": number(inputs["count"])})
    if "choice" in inputs:
        options = {
            str(o.get("key")): o.get("label", o.get("key"))
            for o in criterion.rule_params.get("options", [])
        }
        parts.append(str(options.get(str(inputs["choice"]), inputs["choice"])))
    if "score" in inputs:
        parts.append(_("score entered %(score)s") % {"score": number(inputs["score"])})
    return "; ".join(parts)


@dataclass
class SnapshotRow:
    criterion: Criterion
    score: Any
    figures: str = ""
    note: str = ""
    evidence: list[str] = field(default_factory=list)
    answered: bool = False


def _snapshot_rows(criteria: Iterable[Criterion], snapshot: Mapping[str, Any]) -> list[SnapshotRow]:
    answers = snapshot.get("answers", {})
    nodes = snapshot.get("nodes", {})
    general = snapshot.get("general_info", {})
    evidence: dict[str, list[str]] = defaultdict(list)
    for item in snapshot.get("evidence", []):
        for code in item.get("criteria", []):
            evidence[code].append(item.get("name", ""))
    rows = []
    for criterion in criteria:
        answer = answers.get(criterion.code) or {}
        score = nodes.get(criterion.code, answer.get("score"))
        rows.append(
            SnapshotRow(
                criterion,
                parse_decimal(score) if score is not None else None,
                figures=describe_inputs(criterion, answer.get("inputs") or {}, general)
                if criterion.rule_type
                else "",
                note=answer.get("note", ""),
                evidence=evidence.get(criterion.code, []),
                answered=bool(answer.get("inputs")),
            )
        )
    return rows


def _date(text: str | None) -> datetime.date | None:
    try:
        return datetime.date.fromisoformat(text) if text else None
    except ValueError:
        return None


@login_required
@require_GET
def submitted(request: HttpRequest, assessment_id: int, number: int) -> HttpResponse:
    """A submission exactly as the leader sent it: read from its snapshot, never from the live data."""
    assessment = get_assessment_for_user(request, assessment_id)
    submission = get_object_or_404(
        Submission.objects.select_related("submitted_by"), assessment=assessment, number=number
    )
    snapshot = submission.snapshot
    # Framework versions never change once imported, so titles and maxima can be read from them.
    identity = snapshot.get("framework", {})
    framework = assessment.group.framework
    if (identity.get("code"), identity.get("version")) != (framework.code, framework.version):
        framework = get_object_or_404(
            Framework, code=identity.get("code"), version=identity.get("version")
        )
    criteria = list(Criterion.objects.filter(framework=framework).order_by("position"))
    rows = _snapshot_rows(criteria, snapshot)
    general = snapshot.get("general_info", {})
    general_rows = [
        {
            "number": f.get("number", ""),
            "label": f.get("label", f["key"]),
            "value": general[f["key"]],
            "unit": f.get("unit", ""),
        }
        for f in framework.general_info
        if general.get(f["key"]) not in (None, "")
    ]
    kinds = dict(Evidence.Kind.choices)
    evidence = [
        {
            **item,
            "kind_label": kinds.get(item.get("kind"), item.get("kind")),
            "date": _date(item.get("doc_date")),
        }
        for item in snapshot.get("evidence", [])
    ]
    maximum = framework.total_max
    context = {
        "assessment": assessment,
        "submission": submission,
        "framework": framework,
        "rows": rows,
        "general": general_rows,
        "evidence": evidence,
        "maximum": maximum,
        "dti": round_dti(submission.total / maximum) if maximum else None,
        "answered": sum(1 for row in rows if row.answered),
        "leaves": sum(1 for c in criteria if c.rule_type and c.rule_type != "info"),
        "others": list(assessment.submissions.exclude(pk=submission.pk).order_by("-number")),
        "tab": "summary",
    }
    return render(request, "assessments/submitted.html", context)


urlpatterns: list[URLPattern] = [
    path("<int:assessment_id>/departments/", departments, name="departments"),
    path("<int:assessment_id>/summary/", summary, name="summary"),
    path("<int:assessment_id>/submit/", submit, name="submit"),
    path("<int:assessment_id>/submissions/<int:number>/", submitted, name="submitted"),
]
