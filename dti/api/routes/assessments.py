"""Self-assessments (bản tự đánh giá): read them, write the general information and the figures,
attach evidence, and submit — the same access helpers and actions as the assessment pages.

The administrator sees every assessment, the people of a unit their unit's; appraisers read the
units they appraise through the appraisal endpoints. Figures are sent as the page's JavaScript
sends them (``{inputs, note, version}`` per criterion) and scored by the same scoring package.
"""

from __future__ import annotations

import datetime
import re
from collections import defaultdict
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db.models import Count
from django.http import HttpRequest
from django.utils.datastructures import MultiValueDict
from django.utils.translation import gettext as _
from ninja import Field, File, Form, Query, Router, Schema, Status, UploadedFile

from dti.api.common import MAX_ID, access, actor, answers, lang
from dti.api.errors import forbidden, invalid, not_found
from dti.api.pagination import Page, PageQuery, paginate
from dti.assessments import actions, uploads
from dti.assessments.access import editing_for, get_assessment_for_user, open_assessment_for_user
from dti.assessments.models import Answer, Assessment, Evidence
from dti.assessments.scoring import score_assessment
from dti.assessments.views_evidence import FORMS, add_all, evidence_leaves
from dti.assessments.views_form import normalise, problem_field
from dti.frameworks.models import Criterion
from dti.scoring.engine import Result
from dti.scoring.numbers import round_points

router = Router()

#: The longest note on a criterion, and the longest list of criteria codes for a piece of evidence.
MAX_NOTE_CHARS = 10_000
MAX_CODES_CHARS = 5_000
ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
#: Ids are 64-bit: a larger number is refused as invalid rather than sent to the database.


# ---------------------------------------------------------------- schemas


class AssessmentOut(Schema):
    id: int
    period_id: int
    unit_id: int
    unit_name: str
    group: int = Field(description="The number of the unit's group in the period.")
    framework_id: int
    status: str = Field(description="draft or submitted")
    total: Decimal = Field(description="The self-assessed total, as the assessment page shows.")
    max: Decimal
    submitted_at: datetime.datetime | None


class GeneralFieldOut(Schema):
    key: str
    label: str
    type: str = Field(description="text, integer, decimal, url, email, phone or date")
    unit: str
    number: str
    section: str


class GeneralOut(Schema):
    fields: list[GeneralFieldOut]
    values: dict[str, Any]
    version: int = Field(
        description="Send it back with the next change of the general information."
    )


class EditingOut(Schema):
    general: bool = Field(description="May change the general information now.")
    criteria: list[str] = Field(description="Codes of the criteria the caller may change now.")
    reason: str = Field(description="Why nothing may be changed, when nothing may.")


class PillarOut(Schema):
    code: str
    title: str
    score: Decimal | None = Field(description="null when the whole pillar is not applicable.")
    max: Decimal


class CriterionOut(Schema):
    code: str
    title: str
    pillar: str = Field(description="The code of its pillar (chỉ số chính).")
    rule: str = Field(description="yesno, ratio, bands, count, choice, manual or info")
    max: Decimal
    inputs: dict[str, Any]
    note: str
    version: int = Field(description="Send it back with the next change of this criterion.")
    score: Decimal | None = Field(description="null when not applicable or information only.")
    status: str = Field(description="scored, unanswered, invalid, na or info")
    evidence: int = Field(description="Pieces of evidence attached to it.")


class AssessmentDetail(AssessmentOut):
    general: GeneralOut
    editing: EditingOut
    pillars: list[PillarOut]
    criteria: list[CriterionOut]


class OpenIn(Schema):
    period_id: int = Field(ge=1, le=MAX_ID)
    unit_id: int = Field(ge=1, le=MAX_ID)


class AssessmentFilter(Schema):
    period: int | None = Field(None, ge=1, le=MAX_ID, description="Only this period's.")
    unit: int | None = Field(None, ge=1, le=MAX_ID, description="Only this unit's.")


class GeneralIn(Schema):
    values: dict[str, str | int | float | None] = Field(
        description="Field key → value; an empty value or null clears the field."
    )
    version: int = Field(ge=0, description="The version read with the assessment.")


class ScoreOut(Schema):
    code: str
    score: Decimal | None
    status: str


class GeneralSaved(Schema):
    version: int
    values: dict[str, Any]
    total: Decimal
    max: Decimal
    pillars: list[PillarOut]
    criteria: list[ScoreOut]


class AnswerIn(Schema):
    inputs: dict[str, Any] = Field(
        default_factory=dict,
        description="The figures the criterion's rule takes: yes, numerator, denominator, value, "
        "count, choice, score, na. Numbers may be sent as text the Vietnamese way (“1.250”, "
        "“0,5”).",
    )
    note: str = Field("", max_length=MAX_NOTE_CHARS)
    version: int = Field(ge=0, description="The criterion's version read with the assessment.")


class AnswerSaved(Schema):
    code: str
    score: Decimal | None
    status: str
    version: int
    inputs: dict[str, Any]
    note: str
    pillar: PillarOut
    total: Decimal
    max: Decimal


class EvidenceOut(Schema):
    id: int
    kind: str = Field(description="file, link or document")
    name: str
    content_type: str
    size: int
    sha256: str
    url: str = Field(description="The address of a link.")
    doc_number: str
    doc_date: datetime.date | None
    doc_issuer: str
    summary: str
    criteria: list[str]
    uploaded_at: datetime.datetime


class EvidenceIn(Schema):
    criteria: str = Field(
        max_length=MAX_CODES_CHARS,
        description="Codes of the criteria it supports, comma-separated.",
    )
    summary: str = Field(
        "", max_length=2000, description="What it shows (required for a link or a document)."
    )
    url: str = Field("", max_length=1000, description="For a link: its address (http or https).")
    doc_number: str = Field(
        "", max_length=200, description="For a document reference: its number and symbol."
    )
    doc_date: str = Field("", max_length=20, description="… its date, YYYY-MM-DD (or dd/mm/yyyy).")
    doc_issuer: str = Field("", max_length=300, description="… who issued it.")


class SubmittedOut(Schema):
    status: str
    submission: int = Field(description="The submission's number: 1 for the first one.")
    total: Decimal
    submitted_at: datetime.datetime


# ---------------------------------------------------------------- building the answers


def _points(value: Decimal | None) -> Decimal | None:
    return None if value is None else round_points(value)


def _item(assessment: Assessment, result: Result) -> dict[str, Any]:
    return {
        "id": assessment.pk,
        "period_id": assessment.period_id,
        "unit_id": assessment.unit_id,
        "unit_name": assessment.unit.name,
        "group": assessment.group.number,
        "framework_id": assessment.group.framework_id,
        "status": assessment.status,
        "total": round_points(result.total),
        "max": round_points(result.max),
        "submitted_at": assessment.submitted_at,
    }


def _items(assessments: list[Assessment]) -> list[dict[str, Any]]:
    """Items of a page of assessments: their answers read in one query, whatever their number."""
    answers_of: dict[int, list[Answer]] = defaultdict(list)
    for answer in Answer.objects.filter(assessment__in=assessments).select_related("criterion"):
        answers_of[answer.assessment_id].append(answer)
    return [_item(a, score_assessment(a, answers_of[a.pk])) for a in assessments]


def _pillar(result: Result, code: str) -> dict[str, Any]:
    node = result.nodes[code]
    title = result.framework.by_code[code].title
    return {
        "code": code,
        "title": title,
        "score": _points(node.score),
        "max": round_points(node.max),
    }


def _pillars(result: Result) -> list[dict[str, Any]]:
    """The pillars that carry points, with their subtotals."""
    return [_pillar(result, p.code) for p in result.framework.criteria if p.counts]


def _pillar_codes(result: Result) -> dict[str, str]:
    return {node.code: root.code for root in result.framework.criteria for node in root.walk()}


def _detail(request: HttpRequest, assessment: Assessment) -> dict[str, Any]:
    """Everything the assessment page shows, in a constant number of queries."""
    editing = editing_for(access(request), assessment)
    framework = assessment.group.framework
    criteria = list(Criterion.objects.filter(framework=framework).order_by("position"))
    by_pk = {c.pk: c for c in criteria}
    answers = list(assessment.answers.all())
    for answer in answers:
        answer.criterion = by_pk[answer.criterion_id]  # no query per answer
    answer_of = {a.criterion_id: a for a in answers}
    evidence_counts = dict(
        Evidence.criteria.through.objects.filter(evidence__assessment=assessment)
        .values("criterion_id")
        .annotate(n=Count("evidence_id"))
        .values_list("criterion_id", "n")
    )
    result = score_assessment(assessment, answers)
    pillar_of = _pillar_codes(result)
    leaves = [c for c in criteria if c.rule_type]
    rows = []
    for c in leaves:
        answer = answer_of.get(c.pk)
        node = result.nodes[c.code]
        rows.append(
            {
                "code": c.code,
                "title": c.title,
                "pillar": pillar_of.get(c.code, c.code),
                "rule": c.rule_type,
                "max": round_points(c.effective_max),
                "inputs": answer.inputs if answer else {},
                "note": answer.note if answer else "",
                "version": answer.version if answer else 0,
                "score": _points(node.score),
                "status": node.status,
                "evidence": evidence_counts.get(c.pk, 0),
            }
        )
    general = assessment.general_info or {}
    return {
        **_item(assessment, result),
        "general": {
            "fields": [
                {
                    "key": f["key"],
                    "label": f.get("label", f["key"]),
                    "type": f.get("type", "text"),
                    "unit": f.get("unit", ""),
                    "number": f.get("number", ""),
                    "section": f.get("section", ""),
                }
                for f in framework.general_info
            ],
            "values": general,
            "version": assessment.general_version,
        },
        "editing": {
            "general": editing.general,
            "criteria": [c.code for c in leaves if editing.may_edit(c.pk)],
            "reason": editing.reason,
        },
        "pillars": _pillars(result),
        "criteria": rows,
    }


def _evidence_out(evidence: Evidence, codes: list[str]) -> dict[str, Any]:
    return {
        "id": evidence.pk,
        "kind": evidence.kind,
        "name": str(evidence),
        "content_type": evidence.content_type,
        "size": evidence.size,
        "sha256": evidence.sha256,
        "url": evidence.url,
        "doc_number": evidence.doc_number,
        "doc_date": evidence.doc_date,
        "doc_issuer": evidence.doc_issuer,
        "summary": evidence.summary,
        "criteria": codes,
        "uploaded_at": evidence.created_at,
    }


def _evidence_items(pieces: list[Evidence]) -> list[dict[str, Any]]:
    """A page of evidence with the codes of their criteria, read in one query."""
    codes: dict[int, list[str]] = defaultdict(list)
    through = Evidence.criteria.through.objects.filter(evidence__in=pieces)
    for evidence_id, code in through.order_by("criterion__position").values_list(
        "evidence_id", "criterion__code"
    ):
        codes[evidence_id].append(code)
    return [_evidence_out(e, codes[e.pk]) for e in pieces]


# ---------------------------------------------------------------- reading


@router.get("", response=answers(Page[AssessmentOut]), url_name="assessments")
def list_assessments(
    request: HttpRequest,
    query: Query[PageQuery],
    filters: Query[AssessmentFilter],
) -> dict[str, Any]:
    """The assessments the caller may see: all of them for the administrator, their units'
    for the people of a unit (appraisers read theirs through the appraisal endpoints).
    ``period`` and ``unit`` keep one period's or one unit's."""
    who = access(request)
    assessments = Assessment.objects.select_related("unit", "group__framework").order_by(
        "-period__year", "-period_id", "unit__position", "unit__name", "pk"
    )
    if not who.is_admin:
        assessments = assessments.filter(unit_id__in=who.unit_ids())
    if filters.period is not None:
        assessments = assessments.filter(period_id=filters.period)
    if filters.unit is not None:
        assessments = assessments.filter(unit_id=filters.unit)
    return paginate(request, assessments, query, _items)


@router.post("/open", response=answers(AssessmentOut, 404), url_name="assessment_open")
def open_assessment(request: HttpRequest, body: OpenIn) -> dict[str, Any]:
    """The unit's assessment of the period, started on the first call as the assessment page
    starts it; 404 when the unit is not assessed in the period or is not the caller's."""
    assessment = open_assessment_for_user(request, body.period_id, body.unit_id)
    assessment = Assessment.objects.select_related("unit", "group__framework").get(pk=assessment.pk)
    return _item(assessment, score_assessment(assessment))


@router.get("/{assessment_id}", response=answers(AssessmentDetail, 404), url_name="assessment")
def get_assessment(request: HttpRequest, assessment_id: int) -> dict[str, Any]:
    """The assessment as its page shows it: general information, what the caller may change,
    pillar subtotals, and every criterion's figures, note, version, score and evidence count."""
    return _detail(request, get_assessment_for_user(request, assessment_id))


# ---------------------------------------------------------------- writing


@router.put(
    "/{assessment_id}/general",
    response=answers(GeneralSaved, 403, 404, 409),
    url_name="assessment_general",
)
def save_general_information(
    request: HttpRequest, assessment_id: int, body: GeneralIn
) -> dict[str, Any]:
    """Save general-information fields (the unit's data officer or leader). Scores that take a
    denominator or target from them are computed again; all of them come back. A value that is
    not valid refuses the whole change (400, the field as ``values.<key>``); a change made by
    someone else since ``version`` was read gives 409."""
    assessment = get_assessment_for_user(request, assessment_id)
    assessment, errors = actions.save_general_info(
        actor(request), access(request), assessment, body.values, body.version
    )
    if errors:
        raise invalid(
            _("The general information is not valid; nothing was saved."),
            [(f"body.values.{key}", message) for key, message in errors.items()],
        )
    answers_ = list(assessment.answers.select_related("criterion"))
    result = score_assessment(assessment, answers_)
    return {
        "version": assessment.general_version,
        "values": assessment.general_info,
        "total": round_points(result.total),
        "max": round_points(result.max),
        "pillars": _pillars(result),
        "criteria": [
            {"code": leaf.code, "score": _points(node.score), "status": node.status}
            for leaf in result.framework.walk()
            if leaf.is_leaf and leaf.rule is not None
            for node in [result.nodes[leaf.code]]
        ],
    }


@router.put(
    "/{assessment_id}/answers/{code}",
    response=answers(AnswerSaved, 403, 404, 409),
    url_name="assessment_answer",
)
def save_answer(
    request: HttpRequest, assessment_id: int, code: str, body: AnswerIn
) -> dict[str, Any]:
    """Save one criterion's figures and note, on top of ``version``; the new score, the
    pillar's subtotal and the total come back. Figures that are not valid are refused (400,
    the field as ``inputs.<key>``); a criterion the caller may not change now gives 403 with
    the reason; a change made by someone else since ``version`` was read gives 409."""
    assessment = get_assessment_for_user(request, assessment_id)
    criterion = Criterion.objects.filter(
        framework_id=assessment.group.framework_id, code=code
    ).first()
    if criterion is None:
        raise not_found()
    try:
        answer = actions.save_answer(
            actor(request),
            access(request),
            assessment,
            criterion,
            normalise(body.inputs),
            body.note,
            body.version,
        )
    except actions.Invalid as problems:
        raise invalid(
            _("The figures are not valid; nothing was saved."),
            [
                (".".join(filter(None, ["body.inputs", problem_field(p)])), p.message(_, lang()))
                for p in problems.problems
            ],
        ) from None
    result = score_assessment(assessment)
    node = result.nodes[criterion.code]
    pillar = _pillar_codes(result).get(criterion.code, criterion.code)
    return {
        "code": criterion.code,
        "score": _points(node.score),
        "status": node.status,
        "version": answer.version,
        "inputs": answer.inputs,
        "note": answer.note,
        "pillar": _pillar(result, pillar),
        "total": round_points(result.total),
        "max": round_points(result.max),
    }


# ---------------------------------------------------------------- evidence


@router.get(
    "/{assessment_id}/evidence",
    response=answers(Page[EvidenceOut], 404),
    url_name="assessment_evidence",
)
def list_assessment_evidence(
    request: HttpRequest, assessment_id: int, query: Query[PageQuery]
) -> dict[str, Any]:
    """The assessment's evidence: files, links and document references, oldest first."""
    assessment = get_assessment_for_user(request, assessment_id)
    return paginate(request, assessment.evidence.all(), query, _evidence_items)


def _kind(
    upload: UploadedFile | None, url: str, doc_number: str, doc_date: str, doc_issuer: str
) -> str:
    given = [
        kind
        for kind, present in (
            ("file", upload is not None),
            ("link", bool(url.strip())),
            ("document", bool(doc_number.strip() or doc_date.strip() or doc_issuer.strip())),
        )
        if present
    ]
    if len(given) != 1:
        message = _(
            "Send one piece of evidence: a file, a link (url) or a document reference "
            "(doc_number, doc_date, doc_issuer)."
        )
        raise invalid(message, [("body.file", message)])
    return given[0]


def _form_date(text: str) -> str:
    """An ISO date as the evidence form reads dates (dd/mm/yyyy); anything else as sent, for
    the form to refuse with its message."""
    text = text.strip()
    if ISO_DATE.fullmatch(text):
        try:
            return datetime.date.fromisoformat(text).strftime("%d/%m/%Y")
        except ValueError:
            return text
    return text


def _codes(text: str) -> list[str]:
    return [code.strip() for code in text.split(",") if code.strip()]


@router.post(
    "/{assessment_id}/evidence",
    response=answers(EvidenceOut, 403, 404, status=201),
    url_name="assessment_evidence",
)
def add_assessment_evidence(
    request: HttpRequest,
    assessment_id: int,
    data: Form[EvidenceIn],
    file: File[UploadedFile | None] = None,
) -> Status[dict[str, Any]]:
    """Attach one piece of evidence to criteria the caller may change: a file (PDF, DOCX,
    XLSX, ODT, JPG or PNG, checked by its content), a link, or a document reference — the same
    checks as the evidence page. A file that is not what its name says is refused (400) and
    nothing is stored."""
    assessment = get_assessment_for_user(request, assessment_id)
    who = access(request)
    editing = editing_for(who, assessment)
    if not editing.anything:
        raise forbidden(editing.reason)
    kind = _kind(file, data.url, data.doc_number, data.doc_date, data.doc_issuer)
    leaves = evidence_leaves(assessment)
    pk_of = {c.code: str(c.pk) for c in leaves}
    posted = MultiValueDict(
        {
            # An unknown code stays unknown: the form refuses it as any other wrong choice.
            "criteria": [pk_of.get(code, f"?{code}") for code in _codes(data.criteria)],
            "summary": [data.summary],
            "url": [data.url],
            "doc_number": [data.doc_number],
            "doc_date": [_form_date(data.doc_date)],
            "doc_issuer": [data.doc_issuer],
        }
    )
    form = FORMS[kind](posted, leaves=leaves)
    if not form.is_valid():
        raise invalid(
            _("The evidence is not valid; nothing was stored."),
            [
                (f"body.{name}", str(message))
                for name, messages in form.errors.items()
                for message in messages
            ],
        )
    cleaned = form.cleaned_data
    by_pk = {c.pk: c for c in leaves}
    chosen = [by_pk[pk] for pk in dict.fromkeys(cleaned["criteria"])]
    if kind == "file":
        assert file is not None  # noqa: S101 - the kind says so
        try:
            checked = uploads.check_upload(file, settings.DTI_EVIDENCE_MAX_BYTES)
        except uploads.Rejected as rejected:
            raise invalid(str(rejected), [("body.file", str(rejected))]) from None
        piece = Evidence(
            kind=Evidence.Kind.FILE,
            file=checked.upload,
            original_name=checked.name,
            content_type=checked.type.content_type,
            size=checked.size,
            sha256=checked.sha256,
            summary=cleaned["summary"].strip(),
        )
    elif kind == "link":
        piece = Evidence(
            kind=Evidence.Kind.LINK, url=cleaned["url"], summary=cleaned["summary"].strip()
        )
    else:
        piece = Evidence(
            kind=Evidence.Kind.DOCUMENT,
            doc_number=" ".join(cleaned["doc_number"].split()),
            doc_date=cleaned["doc_date"],
            doc_issuer=cleaned["doc_issuer"].strip(),
            summary=cleaned["summary"].strip(),
        )
    add_all(actor(request), who, assessment, [piece], chosen)
    return Status(201, _evidence_out(piece, [c.code for c in chosen]))


# ---------------------------------------------------------------- submitting


@router.post(
    "/{assessment_id}/submit",
    response=answers(SubmittedOut, 403, 404),
    url_name="assessment_submit",
)
def submit_assessment(request: HttpRequest, assessment_id: int) -> dict[str, Any]:
    """The unit's leader signs off and submits: a frozen snapshot is kept and the assessment
    becomes read-only. Anyone else of the unit gets 403."""
    assessment = get_assessment_for_user(request, assessment_id)
    submission = actions.submit_assessment(actor(request), access(request), assessment)
    return {
        "status": Assessment.Status.SUBMITTED.value,
        "submission": submission.number,
        "total": round_points(submission.total),
        "submitted_at": submission.submitted_at,
    }
