"""Evidence of a self-assessment (tài liệu kiểm chứng): files, links and document references.

The list with its three forms (file, link, document reference), changing which criteria a piece
supports, removing it, and downloading a file. Files are checked by content in ``uploads``.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.validators import URLValidator
from django.db import transaction
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, path, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from dti.accounts.access import access_of
from dti.assessments import actions, uploads
from dti.assessments.access import Editing, editing_for, get_assessment_for_user
from dti.assessments.models import Assessment, Evidence
from dti.audit.trail import Actor
from dti.frameworks.models import Criterion

#: How many files one upload may carry.
MAX_FILES_PER_UPLOAD = 20

# The kind of a document, from the code in its symbol (Nghị định 30/2020/NĐ-CP, appendix III):
# "105/QĐ-STP" is a decision (quyết định) of the Sở Tư pháp.
DOCUMENT_TYPES = {
    "QĐ": gettext_lazy("Decision"),
    "KH": gettext_lazy("Plan"),
    "TB": gettext_lazy("Notice"),
    "BC": gettext_lazy("Report"),
    "CT": gettext_lazy("Directive"),
    "NQ": gettext_lazy("Resolution"),
    "TTR": gettext_lazy("Submission"),
    "HD": gettext_lazy("Guidance"),
    "QC": gettext_lazy("Regulation"),
    "QYĐ": gettext_lazy("Rules"),
    "CTR": gettext_lazy("Programme"),
}


def document_reference(evidence: Evidence) -> str:
    """“Quyết định số 105/QĐ-STP ngày 13/6/2022”: the kind, read from the symbol, number and date."""
    number = evidence.doc_number.strip()
    if number[:1].isdigit():
        symbol = number.partition("/")[2]
        kind = DOCUMENT_TYPES.get(symbol.split("-")[0].strip().upper()) if symbol else None
        if kind is not None:
            number = _("%(type)s No. %(number)s") % {"type": kind, "number": number}
        else:
            number = _("No. %(number)s") % {"number": number}
    if evidence.doc_date is None:
        return number
    return _("%(reference)s of %(date)s") % {
        "reference": number,
        "date": date_format(evidence.doc_date, "j/n/Y"),
    }


# ------------------------------------------------------------------ forms


class CriteriaForm(forms.Form):
    """The criteria a piece of evidence supports: leaves of the assessment's framework.

    Whether the person may attach to them is the action's decision, not the form's."""

    criteria = forms.TypedMultipleChoiceField(
        label=gettext_lazy("Criteria it supports"),
        coerce=int,
        error_messages={
            "required": gettext_lazy("Choose at least one criterion."),
            "invalid_choice": gettext_lazy("Choose criteria of this assessment's framework."),
        },
    )

    def __init__(self, *args: Any, leaves: list[Criterion], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["criteria"].choices = [(c.pk, c.code) for c in leaves]  # type: ignore[attr-defined]


class FileForm(CriteriaForm):
    summary = forms.CharField(label=gettext_lazy("What it shows"), max_length=2000, required=False)


class LinkForm(CriteriaForm):
    url = forms.URLField(
        label=gettext_lazy("Address (URL)"),
        max_length=1000,
        assume_scheme="https",
        validators=[URLValidator(schemes=["http", "https"])],
    )
    summary = forms.CharField(label=gettext_lazy("Title or summary"), max_length=2000)


class DocumentForm(CriteriaForm):
    doc_number = forms.CharField(label=gettext_lazy("Number and symbol"), max_length=200)
    doc_date = forms.DateField(
        label=gettext_lazy("Date"),
        input_formats=["%d/%m/%Y"],
        error_messages={"invalid": gettext_lazy("Enter the date as dd/mm/yyyy, e.g. 13/06/2022.")},
    )
    doc_issuer = forms.CharField(label=gettext_lazy("Issued by"), max_length=300, required=False)
    summary = forms.CharField(label=gettext_lazy("Summary (trích yếu)"), max_length=2000)

    def clean_doc_date(self) -> datetime.date:
        value: datetime.date = self.cleaned_data["doc_date"]
        if value > timezone.localdate():
            raise forms.ValidationError(_("The date cannot be in the future."))
        return value


FORMS: dict[str, type[CriteriaForm]] = {
    "file": FileForm,
    "link": LinkForm,
    "document": DocumentForm,
}


# ------------------------------------------------------------------ the page


@dataclass
class Piece:
    """One row of the list: the evidence, its criteria, and what the person may do with it."""

    evidence: Evidence
    criteria: list[Criterion] = field(default_factory=list)
    locked: list[Criterion] = field(
        default_factory=list
    )  # attached, but not the person's to change
    removable: bool = False
    reference: str = ""

    @property
    def type_label(self) -> str:
        return uploads.LABELS.get(self.evidence.content_type, "")

    @property
    def chosen(self) -> set[int]:
        return {c.pk for c in self.criteria}


def evidence_leaves(assessment: Assessment) -> list[Criterion]:
    return list(
        Criterion.objects.filter(framework_id=assessment.group.framework_id)
        .exclude(rule_type="")
        .only("pk", "code", "title", "position", "framework_id")
        .order_by("position")
    )


def _form_url(assessment: Assessment) -> str | None:
    """The assessment's own page, once it exists."""
    try:
        return reverse("assessments:form", args=[assessment.pk])
    except NoReverseMatch:
        return None


def _focus(request: HttpRequest, by_pk: dict[int, Criterion]) -> Criterion | None:
    raw = request.GET.get("criterion", "")
    return by_pk.get(int(raw)) if raw.isdigit() else None


def _page(
    request: HttpRequest,
    assessment: Assessment,
    editing: Editing,
    *,
    bound: tuple[str, forms.Form] | None = None,
    upload_errors: list[str] | None = None,
    refused: str = "",
    status: int = 200,
) -> HttpResponse:
    leaves = evidence_leaves(assessment)
    by_pk = {c.pk: c for c in leaves}
    focus = _focus(request, by_pk)
    editable = [c for c in leaves if editing.may_edit(c.pk)]
    links: dict[int, list[Criterion]] = {}
    through = Evidence.criteria.through.objects.filter(evidence__assessment=assessment)
    for evidence_id, criterion_id in through.values_list("evidence_id", "criterion_id"):
        if criterion_id in by_pk:
            links.setdefault(evidence_id, []).append(by_pk[criterion_id])
    pieces = []
    for evidence in assessment.evidence.select_related("uploaded_by"):
        criteria = sorted(links.get(evidence.pk, []), key=lambda c: c.position)
        pieces.append(
            Piece(
                evidence,
                criteria,
                locked=[c for c in criteria if not editing.may_edit(c.pk)],
                removable=editing.anything and all(editing.may_edit(c.pk) for c in criteria),
                reference=document_reference(evidence)
                if evidence.kind == Evidence.Kind.DOCUMENT
                else "",
            )
        )
    # Each add form: bound (after an error) or blank with the focused criterion chosen.
    initial = {focus.pk} if focus is not None and editing.may_edit(focus.pk) else set()
    add_forms: dict[str, dict[str, Any]] = {}
    for kind, form_class in FORMS.items():
        if bound is not None and bound[0] == kind:
            form = bound[1]
            chosen = {int(v) for v in form.data.getlist("criteria") if v.isdigit()}  # type: ignore[attr-defined]
        else:
            form = form_class(leaves=leaves)
            chosen = initial
        add_forms[kind] = {"form": form, "chosen": chosen}
    add_forms["file"]["errors"] = upload_errors or []
    covered = {c.pk for criteria in links.values() for c in criteria}
    context = {
        "assessment": assessment,
        "editing": editing,
        "pieces": pieces,
        "editable": editable,
        "focus": focus,
        "forms": add_forms,
        "open_kind": bound[0] if bound else "",
        "refused": refused,
        "form_url": _form_url(assessment),
        "leaf_count": len(leaves),
        "covered_count": len(covered),
        "accept": uploads.ACCEPT,
        "max_bytes": settings.DTI_EVIDENCE_MAX_BYTES,
        "max_files": MAX_FILES_PER_UPLOAD,
        "inline_types": uploads.INLINE_CONTENT_TYPES,
        "query": f"?criterion={focus.pk}" if focus is not None else "",
    }
    return render(request, "assessments/evidence.html", context, status=status)


def _back(request: HttpRequest, assessment: Assessment, anchor: str = "") -> HttpResponse:
    url = reverse("assessments:evidence", args=[assessment.pk])
    raw = request.GET.get("criterion", "")
    if raw.isdigit():
        url += f"?criterion={raw}"
    return redirect(url + (f"#{anchor}" if anchor else ""))


# ------------------------------------------------------------------ views


@login_required
@require_http_methods(["GET", "POST"])
def evidence_list(request: HttpRequest, assessment_id: int) -> HttpResponse:
    """The assessment's evidence, and (POST) adding a file, a link or a document reference."""
    assessment = get_assessment_for_user(request, assessment_id)
    access = access_of(request)
    editing = editing_for(access, assessment)
    if request.method == "GET":
        return _page(request, assessment, editing)
    if not editing.anything:
        return _page(request, assessment, editing, refused=editing.reason, status=403)
    kind = request.POST.get("kind", "")
    form_class = FORMS.get(kind)
    if form_class is None:
        return _page(
            request, assessment, editing, refused=_("Unknown kind of evidence."), status=400
        )
    leaves = evidence_leaves(assessment)
    form = form_class(request.POST, leaves=leaves)
    files = request.FILES.getlist("files") if kind == "file" else []
    upload_errors: list[str] = []
    if kind == "file":
        if not files:
            upload_errors.append(_("Choose a file to upload."))
        elif len(files) > MAX_FILES_PER_UPLOAD:
            upload_errors.append(
                _("Upload at most %(count)d files at a time.") % {"count": MAX_FILES_PER_UPLOAD}
            )
    if not form.is_valid() or upload_errors:
        return _page(
            request,
            assessment,
            editing,
            bound=(kind, form),
            upload_errors=upload_errors,
            status=400,
        )
    by_pk = {c.pk: c for c in leaves}
    criteria = [by_pk[pk] for pk in dict.fromkeys(form.cleaned_data["criteria"])]
    actor = Actor.from_request(request)
    data = form.cleaned_data
    if kind == "file":
        checked: list[uploads.CheckedFile] = []
        for upload in files:
            try:
                checked.append(uploads.check_upload(upload, settings.DTI_EVIDENCE_MAX_BYTES))
            except uploads.Rejected as rejected:
                upload_errors.append(str(rejected))
        if upload_errors:
            # One bad file refuses the whole upload: nothing is stored.
            return _page(
                request,
                assessment,
                editing,
                bound=(kind, form),
                upload_errors=upload_errors,
                status=400,
            )
        pieces = [
            Evidence(
                kind=Evidence.Kind.FILE,
                file=c.upload,
                original_name=c.name,
                content_type=c.type.content_type,
                size=c.size,
                sha256=c.sha256,
                summary=data["summary"].strip(),
            )
            for c in checked
        ]
    elif kind == "link":
        pieces = [
            Evidence(kind=Evidence.Kind.LINK, url=data["url"], summary=data["summary"].strip())
        ]
    else:
        pieces = [
            Evidence(
                kind=Evidence.Kind.DOCUMENT,
                doc_number=" ".join(data["doc_number"].split()),
                doc_date=data["doc_date"],
                doc_issuer=data["doc_issuer"].strip(),
                summary=data["summary"].strip(),
            )
        ]
    try:
        add_all(actor, access, assessment, pieces, criteria)
    except actions.NotAllowed as refused:
        return _page(request, assessment, editing, refused=str(refused), status=403)
    if kind == "file":
        names = ", ".join(f"“{p.original_name}”" for p in pieces)
        messages.success(request, _("Added: %(names)s.") % {"names": names})
    else:
        messages.success(request, _("The evidence has been added."))
    return _back(request, assessment, anchor=f"evidence-{pieces[-1].pk}")


def add_all(
    actor: Actor,
    access: Any,
    assessment: Assessment,
    pieces: list[Evidence],
    criteria: list[Criterion],
) -> None:
    """Add every piece or none; files already written are removed if anything fails."""
    storage = Evidence._meta.get_field("file").storage
    written: list[str] = []
    try:
        with transaction.atomic():
            for piece in pieces:
                actions.add_evidence(actor, access, assessment, piece, criteria)
                if piece.file:
                    written.append(piece.file.name)
    except BaseException:
        for name in written:
            storage.delete(name)
        raise


def _evidence(assessment: Assessment, evidence_id: int) -> Evidence:
    evidence = get_object_or_404(Evidence, pk=evidence_id, assessment_id=assessment.pk)
    evidence.assessment = assessment  # already loaded with its period and unit
    return evidence


@login_required
@require_POST
def evidence_link(request: HttpRequest, assessment_id: int, evidence_id: int) -> HttpResponse:
    """Change which criteria a piece supports; criteria the person may not edit stay as they are."""
    assessment = get_assessment_for_user(request, assessment_id)
    evidence = _evidence(assessment, evidence_id)
    access = access_of(request)
    editing = editing_for(access, assessment)
    if not editing.anything:
        return _page(request, assessment, editing, refused=editing.reason, status=403)
    leaves = evidence_leaves(assessment)
    form = CriteriaForm(request.POST, leaves=leaves)
    if not form.is_valid():
        errors = [str(e) for e in form.errors.get("criteria", [])]
        return _page(
            request, assessment, editing, refused=" ".join(errors) or _("Invalid."), status=400
        )
    by_pk = {c.pk: c for c in leaves}
    chosen = set(form.cleaned_data["criteria"])
    # Criteria the person cannot change are not in the form (disabled boxes): keep them.
    kept = {
        pk
        for pk in evidence.criteria.values_list("pk", flat=True)
        if not editing.may_edit(pk) and pk in by_pk
    }
    criteria = [c for c in by_pk.values() if c.pk in chosen | kept]
    try:
        actions.link_evidence(Actor.from_request(request), access, evidence, criteria)
    except actions.NotAllowed as refused:
        return _page(request, assessment, editing, refused=str(refused), status=403)
    messages.success(
        request,
        _("“%(name)s” now supports %(codes)s.")
        % {"name": _short(evidence), "codes": ", ".join(c.code for c in criteria)},
    )
    return _back(request, assessment, anchor=f"evidence-{evidence.pk}")


@login_required
@require_POST
def evidence_remove(request: HttpRequest, assessment_id: int, evidence_id: int) -> HttpResponse:
    assessment = get_assessment_for_user(request, assessment_id)
    evidence = _evidence(assessment, evidence_id)
    access = access_of(request)
    editing = editing_for(access, assessment)
    if not editing.anything:
        return _page(request, assessment, editing, refused=editing.reason, status=403)
    name = _short(evidence)
    try:
        actions.remove_evidence(Actor.from_request(request), access, evidence)
    except actions.NotAllowed as refused:
        return _page(request, assessment, editing, refused=str(refused), status=403)
    messages.success(request, _("“%(name)s” has been removed.") % {"name": name})
    return _back(request, assessment)


def _short(evidence: Evidence) -> str:
    if evidence.kind == Evidence.Kind.DOCUMENT:
        return document_reference(evidence)
    if evidence.kind == Evidence.Kind.LINK:
        return evidence.summary or evidence.url
    return evidence.original_name


@login_required
@require_GET
def evidence_file(request: HttpRequest, assessment_id: int, evidence_id: int) -> FileResponse:
    """Download a file, for whoever may see the assessment; PDFs and images inline on request."""
    assessment = get_assessment_for_user(request, assessment_id)
    return serve_file(request, assessment, evidence_id)


def serve_file(request: HttpRequest, assessment: Assessment, evidence_id: int) -> FileResponse:
    """Send an evidence file of ``assessment`` — whose access the caller has checked: PDFs and
    images inline when asked (``?inline=1``), anything else as a download; never sniffed."""
    evidence = get_object_or_404(
        Evidence, pk=evidence_id, assessment_id=assessment.pk, kind=Evidence.Kind.FILE
    )
    if not evidence.file:
        raise Http404
    try:
        handle = evidence.file.open("rb")
    except FileNotFoundError as missing:
        raise Http404 from missing
    inline = (
        request.GET.get("inline") == "1" and evidence.content_type in uploads.INLINE_CONTENT_TYPES
    )
    response = FileResponse(
        handle,
        as_attachment=not inline,
        filename=evidence.original_name or "file",
        content_type=evidence.content_type or "application/octet-stream",
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-cache"
    return response


urlpatterns = [
    path("<int:assessment_id>/evidence/", evidence_list, name="evidence"),
    path(
        "<int:assessment_id>/evidence/<int:evidence_id>/criteria",
        evidence_link,
        name="evidence_link",
    ),
    path(
        "<int:assessment_id>/evidence/<int:evidence_id>/remove",
        evidence_remove,
        name="evidence_remove",
    ),
    path(
        "<int:assessment_id>/evidence/<int:evidence_id>/file", evidence_file, name="evidence_file"
    ),
]
