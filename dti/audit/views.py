"""The administrator's view of the audit trail (nhật ký thay đổi): a filtered list and its exports."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date, datetime, time, timedelta
from typing import Any

from django import forms
from django.apps import apps
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Q, QuerySet
from django.http import FileResponse, HttpRequest, HttpResponse, QueryDict, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone, translation
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from dti.accounts.access import require_admin
from dti.audit.export import csv_lines, write_xlsx
from dti.audit.models import AuditRecord

PER_PAGE = 50
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

ACTION_LABELS = {
    "framework.import": _("Framework imported"),
    "account.create": _("Account created"),
    "account.update": _("Account updated"),
    "account.reset_password": _("Password reset"),
    "account.change_password": _("Password changed"),
    "account.lock": _("Account locked"),
    "account.unlock": _("Account unlocked"),
    "account.totp_on": _("Two-factor sign-in turned on"),
    "account.totp_off": _("Two-factor sign-in turned off"),
    "role.grant": _("Role granted"),
    "role.revoke": _("Role revoked"),
    "role.update": _("Role updated"),
    "security.policy": _("Security policy changed"),
    "period.create": _("Period created"),
    "period.update": _("Period updated"),
    "period.group": _("Period group set"),
    "period.status": _("Period status changed"),
    "period.reopen": _("Submission reopened for a unit"),
    "unit.create": _("Unit created"),
    "unit.update": _("Unit updated"),
    "department.add": _("Department added"),
    "department.rename": _("Department renamed"),
    "department.remove": _("Department removed"),
}


def action_label(code: str) -> str:
    """The human name of an action code; codes nobody named yet are shown as they are."""
    return str(ACTION_LABELS.get(code, code))


def object_type_label(code: str) -> str:
    """``accounts.user`` → the model's verbose name; unknown (or removed) models as they are."""
    try:
        return capfirst(str(apps.get_model(code)._meta.verbose_name))
    except (LookupError, ValueError):
        return code


class AuditFilter(forms.Form):
    """The toolbar's filters; a field that does not validate (a malformed date) is ignored."""

    # Exact codes, offered as selects of the codes present (set by the list view).
    action = forms.CharField(label=_("Action"), required=False, widget=forms.Select)
    object_type = forms.CharField(label=_("Object type"), required=False, widget=forms.Select)
    who = forms.CharField(label=_("Who"), required=False, max_length=200)
    date_from = forms.DateField(
        label=_("From"),
        required=False,
        input_formats=["%Y-%m-%d", "%d/%m/%Y"],
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    date_to = forms.DateField(
        label=_("To"),
        required=False,
        input_formats=["%Y-%m-%d", "%d/%m/%Y"],
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    q = forms.CharField(label=_("Search"), required=False, max_length=200)

    def values(self) -> dict[str, Any]:
        """The filters that were given and are valid."""
        self.is_valid()
        return {k: v for k, v in self.cleaned_data.items() if v not in ("", None)}


def _local_midnight(day: date) -> datetime:
    """The start of ``day`` in the province's time zone (the project TIME_ZONE)."""
    return timezone.make_aware(datetime.combine(day, time.min))


def _filtered(values: dict[str, Any]) -> QuerySet[AuditRecord]:
    records = AuditRecord.objects.all()  # newest first (Meta.ordering)
    if "action" in values:
        records = records.filter(action=values["action"])
    if "object_type" in values:
        records = records.filter(object_type=values["object_type"])
    if "who" in values:
        records = records.filter(actor_label__icontains=values["who"])
    # A range on ``at`` (not ``at__date``) keeps the index usable; days end at local midnight.
    if "date_from" in values:
        records = records.filter(at__gte=_local_midnight(values["date_from"]))
    if "date_to" in values:
        records = records.filter(at__lt=_local_midnight(values["date_to"] + timedelta(days=1)))
    if "q" in values:
        records = records.filter(
            Q(object_label__icontains=values["q"]) | Q(reason__icontains=values["q"])
        )
    return records


def _query(form: AuditFilter, values: dict[str, Any]) -> QueryDict:
    """The given filters as a query string, for the page links and the export links."""
    query = QueryDict(mutable=True)
    for name in values:
        query[name] = form.data[name]
    return query


_MISSING = object()


def _shown(value: Any) -> str | None:
    if value is _MISSING:
        return None
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def changes(before: Any, after: Any) -> list[tuple[str, str | None, str | None]]:
    """What changed between ``before`` and ``after``: (key, old, new) for the keys that differ,
    values as text (JSON for anything but a string), None where the key is absent."""
    if before is None and after is None:
        return []
    if isinstance(before, dict | None) and isinstance(after, dict | None):
        old, new = before or {}, after or {}
        keys = list(old) + [k for k in new if k not in old]
        return [
            (str(k), _shown(old.get(k, _MISSING)), _shown(new.get(k, _MISSING)))
            for k in keys
            if old.get(k, _MISSING) != new.get(k, _MISSING)
        ]
    if before == after:
        return []
    return [
        (
            "",
            _shown(_MISSING if before is None else before),
            _shown(_MISSING if after is None else after),
        )
    ]


@login_required
@require_GET
def audit_list(request: HttpRequest) -> HttpResponse:
    require_admin(request)
    form = AuditFilter(request.GET)
    values = form.values()
    present_actions = AuditRecord.objects.order_by("action").values_list("action", flat=True)
    present_types = AuditRecord.objects.order_by("object_type").values_list(
        "object_type", flat=True
    )
    form.fields["action"].widget.choices = [
        ("", _("All actions")),
        *sorted(((a, action_label(a)) for a in present_actions.distinct()), key=lambda c: c[1]),
    ]
    form.fields["object_type"].widget.choices = [
        ("", _("All object types")),
        *sorted(((t, object_type_label(t)) for t in present_types.distinct()), key=lambda c: c[1]),
    ]
    paginator = Paginator(_filtered(values).select_related("actor"), PER_PAGE)
    page = paginator.get_page(request.GET.get("page"))
    rows = [
        {
            "record": r,
            "action": action_label(r.action),
            "object_type": object_type_label(r.object_type),
            "changes": changes(r.before, r.after),
        }
        for r in page.object_list
    ]
    query = _query(form, values)
    return render(
        request,
        "audit/list.html",
        {
            "form": form,
            "page": page,
            "rows": rows,
            "query": query,
            "filtered": bool(values),
        },
    )


@login_required
@require_GET
def audit_export(request: HttpRequest) -> HttpResponse | StreamingHttpResponse | FileResponse:
    require_admin(request)
    records = _filtered(AuditFilter(request.GET).values()).iterator(chunk_size=2000)
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    if request.GET.get("format") == "xlsx":
        return FileResponse(
            write_xlsx(records, action_label),
            as_attachment=True,
            filename=f"audit-{stamp}.xlsx",
            content_type=XLSX,
        )
    language = translation.get_language()

    def lines() -> Iterator[str]:
        # The response is iterated after this view returns: keep the request's language.
        with translation.override(language):
            yield from csv_lines(records, action_label)

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="audit-{stamp}.csv"'
    return response
