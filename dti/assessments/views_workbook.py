"""The offline Excel round trip: download the unit's form, fill it in, upload it back.

The upload is checked cell by cell; with any problem nothing changes and every bad cell is
listed by sheet and cell. Without problems the page shows what would change; the uploaded file
waits under MEDIA_ROOT (its name and checksum in the session) until the person confirms, and
``actions.apply_workbook`` applies all of it in one transaction with one audit record.
"""

from __future__ import annotations

import datetime
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from dti.accounts.access import access_of
from dti.assessments import actions, workbook
from dti.assessments.access import get_assessment_for_user
from dti.assessments.models import Assessment
from dti.audit.trail import Actor
from dti.frameworks.present import render_problem
from dti.scoring.problems import Problem
from dti.web.staging import PendingWorkbook

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PENDING = "dti_assessment_workbook_{pk}"  # the uploaded form waiting for confirmation
UPLOAD_DIR = "workbook-uploads"
KEEP = datetime.timedelta(days=1)  # uploads never confirmed are removed after this


class UploadForm(forms.Form):
    """The filled-in form (.xlsx, at most 5 MB)."""

    file = forms.FileField(
        label=gettext_lazy("Filled-in form (.xlsx)"),
        widget=forms.ClearableFileInput(attrs={"accept": f".xlsx,{XLSX}"}),
    )

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > workbook.MAX_UPLOAD_BYTES:
            raise forms.ValidationError(
                _("The file is too large (%(size)s MB); at most %(limit)s MB is accepted.")
                % {
                    "size": f"{upload.size / (1024 * 1024):.1f}",
                    "limit": workbook.MAX_UPLOAD_BYTES // (1024 * 1024),
                }
            )
        return upload


@login_required
@require_GET
def workbook_download(request: HttpRequest, assessment_id: int) -> HttpResponse:
    """The unit's form as an .xlsx, with its current values, to fill in offline."""
    assessment = get_assessment_for_user(request, assessment_id)
    form = workbook.load_form(assessment, access_of(request))
    response = HttpResponse(workbook.build_workbook(form), content_type=XLSX)
    name = f"dti-{assessment.period.year}-{assessment.unit.code}.xlsx"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_http_methods(["GET", "POST"])
def workbook_upload(request: HttpRequest, assessment_id: int) -> HttpResponse:
    """Upload the filled-in form; check it; show what would change; apply it on confirmation."""
    assessment = get_assessment_for_user(request, assessment_id)
    access = access_of(request)
    form = workbook.load_form(assessment, access)
    if not form.editing.anything:
        _forget(request, assessment)
        return _page(request, form, UploadForm(), refused=form.editing.reason, status=403)
    if request.method == "GET":
        return _page(request, form, UploadForm())
    step = request.POST.get("step", "check")
    if step == "apply":
        return _apply(request, form)
    if step == "cancel":
        _forget(request, assessment)
        messages.success(request, _("The uploaded form has been discarded; nothing was changed."))
        return redirect("assessments:workbook_upload", assessment_id=assessment.pk)
    return _check(request, form)


def _check(request: HttpRequest, form: workbook.FormData) -> HttpResponse:
    upload_form = UploadForm(request.POST, request.FILES)
    if not upload_form.is_valid():
        return _page(request, form, upload_form, status=400)
    _forget(request, form.assessment)  # a new upload replaces the one waiting, if any
    upload = upload_form.cleaned_data["file"]
    data = upload.read(workbook.MAX_UPLOAD_BYTES + 1)
    problem = workbook.check_file(data)
    if problem is not None:
        return _page(request, form, upload_form, problems=[problem], status=400)
    reading = workbook.read_upload(data, form, _lang())
    if not reading.ok:
        return _page(request, form, upload_form, problems=reading.problems, status=400)
    if not reading.has_changes:
        return _page(request, form, UploadForm(), reading=reading)
    pending = _pending(form.assessment).stash(request, data, name=upload.name[:200])
    return _page(request, form, UploadForm(), reading=reading, pending=pending)


def _apply(request: HttpRequest, form: workbook.FormData) -> HttpResponse:
    assessment = form.assessment
    pending, data = _pending(assessment).load(request)
    if not pending or request.POST.get("token") != pending["token"]:
        messages.error(
            request, _("This check is out of date (another form was uploaded since): upload again.")
        )
        return redirect("assessments:workbook_upload", assessment_id=assessment.pk)
    if data is None or request.POST.get("sha256") != pending["sha256"]:
        _forget(request, assessment)
        messages.error(request, _("The uploaded form is gone or has changed: upload it again."))
        return redirect("assessments:workbook_upload", assessment_id=assessment.pk)
    # Checked again: the assessment may have changed since the preview.
    reading = workbook.read_upload(data, form, _lang())
    problems: list[Problem] = list(reading.problems)
    if not problems and reading.has_changes:
        try:
            changed = actions.apply_workbook(
                Actor.from_request(request),
                access_of(request),
                assessment,
                reading.general,
                reading.answers,
            )
        except actions.NotAllowed as refused:
            problems = [Problem("error", workbook.MESSAGE, {"message": str(refused)})]
        except actions.Invalid as invalid:
            problems = list(invalid.problems)
        else:
            _forget(request, assessment)
            messages.success(
                request,
                _("The uploaded form has been applied: %(count)s changes were saved.")
                % {"count": changed},
            )
            return redirect("assessments:workbook_upload", assessment_id=assessment.pk)
    _forget(request, assessment)
    if not problems:
        messages.info(request, _("Nothing to change: the form holds what is already recorded."))
        return redirect("assessments:workbook_upload", assessment_id=assessment.pk)
    return _page(request, form, UploadForm(), problems=problems, status=400)


def _page(
    request: HttpRequest,
    form: workbook.FormData,
    upload_form: UploadForm,
    *,
    problems: list[Problem] | None = None,
    reading: workbook.Upload | None = None,
    pending: dict[str, Any] | None = None,
    refused: str = "",
    status: int = 200,
) -> HttpResponse:
    lang = _lang()
    context = {
        "assessment": form.assessment,
        "form": upload_form,
        "editing": form.editing,
        "refused": refused,
        "problems": [render_problem(p, lang) | {"cell": p.cell or ""} for p in problems or []],
        "reading": reading,
        "pending": pending,
        "limit_mb": workbook.MAX_UPLOAD_BYTES // (1024 * 1024),
        "sheets": (workbook.SHEET_GENERAL, workbook.SHEET_FIGURES),
    }
    template = (
        "assessments/workbook_preview.html" if reading else "assessments/workbook_upload.html"
    )
    return render(request, template, context, status=status)


def _lang() -> str:
    return get_language() or settings.LANGUAGE_CODE


# ---------------------------------------------------------------- the file between the two steps


def _pending(assessment: Assessment) -> PendingWorkbook:
    """The unit's uploaded form waiting for confirmation, one per assessment and session."""
    return PendingWorkbook(PENDING.format(pk=assessment.pk), UPLOAD_DIR, KEEP)


def _forget(request: HttpRequest, assessment: Assessment) -> None:
    _pending(assessment).forget(request)


urlpatterns = [
    path("<int:assessment_id>/workbook.xlsx", workbook_download, name="workbook"),
    path("<int:assessment_id>/workbook/upload/", workbook_upload, name="workbook_upload"),
]
