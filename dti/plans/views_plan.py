"""The unit's improvement plan (kế hoạch cải thiện chỉ số): its page, its actions, its files.

Once a period's results are approved, the unit's data officer or leader drafts the plan: the page
shows the material quoted from the results (by pillar: score, points lost, rank in the group;
every criterion that lost points with the self-score against the appraised score and the
council's reason) and, under each pillar and criterion, the actions planned with an "add action"
form. Department staff and the administrator read the plan; anyone else gets a 404. Every change
goes through ``dti.plans.actions`` (one audit record each), then redirects.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from dti.accounts.access import access_of, get_unit_for_user
from dti.assessments.models import Assignment
from dti.audit.trail import Actor
from dti.frameworks.store import to_scoring
from dti.periods.models import Period, PeriodGroup, PeriodUnit
from dti.plans import actions, exports
from dti.plans.forms import ActionEditForm, ActionForm, PlanForm, ProgressForm
from dti.plans.material import Material, arrange, build_material
from dti.plans.models import Plan, PlanAction
from dti.results.analysis import build_analysis, format_dti
from dti.results.views_export import content_disposition
from dti.units.models import Unit

# ------------------------------------------------------------ access


class Where:
    """The unit, period and group a plan page is about, and whether the person may edit."""

    def __init__(self, unit: Unit, period: Period, group: PeriodGroup, can_edit: bool) -> None:
        self.unit, self.period, self.group, self.can_edit = unit, period, group, can_edit


def plan_access(request: HttpRequest, unit_id: int, period_id: int, write: bool = False) -> Where:
    """The plan's unit and period for this person: outsiders get 404 (``get_unit_for_user``);
    only the unit's data officer and leader may change the plan — department staff and the
    administrator read it, and get 403 when they try to change it."""
    unit = get_unit_for_user(request, unit_id)
    access = access_of(request)
    can_edit = access.is_data_officer(unit) or access.is_leader(unit)
    if write and not can_edit:
        raise PermissionDenied
    period = Period.objects.filter(pk=period_id).exclude(status=Period.Status.DRAFT).first()
    if period is None:
        raise Http404
    membership = (
        PeriodUnit.objects.filter(period=period, unit=unit)
        .select_related("group__framework")
        .first()
    )
    if membership is None:
        raise Http404
    return Where(unit, period, membership.group, can_edit)


def _plan(where: Where) -> Plan:
    plan = (
        Plan.objects.filter(period=where.period, unit=where.unit)
        .select_related("unit", "period")
        .first()
    )
    if plan is None:
        raise Http404
    return plan


def _action(plan: Plan, action_id: int) -> PlanAction:
    action = PlanAction.objects.filter(pk=action_id, plan=plan).select_related("plan").first()
    if action is None:
        raise Http404
    return action


def _back(where: Where, anchor: str = "") -> HttpResponse:
    response = redirect("plans:plan", unit_id=where.unit.pk, period_id=where.period.pk)
    if anchor:
        response["Location"] += f"#{anchor}"
    return response


def anchor_of(code: str) -> str:
    return "c-" + "".join(ch if ch.isalnum() else "-" for ch in code)


# ------------------------------------------------------------ the page

#: the dti.css tag class of each status
STATUS_TAGS = {
    PlanAction.Status.IN_PROGRESS: "warning",
    PlanAction.Status.DONE: "ok",
    PlanAction.Status.DELAYED: "error",
}


def _suggestions(where: Where, material: Material) -> dict[str, tuple[str, str]]:
    """The lead and coordinating units to prefill for each criterion: the departments it was
    assigned to in the self-assessment, else the framework's lead and coordinating units (else
    the unit's first department, filled in by the caller)."""
    found: dict[str, tuple[str, str]] = {}
    framework = to_scoring(where.group.framework)
    for node in framework.walk():
        if node.lead or node.coordinating:
            found[node.code] = (node.lead, node.coordinating)
    assignments = (
        Assignment.objects.filter(assessment_id=material.result.assessment_id)
        .select_related("criterion", "lead")
        .prefetch_related("coordinating")
    )
    for assignment in assignments:
        if assignment.lead is not None:
            others = ", ".join(d.name for d in assignment.coordinating.all())
            found[assignment.criterion.code] = (assignment.lead.name, others)
    return found


def _add_form(
    targets: list[tuple[str, str]],
    code: str,
    suggestions: dict[str, tuple[str, str]],
    default_lead: str,
) -> ActionForm:
    lead, coordinating = suggestions.get(code, (default_lead, ""))
    return ActionForm(
        targets=targets,
        initial={"code": code, "lead": lead, "coordinating": coordinating},
        auto_id=f"id_{anchor_of(code)}_%s",
    )


def _page(
    request: HttpRequest,
    where: Where,
    status: int = 200,
    plan_form: PlanForm | None = None,
    add_form: ActionForm | None = None,
    progress_form: tuple[int, ProgressForm] | None = None,
) -> HttpResponse:
    """The plan page in whatever state the period and the plan are in."""
    context: dict[str, Any] = {
        "unit": where.unit,
        "period": where.period,
        "group": where.group,
        "can_edit": where.can_edit,
    }
    if where.period.status not in actions.WITH_RESULTS:
        return render(request, "plans/plan/waiting.html", context, status=status)
    result = actions.result_for(where.unit, where.period)
    plan = Plan.objects.filter(period=where.period, unit=where.unit).first()
    context.update(plan=plan, result=result)
    if result is None:
        return render(request, "plans/plan/no_result.html", context, status=status)
    material = build_material(build_analysis(result))
    context.update(material=material, dti=format_dti(result.dti, get_language() or "vi"))
    if plan is None:
        return render(request, "plans/plan/draft.html", context, status=status)

    today = timezone.localdate()
    plan_actions = list(plan.actions.all())
    arranged = arrange(material, plan_actions)
    suggestions = _suggestions(where, material) if where.can_edit else {}
    departments = [d.name for d in where.unit.departments.all()]
    add_code = add_form["code"].value() if add_form is not None else None
    targets = material.targets()

    def adder(code: str) -> ActionForm | None:
        if not where.can_edit:
            return None
        if add_form is not None and add_code == code:
            return add_form
        return _add_form(targets, code, suggestions, departments[0] if departments else "")

    def progress(action: PlanAction) -> ProgressForm | None:
        if not where.can_edit:
            return None
        if progress_form is not None and progress_form[0] == action.pk:
            return progress_form[1]
        return ProgressForm(
            initial={"status": action.status, "progress": action.progress},
            auto_id=f"id_a{action.pk}_%s",
        )

    def rows(found: list[PlanAction]) -> list[dict[str, Any]]:
        return [
            {
                "action": a,
                "overdue": a.is_overdue(today),
                "tag": STATUS_TAGS.get(a.status, ""),
                "progress_form": progress(a),
                "first": i == 0,
                "last": i == len(found) - 1,
            }
            for i, a in enumerate(found)
        ]

    pillars = [
        {
            "part": block.part,
            "anchor": anchor_of(block.part.code),
            "actions": rows(block.actions),
            "add_form": adder(block.part.code),
            "criteria": [
                {
                    "part": c.part,
                    "anchor": anchor_of(c.part.code),
                    "actions": rows(c.actions),
                    "add_form": adder(c.part.code),
                    "open": add_code == c.part.code,
                }
                for c in block.criteria
            ],
            "open": add_code == block.part.code,
        }
        for block in arranged.pillars
    ]
    counts = {status: 0 for status in PlanAction.Status.values}
    for action in plan_actions:
        counts[action.status] += 1
    context.update(
        pillars=pillars,
        elsewhere=rows(arranged.elsewhere),
        total_actions=len(plan_actions),
        counts=[(label, counts[value], value) for value, label in PlanAction.Status.choices],
        overdue=sum(1 for a in plan_actions if a.is_overdue(today)),
        plan_form=plan_form or _plan_form(plan),
        plan_form_open=plan_form is not None,
        departments=departments,
    )
    return render(request, "plans/plan/page.html", context, status=status)


def _plan_form(plan: Plan) -> PlanForm:
    return PlanForm(initial={name: getattr(plan, name) for name in actions.PLAN_FIELDS})


@login_required
@require_GET
def plan_page(request: HttpRequest, unit_id: int, period_id: int) -> HttpResponse:
    """The unit's plan for a period: the material with its actions, or what comes first."""
    return _page(request, plan_access(request, unit_id, period_id))


@login_required
@require_POST
def draft(request: HttpRequest, unit_id: int, period_id: int) -> HttpResponse:
    """Draft the plan from the unit's appraised result."""
    where = plan_access(request, unit_id, period_id, write=True)
    try:
        actions.draft_plan(Actor.from_request(request), where.unit, where.period)
    except actions.PlanError as error:
        messages.error(request, str(error))
        return _back(where)
    messages.success(
        request,
        _("The plan has been drafted from the results. Add the actions under each criterion."),
    )
    return _back(where)


@login_required
@require_POST
def particulars(request: HttpRequest, unit_id: int, period_id: int) -> HttpResponse:
    """Change the heading, number, place, date and signer printed on the plan."""
    where = plan_access(request, unit_id, period_id, write=True)
    plan = _plan(where)
    form = PlanForm(request.POST)
    if not form.is_valid():
        return _page(request, where, status=400, plan_form=form)
    actions.update_plan(Actor.from_request(request), plan, **form.cleaned_data)
    messages.success(request, _("The particulars of the plan have been saved."))
    return _back(where, "particulars")


def _material(where: Where) -> Material:
    result = actions.result_for(where.unit, where.period)
    if result is None:
        raise Http404
    return build_material(build_analysis(result))


@login_required
@require_POST
def action_add(request: HttpRequest, unit_id: int, period_id: int) -> HttpResponse:
    """Add an action under a pillar or criterion."""
    where = plan_access(request, unit_id, period_id, write=True)
    plan = _plan(where)
    material = _material(where)
    form = ActionForm(request.POST, targets=material.targets())
    if form.is_valid():
        try:
            action = actions.add_action(Actor.from_request(request), plan, **form.cleaned_data)
        except actions.PlanError as error:
            form.add_error(None, str(error))
        else:
            messages.success(
                request, _("The action has been added under %(code)s.") % {"code": action.code}
            )
            return _back(where, anchor_of(action.code))
    if "code" in form.errors:
        messages.error(request, _("Choose the pillar or criterion the action is for."))
    else:
        messages.error(
            request,
            _("The action was not added: %(problems)s")
            % {"problems": " ".join(e for errors in form.errors.values() for e in errors)},
        )
    return _page(request, where, status=400, add_form=form)


@login_required
@require_http_methods(["GET", "POST"])
def action_edit(request: HttpRequest, unit_id: int, period_id: int, action_id: int) -> HttpResponse:
    """Change an action: what it is for, what will be done, by whom, when, how far it has got."""
    where = plan_access(request, unit_id, period_id, write=True)
    plan = _plan(where)
    action = _action(plan, action_id)
    material = _material(where)
    if request.method == "POST":
        form = ActionEditForm(request.POST, targets=material.targets())
        if form.is_valid():
            try:
                actions.update_action(Actor.from_request(request), action, **form.cleaned_data)
            except actions.PlanError as error:
                form.add_error(None, str(error))
            else:
                messages.success(request, _("The action has been saved."))
                return _back(where, anchor_of(action.code))
        status = 400
    else:
        form = ActionEditForm(
            targets=material.targets(),
            initial={name: getattr(action, name) for name in actions.ACTION_FIELDS},
        )
        status = 200
    part = material.pillar_of(action.code)
    context = {
        "unit": where.unit,
        "period": where.period,
        "plan": plan,
        "action": action,
        "form": form,
        "pillar": part,
        "criterion": next((c for c in part.criteria if c.code == action.code), None)
        if part
        else None,
        "departments": [d.name for d in where.unit.departments.all()],
    }
    return render(request, "plans/plan/action_edit.html", context, status=status)


@login_required
@require_POST
def action_progress(
    request: HttpRequest, unit_id: int, period_id: int, action_id: int
) -> HttpResponse:
    """Record an action's status and progress notes."""
    where = plan_access(request, unit_id, period_id, write=True)
    action = _action(_plan(where), action_id)
    form = ProgressForm(request.POST, auto_id=f"id_a{action.pk}_%s")
    if not form.is_valid():
        return _page(request, where, status=400, progress_form=(action.pk, form))
    actions.report_progress(
        Actor.from_request(request),
        action,
        form.cleaned_data["status"],
        form.cleaned_data["progress"],
    )
    messages.success(request, _("The progress has been recorded."))
    return _back(where, f"a{action.pk}")


@login_required
@require_POST
def action_move(request: HttpRequest, unit_id: int, period_id: int, action_id: int) -> HttpResponse:
    """Move an action up or down among those for the same pillar or criterion."""
    where = plan_access(request, unit_id, period_id, write=True)
    action = _action(_plan(where), action_id)
    actions.move_action(Actor.from_request(request), action, up=request.POST.get("to") == "up")
    return _back(where, f"a{action.pk}")


@login_required
@require_POST
def action_remove(
    request: HttpRequest, unit_id: int, period_id: int, action_id: int
) -> HttpResponse:
    """Remove an action from the plan."""
    where = plan_access(request, unit_id, period_id, write=True)
    action = _action(_plan(where), action_id)
    code = action.code
    actions.remove_action(Actor.from_request(request), action)
    messages.success(request, _("The action has been removed."))
    return _back(where, anchor_of(code))


# ------------------------------------------------------------ files


def _file(plan: Plan, body: bytes, content_type: str, extension: str) -> HttpResponse:
    stem = f"ke-hoach-cai-thien-dti-{plan.year}-{plan.unit.code}"
    name = f"kế-hoạch-cải-thiện-dti-{plan.year}-{plan.unit.code}"
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = content_disposition(
        f"{stem}.{extension}", f"{name}.{extension}"
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"  # a unit's internal document
    return response


def _exported(request: HttpRequest, unit_id: int, period_id: int) -> Plan:
    where = plan_access(request, unit_id, period_id)
    if where.period.status not in actions.WITH_RESULTS:
        raise Http404
    return _plan(where)


@login_required
@require_GET
def docx(request: HttpRequest, unit_id: int, period_id: int) -> HttpResponse:
    """The plan as a Word document, in Vietnamese, to edit and sign."""
    plan = _exported(request, unit_id, period_id)
    try:
        body = exports.plan_docx(plan)
    except exports.NoMaterial:
        raise Http404 from None
    return _file(plan, body, exports.DOCX, "docx")


@login_required
@require_GET
def pdf(request: HttpRequest, unit_id: int, period_id: int) -> HttpResponse:
    """The plan as PDF, in Vietnamese."""
    plan = _exported(request, unit_id, period_id)
    try:
        body = exports.plan_pdf(plan)
    except exports.NoMaterial:
        raise Http404 from None
    return _file(plan, body, exports.PDF, "pdf")


PLAN = "<int:unit_id>/<int:period_id>/"
ACTION = PLAN + "actions/<int:action_id>/"

urlpatterns: list[URLPattern] = [
    path(PLAN, plan_page, name="plan"),
    path(PLAN + "draft/", draft, name="draft"),
    path(PLAN + "particulars/", particulars, name="particulars"),
    path(PLAN + "actions/add/", action_add, name="action_add"),
    path(ACTION, action_edit, name="action_edit"),
    path(ACTION + "progress/", action_progress, name="action_progress"),
    path(ACTION + "move/", action_move, name="action_move"),
    path(ACTION + "remove/", action_remove, name="action_remove"),
    path(PLAN + "ke-hoach.docx", docx, name="docx"),
    path(PLAN + "ke-hoach.pdf", pdf, name="pdf"),
]

__all__ = ["plan_access", "urlpatterns"]
