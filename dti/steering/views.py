"""The steering committee's pages: the dashboard, a member's items, reporting progress each
quarter, and the administrator's plan, targets, tasks and Excel import."""

from __future__ import annotations

import io
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from dti.accounts.access import require_admin
from dti.assessments import uploads
from dti.audit.trail import Actor
from dti.scoring.numbers import format_points
from dti.steering import actions, board, spreadsheet
from dti.steering.access import get_item_for_user, may_report, require_steering
from dti.steering.forms import PlanForm, ReportForm, TargetForm, TaskForm
from dti.steering.models import ProgressReport, SteeringPlan, Target, Task
from dti.units.forms import MAX_UPLOAD_BYTES, ImportForm
from dti.web.staging import PendingWorkbook

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# the uploaded workbook waiting between preview and import
PENDING_IMPORT = PendingWorkbook("dti_steering_import", "imports")


def _year(request: HttpRequest) -> int | None:
    raw = request.GET.get("year", "")
    return int(raw) if raw.isdigit() and len(raw) == 4 else None


def _plans() -> list[SteeringPlan]:
    return list(SteeringPlan.objects.order_by("-year"))


# ---------------------------------------------------------------- the dashboard


@login_required
@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    """Targets met / on track / at risk / missed, reports overdue and who owes them, the targets
    against their values, the tasks and their deadlines."""
    access = require_steering(request)
    now = timezone.now()
    plan = board.current_plan(timezone.localdate(now), _year(request))
    if plan is None and _year(request) is not None:
        raise Http404
    context: dict[str, Any] = {"access": access, "plan": plan, "plans": _plans()}
    if plan is not None:
        context["board"] = board.build_board(plan, now)
    return render(request, "steering/dashboard.html", context)


@login_required
@require_GET
def mine(request: HttpRequest) -> HttpResponse:
    """The targets and tasks the signed-in member leads, with their quarters, to report on."""
    access = require_steering(request)
    now = timezone.now()
    plan = board.current_plan(timezone.localdate(now), _year(request))
    if plan is None and _year(request) is not None:
        raise Http404
    context: dict[str, Any] = {"access": access, "plan": plan, "plans": _plans()}
    if plan is not None:
        context["board"] = board.build_board(plan, now, lead=request.user)
    return render(request, "steering/mine.html", context)


# ---------------------------------------------------------------- an item and its reports


def _default_quarter(row: board.Row, quarters: list[int]) -> int | None:
    """The quarter the form opens on: the first overdue one, else the latest begun."""
    for cell in row.quarters:
        if cell.state == "overdue" and cell.quarter in quarters:
            return cell.quarter
    return quarters[-1] if quarters else None


def _item_page(
    request: HttpRequest, model: type[Target] | type[Task], item_id: int
) -> HttpResponse:
    item, access = get_item_for_user(request, model, item_id, report=request.method == "POST")
    now = timezone.now()
    plan = item.plan
    row = board.item_row(item, now)
    allowed = may_report(access, item)
    quarters = actions.reportable_quarters(plan, timezone.localdate(now))
    form = None
    existing = None
    status = 200
    if request.method == "POST":
        form = ReportForm(request.POST, request.FILES, item=item, quarters=quarters)
        if form.is_valid():
            data = form.cleaned_data
            evidence = None
            if data.get("evidence"):
                try:
                    evidence = uploads.check_upload(
                        data["evidence"], settings.DTI_EVIDENCE_MAX_BYTES
                    )
                except uploads.Rejected as rejected:
                    form.add_error("evidence", str(rejected))
            if form.is_valid():
                try:
                    actions.report_progress(
                        Actor.from_request(request),
                        access,
                        item,
                        quarter=data["quarter"],
                        narrative=data["narrative"],
                        value=data.get("value"),
                        evidence=evidence,
                        evidence_url=data["evidence_url"],
                        keep_evidence=not data["remove_file"],
                        now=now,
                    )
                except actions.SteeringError as refused:
                    form.add_error(None, str(refused))
                else:
                    messages.success(
                        request,
                        _("The report for quarter %(quarter)s/%(year)s has been saved.")
                        % {"quarter": data["quarter"], "year": plan.year},
                    )
                    return redirect(f"{request.path}?quarter={data['quarter']}")
        status = 400
    elif allowed and quarters:
        asked = request.GET.get("quarter", "")
        quarter = int(asked) if asked.isdigit() and int(asked) in quarters else None
        quarter = quarter or _default_quarter(row, quarters)
        existing = next((c.report for c in row.quarters if c.quarter == quarter), None)
        initial: dict[str, Any] = {"quarter": quarter}
        if existing is not None:
            initial.update(
                value=format_points(existing.value, get_language() or "vi")
                if existing.value is not None
                else "",
                narrative=existing.narrative,
                evidence_url=existing.evidence_url,
            )
        form = ReportForm(initial=initial, item=item, quarters=quarters)
    context = {
        "access": access,
        "plan": plan,
        "item": item,
        "row": row,
        "is_target": isinstance(item, Target),
        "may_report": allowed,
        "form": form,
        "quarters": quarters,
        "existing": existing,
    }
    return render(request, "steering/item.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def target_page(request: HttpRequest, target_id: int) -> HttpResponse:
    """A target, its quarterly reports, and the form to report for its lead member."""
    return _item_page(request, Target, target_id)


@login_required
@require_http_methods(["GET", "POST"])
def task_page(request: HttpRequest, task_id: int) -> HttpResponse:
    """A task, its quarterly reports, and the form to report for its lead member."""
    return _item_page(request, Task, task_id)


@login_required
@require_GET
def evidence_file(request: HttpRequest, report_id: int) -> FileResponse:
    """A report's evidence file, for the committee and the administrator; never sniffed."""
    report, _access = get_item_for_user(request, ProgressReport, report_id)
    if not report.evidence_file:
        raise Http404
    try:
        handle = report.evidence_file.open("rb")
    except FileNotFoundError as missing:
        raise Http404 from missing
    inline = (
        request.GET.get("inline") == "1" and report.evidence_type in uploads.INLINE_CONTENT_TYPES
    )
    response = FileResponse(
        handle,
        as_attachment=not inline,
        filename=report.evidence_name or "file",
        content_type=report.evidence_type or "application/octet-stream",
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-cache"
    return response


# ---------------------------------------------------------------- the administrator's plan


def _dashboard_of(plan: SteeringPlan) -> str:
    return f"{reverse('steering:dashboard')}?year={plan.year}"


@login_required
@require_http_methods(["GET", "POST"])
def plan_create(request: HttpRequest) -> HttpResponse:
    require_admin(request)
    form = PlanForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        plan = actions.create_plan(Actor.from_request(request), **form.cleaned_data)
        messages.success(request, _("The plan “%(name)s” has been created.") % {"name": plan.name})
        return redirect(_dashboard_of(plan))
    status = 400 if request.method == "POST" else 200
    return render(request, "steering/plan_form.html", {"form": form, "plan": None}, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def plan_edit(request: HttpRequest, plan_id: int) -> HttpResponse:
    require_admin(request)
    plan = get_object_or_404(SteeringPlan, pk=plan_id)
    form = PlanForm(request.POST if request.method == "POST" else None, plan=plan)
    if request.method == "POST" and form.is_valid():
        actions.update_plan(Actor.from_request(request), plan, **form.cleaned_data)
        messages.success(request, _("The plan “%(name)s” has been saved.") % {"name": plan.name})
        return redirect(_dashboard_of(plan))
    status = 400 if request.method == "POST" else 200
    return render(request, "steering/plan_form.html", {"form": form, "plan": plan}, status=status)


def _item_form(
    request: HttpRequest,
    plan: SteeringPlan,
    form: TargetForm | TaskForm,
    item: Target | Task | None,
) -> HttpResponse:
    if request.method == "POST" and form.is_valid():
        actor = Actor.from_request(request)
        fields = form.fields_for_action()
        try:
            if isinstance(form, TargetForm):
                saved: Target | Task = (
                    actions.update_target(actor, item, **fields)  # type: ignore[arg-type]
                    if item is not None
                    else actions.create_target(actor, plan, **fields)
                )
            elif item is not None:
                saved = actions.update_task(actor, item, **fields)  # type: ignore[arg-type]
            else:
                saved = actions.create_task(actor, plan, **fields)
        except actions.SteeringError as refused:
            form.add_error("lead_member", str(refused))
        else:
            messages.success(request, _("“%(item)s” has been saved.") % {"item": saved})
            return redirect(_dashboard_of(plan) + f"#{saved.KIND}-{saved.pk}")
    status = 400 if request.method == "POST" else 200
    context = {
        "form": form,
        "plan": plan,
        "item": item,
        "is_target": isinstance(form, TargetForm),
    }
    return render(request, "steering/item_form.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def target_create(request: HttpRequest, plan_id: int) -> HttpResponse:
    require_admin(request)
    plan = get_object_or_404(SteeringPlan, pk=plan_id)
    form = TargetForm(request.POST if request.method == "POST" else None, plan=plan)
    return _item_form(request, plan, form, None)


@login_required
@require_http_methods(["GET", "POST"])
def target_edit(request: HttpRequest, target_id: int) -> HttpResponse:
    require_admin(request)
    target = get_object_or_404(Target.objects.select_related("plan"), pk=target_id)
    form = TargetForm(
        request.POST if request.method == "POST" else None, plan=target.plan, target=target
    )
    return _item_form(request, target.plan, form, target)


@login_required
@require_http_methods(["GET", "POST"])
def task_create(request: HttpRequest, plan_id: int) -> HttpResponse:
    require_admin(request)
    plan = get_object_or_404(SteeringPlan, pk=plan_id)
    form = TaskForm(request.POST if request.method == "POST" else None, plan=plan)
    return _item_form(request, plan, form, None)


@login_required
@require_http_methods(["GET", "POST"])
def task_edit(request: HttpRequest, task_id: int) -> HttpResponse:
    require_admin(request)
    task = get_object_or_404(Task.objects.select_related("plan"), pk=task_id)
    form = TaskForm(request.POST if request.method == "POST" else None, plan=task.plan, task=task)
    return _item_form(request, task.plan, form, task)


# ---------------------------------------------------------------- Excel


@login_required
@require_GET
def workbook(request: HttpRequest, plan_id: int) -> HttpResponse:
    """The plan's targets and tasks in the import's layout: the template, filled in so far."""
    require_admin(request)
    plan = get_object_or_404(SteeringPlan, pk=plan_id)
    buffer = io.BytesIO()
    spreadsheet.write_workbook(buffer, plan)
    response = HttpResponse(buffer.getvalue(), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="ban-chi-dao-{plan.year}.xlsx"'
    return response


@login_required
@require_http_methods(["GET", "POST"])
def import_upload(request: HttpRequest, plan_id: int) -> HttpResponse:
    """Upload a workbook of targets and tasks; the next page previews it, nothing written yet."""
    require_admin(request)
    plan = get_object_or_404(SteeringPlan, pk=plan_id)
    bound = request.method == "POST"
    form = ImportForm(request.POST if bound else None, request.FILES if bound else None)
    problem = None
    if bound and form.is_valid():
        upload = form.cleaned_data["file"]
        data = upload.read(MAX_UPLOAD_BYTES + 1)
        # A file that is no workbook of targets and tasks, or not laid out as one, is refused
        # here: only a workbook whose rows can be listed waits for the preview.
        problem = spreadsheet.check_file(data) or spreadsheet.refusal(
            spreadsheet.plan_import(plan, data).problems
        )
        if problem is None:
            PENDING_IMPORT.stash(request, data, name=upload.name[:200], plan=plan.pk)
            return redirect("steering:import_preview")
    context = {
        "plan": plan,
        "form": form,
        "problem": {"text": str(problem)} if problem else None,  # with its sheet, if any
        "limit_mb": MAX_UPLOAD_BYTES // (1024 * 1024),
        "max_rows": spreadsheet.MAX_ROWS,
        "sheet_targets": spreadsheet.SHEET_TARGETS,
        "sheet_tasks": spreadsheet.SHEET_TASKS,
    }
    return render(request, "steering/import.html", context, status=400 if bound else 200)


def _preview(
    request: HttpRequest,
    plan: SteeringPlan,
    pending: dict[str, Any],
    found: spreadsheet.Plan,
    refused: bool = False,
) -> HttpResponse:
    context = {
        "plan": plan,
        "pending": pending,
        "found": found,
        "refused": refused,
        "sheet_targets": spreadsheet.SHEET_TARGETS,
        "sheet_tasks": spreadsheet.SHEET_TASKS,
    }
    return render(request, "steering/import_preview.html", context)


def _pending_plan(pending: dict[str, Any]) -> SteeringPlan | None:
    return SteeringPlan.objects.filter(pk=pending.get("plan")).first()


@login_required
@require_GET
def import_preview(request: HttpRequest) -> HttpResponse:
    """The dry run: every row as create / update / unchanged, every problem by sheet and row."""
    require_admin(request)
    pending, data = PENDING_IMPORT.load(request)
    plan = _pending_plan(pending) if pending else None
    if pending is None or plan is None:
        messages.warning(request, _("No workbook is waiting to be imported: upload one."))
        return redirect("steering:dashboard")
    if data is None:
        PENDING_IMPORT.forget(request)
        messages.error(request, _("The uploaded workbook is gone or has changed: upload it again."))
        return redirect("steering:import", plan_id=plan.pk)
    return _preview(request, plan, pending, spreadsheet.plan_import(plan, data))


@login_required
@require_POST
def import_apply(request: HttpRequest) -> HttpResponse:
    """Import every row of the previewed workbook, or none."""
    require_admin(request)
    pending, data = PENDING_IMPORT.load(request)
    plan = _pending_plan(pending) if pending else None
    if pending is None or plan is None or request.POST.get("token") != pending["token"]:
        messages.error(
            request,
            _("This preview is out of date (another workbook was uploaded since): check it again."),
        )
        return redirect("steering:import_preview" if pending else "steering:dashboard")
    if data is None or request.POST.get("sha256") != pending["sha256"]:
        PENDING_IMPORT.forget(request)
        messages.error(request, _("The uploaded workbook is gone or has changed: upload it again."))
        return redirect("steering:import", plan_id=plan.pk)
    try:
        result = spreadsheet.apply_import(
            Actor.from_request(request), plan, data, name=pending["name"]
        )
    except spreadsheet.ImportRefused as refused:
        messages.error(
            request, _("Nothing was imported: the workbook has problems (listed below).")
        )
        return _preview(request, plan, pending, refused.plan, refused=True)
    PENDING_IMPORT.forget(request)
    messages.success(
        request,
        _(
            "Imported: %(targets_created)s targets created, %(targets_updated)s updated; "
            "%(tasks_created)s tasks created, %(tasks_updated)s updated."
        )
        % result.as_dict(),
    )
    return redirect(_dashboard_of(plan))


@login_required
@require_POST
def import_cancel(request: HttpRequest) -> HttpResponse:
    require_admin(request)
    pending = PENDING_IMPORT.forget(request) or {}
    messages.success(request, _("The uploaded workbook has been discarded; nothing was imported."))
    plan = _pending_plan(pending)
    return redirect("steering:import", plan_id=plan.pk) if plan else redirect("steering:dashboard")
