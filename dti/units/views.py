"""A unit's start page, and the administrator's screens for units, departments and the Excel list."""

from __future__ import annotations

import base64
import io
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from dti.accounts.access import access_of, get_unit_for_user, require_admin
from dti.accounts.models import Role
from dti.audit.trail import Actor
from dti.periods.deadlines import closes_at, submission_open
from dti.periods.models import PeriodUnit
from dti.units import actions, spreadsheet
from dti.units.forms import MAX_UPLOAD_BYTES, DepartmentForm, ImportForm, UnitForm
from dti.units.models import Department, Unit
from dti.web.staging import PendingWorkbook

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# the uploaded workbook waiting between preview and import
PENDING_IMPORT = PendingWorkbook("dti_units_import", "imports")
IMPORT_DONE = "dti_units_import_done"  # what the import did, shown once


@login_required
@require_GET
def unit_home(request: HttpRequest, unit_id: int) -> HttpResponse:
    """A unit's start page: its periods with their deadlines, its departments and people."""
    from dti.appraisal.views_unit import unit_appraisal  # the council's questions and results
    from dti.assessments.models import Assessment

    unit = get_unit_for_user(request, unit_id)
    now = timezone.now()
    submitted = {
        a.period_id: a
        for a in Assessment.objects.filter(unit=unit, status=Assessment.Status.SUBMITTED)
    }
    memberships = (
        PeriodUnit.objects.filter(unit=unit)
        .exclude(period__status="draft")
        .select_related("period", "group__framework")
        .order_by("-period__year")
    )
    periods = [
        {
            "period": m.period,
            "group": m.group,
            "closes_at": closes_at(m.period.submission_deadline),
            "open": submission_open(m.period, unit, now),
            "reopened_until": m.period.reopenings.filter(unit=unit, until__gt=now)
            .values_list("until", flat=True)
            .first(),
            "assessment": submitted.get(m.period_id),
            "appraisal": unit_appraisal(submitted[m.period_id], now)
            if m.period_id in submitted
            else None,
        }
        for m in memberships
    ]
    people = (
        Role.objects.filter(unit=unit)
        .select_related("user", "department")
        .order_by("kind", "user__full_name")
    )
    context = {
        "unit": unit,
        "periods": periods,
        "departments": unit.departments.all(),
        "people": people,
        "access": access_of(request),
    }
    return render(request, "units/home.html", context)


# ---------------------------------------------------------------- units


@login_required
@require_GET
def unit_list(request: HttpRequest) -> HttpResponse:
    """Every unit in order, with its kind, parent, merger and how many departments and people."""
    require_admin(request)
    units = Unit.objects.select_related("parent", "merged_into").annotate(
        departments_count=Count("departments", distinct=True),
        people_count=Count("roles__user", distinct=True),
    )
    return render(request, "units/list.html", {"units": units})


@login_required
@require_http_methods(["GET", "POST"])
def unit_create(request: HttpRequest) -> HttpResponse:
    require_admin(request)
    form = UnitForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        unit = actions.create_unit(
            Actor.from_request(request),
            name=data["name"],
            code=data["code"],
            kind=data["kind"],
            parent=data["parent"],
            merged_into=data["merged_into"],
            merged_on=data["merged_on"],
            position=data["position"],
        )
        messages.success(request, _("The unit “%(name)s” has been created.") % {"name": unit.name})
        return redirect("units:edit", unit_id=unit.pk)
    return render(request, "units/form.html", {"form": form, "unit": None})


@login_required
@require_http_methods(["GET", "POST"])
def unit_edit(request: HttpRequest, unit_id: int) -> HttpResponse:
    """A unit's details and its departments."""
    require_admin(request)
    unit = get_object_or_404(Unit.objects.select_related("parent", "merged_into"), pk=unit_id)
    form = UnitForm(request.POST if request.method == "POST" else None, unit=unit)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if data["position"] is None:
            data["position"] = unit.position
        actions.update_unit(Actor.from_request(request), unit, **data)
        messages.success(request, _("The unit “%(name)s” has been saved.") % {"name": unit.name})
        return redirect("units:edit", unit_id=unit.pk)
    return _edit_page(request, unit, form=form)


def _edit_page(
    request: HttpRequest,
    unit: Unit,
    form: UnitForm | None = None,
    department_form: DepartmentForm | None = None,
    status: int = 200,
) -> HttpResponse:
    departments = unit.departments.annotate(roles_count=Count("roles"))
    context = {
        "unit": unit,
        "form": form or UnitForm(unit=unit),
        "department_form": department_form or DepartmentForm(unit=unit),
        "departments": departments,
    }
    return render(request, "units/form.html", context, status=status)


@login_required
@require_POST
def department_add(request: HttpRequest, unit_id: int) -> HttpResponse:
    require_admin(request)
    unit = get_object_or_404(Unit, pk=unit_id)
    form = DepartmentForm(request.POST, unit=unit)
    if not form.is_valid():
        return _edit_page(request, unit, department_form=form, status=400)
    department = actions.add_department(
        Actor.from_request(request), unit, form.cleaned_data["name"]
    )
    messages.success(
        request, _("The department “%(name)s” has been added.") % {"name": department.name}
    )
    return redirect("units:edit", unit_id=unit.pk)


def _department(unit_id: int, department_id: int) -> Department:
    return get_object_or_404(
        Department.objects.select_related("unit"), pk=department_id, unit_id=unit_id
    )


@login_required
@require_POST
def department_rename(request: HttpRequest, unit_id: int, department_id: int) -> HttpResponse:
    require_admin(request)
    department = _department(unit_id, department_id)
    form = DepartmentForm(request.POST, unit=department.unit, department=department)
    if not form.is_valid():
        for error in form.errors.get("name", []):
            messages.error(request, f"{department.name}: {error}")
        return redirect("units:edit", unit_id=unit_id)
    old = department.name
    actions.rename_department(Actor.from_request(request), department, form.cleaned_data["name"])
    messages.success(
        request,
        _("The department “%(old)s” is now “%(new)s”.") % {"old": old, "new": department.name},
    )
    return redirect("units:edit", unit_id=unit_id)


@login_required
@require_POST
def department_remove(request: HttpRequest, unit_id: int, department_id: int) -> HttpResponse:
    require_admin(request)
    department = _department(unit_id, department_id)
    try:
        actions.remove_department(Actor.from_request(request), department)
    except actions.DepartmentInUse as refused:
        messages.error(request, str(refused))
    else:
        messages.success(
            request, _("The department “%(name)s” has been removed.") % {"name": department.name}
        )
    return redirect("units:edit", unit_id=unit_id)


# ---------------------------------------------------------------- Excel


@login_required
@require_GET
def unit_export(request: HttpRequest) -> HttpResponse:
    """Units and people as one workbook, laid out like the decision's list of units."""
    require_admin(request)
    buffer = io.BytesIO()
    spreadsheet.write_workbook(buffer)
    response = HttpResponse(buffer.getvalue(), content_type=XLSX)
    stamp = timezone.localdate().strftime("%Y%m%d")
    response["Content-Disposition"] = f'attachment; filename="don-vi-nguoi-dung-{stamp}.xlsx"'
    return response


@login_required
@require_http_methods(["GET", "POST"])
def unit_import(request: HttpRequest) -> HttpResponse:
    """Upload a workbook of units and people; the next page previews it, nothing is written yet."""
    require_admin(request)
    bound = request.method == "POST"
    form = ImportForm(request.POST if bound else None, request.FILES if bound else None)
    problem = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        data = upload.read(MAX_UPLOAD_BYTES + 1)
        # A file that is no workbook of units, or not laid out as one, is refused here: only a
        # workbook whose rows can be listed waits for the preview.
        problem = spreadsheet.check_file(data) or spreadsheet.refusal(
            spreadsheet.plan_import(data).problems
        )
        if problem is None:
            PENDING_IMPORT.stash(request, data, name=upload.name[:200])
            return redirect("units:import_preview")
    context = {
        "form": form,
        "problem": {"text": str(problem)} if problem else None,  # with its sheet, if any
        "limit_mb": MAX_UPLOAD_BYTES // (1024 * 1024),
        "max_rows": spreadsheet.MAX_ROWS,
    }
    return render(request, "units/import.html", context, status=400 if bound else 200)


def _preview(
    request: HttpRequest, pending: dict[str, str], plan: spreadsheet.Plan, refused: bool = False
) -> HttpResponse:
    context = {
        "pending": pending,
        "plan": plan,
        "refused": refused,
        "sheet_units": spreadsheet.SHEET_UNITS,
        "sheet_people": spreadsheet.SHEET_PEOPLE,
    }
    return render(request, "units/import_preview.html", context)


@login_required
@require_GET
def unit_import_preview(request: HttpRequest) -> HttpResponse:
    """The dry run: every row as create / update / unchanged, every problem by sheet and row."""
    require_admin(request)
    pending, data = PENDING_IMPORT.load(request)
    if pending is None:
        messages.warning(request, _("No workbook is waiting to be imported: upload one."))
        return redirect("units:import")
    if data is None:
        PENDING_IMPORT.forget(request)
        messages.error(request, _("The uploaded workbook is gone or has changed: upload it again."))
        return redirect("units:import")
    return _preview(request, pending, spreadsheet.plan_import(data))


@login_required
@require_POST
def unit_import_apply(request: HttpRequest) -> HttpResponse:
    """Import every row of the previewed workbook, or none."""
    require_admin(request)
    pending, data = PENDING_IMPORT.load(request)
    if pending is None or request.POST.get("token") != pending["token"]:
        messages.error(
            request,
            _("This preview is out of date (another workbook was uploaded since): check it again."),
        )
        return redirect("units:import_preview" if pending else "units:import")
    if data is None or request.POST.get("sha256") != pending["sha256"]:
        PENDING_IMPORT.forget(request)
        messages.error(request, _("The uploaded workbook is gone or has changed: upload it again."))
        return redirect("units:import")
    try:
        result = spreadsheet.apply_import(Actor.from_request(request), data)
    except spreadsheet.ImportRefused as refused:
        messages.error(
            request, _("Nothing was imported: the workbook has problems (listed below).")
        )
        return _preview(request, pending, refused.plan, refused=True)
    PENDING_IMPORT.forget(request)
    request.session[IMPORT_DONE] = result.as_dict()
    return redirect("units:import_done")


@login_required
@require_POST
def unit_import_cancel(request: HttpRequest) -> HttpResponse:
    require_admin(request)
    PENDING_IMPORT.forget(request)
    messages.success(request, _("The uploaded workbook has been discarded; nothing was imported."))
    return redirect("units:import")


@login_required
@require_GET
def unit_import_done(request: HttpRequest) -> HttpResponse:
    """What the import did, and the new accounts' temporary passwords — shown this once."""
    require_admin(request)
    result: dict[str, Any] | None = request.session.pop(IMPORT_DONE, None)
    if result is None:
        return redirect("units:list")
    passwords = result["passwords"]
    download = ""
    if passwords:
        workbook = spreadsheet.passwords_workbook(passwords)
        download = f"data:{XLSX};base64,{base64.b64encode(workbook).decode()}"
    response = render(
        request,
        "units/import_done.html",
        {"result": result, "passwords": passwords, "download": download},
    )
    response["Cache-Control"] = "no-store"  # the passwords must not stay in a cache
    return response
