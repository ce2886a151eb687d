"""Downloads of a period's results: the workbook and the annex (PDF) for the administrator once the
appraisal is approved; the same files and open data (CSV, JSON) for anyone once published.

The administrator's views call ``require_admin`` first, then accept a period that is approved
or published. The public views need no sign-in: the first thing they do is fetch the period
*published*, and anything else is a 404, so nothing unpublished ever leaves through them.
Every file is an attachment with an ASCII file name and its Vietnamese name (RFC 6266).
"""

from __future__ import annotations

import json
from urllib.parse import quote

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.views.decorators.http import require_GET

from dti.accounts.access import require_admin
from dti.periods.models import Period
from dti.results import exports

PDF = "application/pdf"
CSV = "text/csv; charset=utf-8"
JSON = "application/json"

#: what each file is called: (ASCII name, Vietnamese name), after “dti-<year>-”
NAMES = {
    "results": ("ket-qua", "kết-quả"),
    "annex": ("phu-luc", "phụ-lục"),
}
DRAFT = ("du-thao", "dự-thảo")  # approved, not yet published


def _published(period_id: int) -> Period:
    """The period if it is published; a 404 for anything else, whoever asks."""
    return get_object_or_404(Period, pk=period_id, status=Period.Status.PUBLISHED)


def _approved(period_id: int) -> Period:
    """The period once its results exist: approved (not yet published) or published."""
    return get_object_or_404(
        Period,
        pk=period_id,
        status__in=[Period.Status.APPROVED, Period.Status.PUBLISHED],
    )


def content_disposition(ascii_name: str, name: str) -> str:
    """``attachment`` with a plain file name every browser reads and the Vietnamese one
    (RFC 6266 / RFC 5987 ``filename*``) for those that read it."""
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name, safe='')}"


def _file(
    body: bytes, content_type: str, period: Period, kind: str, extension: str
) -> HttpResponse:
    ascii_stem, stem = NAMES[kind]
    if period.status != Period.Status.PUBLISHED:
        ascii_stem, stem = f"{ascii_stem}-{DRAFT[0]}", f"{stem}-{DRAFT[1]}"
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = content_disposition(
        f"dti-{period.year}-{ascii_stem}.{extension}", f"dti-{period.year}-{stem}.{extension}"
    )
    response["X-Content-Type-Options"] = "nosniff"
    if period.status != Period.Status.PUBLISHED:
        response["Cache-Control"] = "private, no-store"  # a draft: keep it out of any cache
    return response


def _annex_pdf(period: Period) -> bytes:
    """The publication annex, from ``dti.results.annex`` (a 404 until that module exists)."""
    try:
        from dti.results.annex import annex_pdf
    except ModuleNotFoundError as missing:
        if missing.name != "dti.results.annex":
            raise  # a dependency of the annex is missing: an error, not a 404
        raise Http404 from None
    body: bytes = annex_pdf(period)
    return body


# ------------------------------------------------------------------ the administrator


@login_required
@require_GET
def workbook(request: HttpRequest, period_id: int) -> HttpResponse:
    require_admin(request)
    period = _approved(period_id)
    return _file(exports.results_workbook(period), exports.XLSX, period, "results", "xlsx")


@login_required
@require_GET
def annex(request: HttpRequest, period_id: int) -> HttpResponse:
    require_admin(request)
    period = _approved(period_id)
    return _file(_annex_pdf(period), PDF, period, "annex", "pdf")


# ------------------------------------------------------------------ the public (no sign-in)


@require_GET
def public_csv(request: HttpRequest, period_id: int) -> HttpResponse:
    period = _published(period_id)
    response = _file(exports.results_csv(period), CSV, period, "results", "csv")
    response["Access-Control-Allow-Origin"] = "*"  # open data: other sites may read it
    return response


@require_GET
def public_json(request: HttpRequest, period_id: int) -> HttpResponse:
    period = _published(period_id)
    body = json.dumps(exports.results_json(period), ensure_ascii=False, indent=1)
    response = _file(body.encode("utf-8"), JSON, period, "results", "json")
    response["Access-Control-Allow-Origin"] = "*"
    return response


@require_GET
def public_workbook(request: HttpRequest, period_id: int) -> HttpResponse:
    period = _published(period_id)
    body = exports.results_workbook(period, self_assessment=False)
    return _file(body, exports.XLSX, period, "results", "xlsx")


@require_GET
def public_annex(request: HttpRequest, period_id: int) -> HttpResponse:
    period = _published(period_id)
    return _file(_annex_pdf(period), PDF, period, "annex", "pdf")
