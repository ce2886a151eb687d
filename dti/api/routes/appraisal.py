"""The council's appraisal (thẩm định) through the API, as on the web pages.

The council's side (``/reviews``): the submitted units a person appraises, one unit's appraisal
criterion by criterion, decisions (accept, correct the figures, set the score), questions, the
explanation rounds that send them, and the chair's finalisation. Each call goes through
``get_review_for_user`` first: anyone not on the unit's council gets 404.

The unit's side (``/units``): the questions sent to the unit, its answers, and its appraised
results once final. Each call goes through ``get_assessment_for_user`` first. Before the chair
finalises, nothing of the council's own work shows there: no draft questions, no decisions, no
appraised scores, no reasons, no automated flags.
"""

from __future__ import annotations

import datetime
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Annotated, Any, Literal

from django.db.models import Exists, OuterRef
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from pydantic import StringConstraints

from dti.accounts.access import Access
from dti.api.common import MAX_ID, access, actor, answers, lang
from dti.api.errors import ApiError, forbidden, invalid, not_found, refused
from dti.api.pagination import Page, PageQuery, paginate
from dti.appraisal import actions
from dti.appraisal.access import (
    ASKING,
    WORKING,
    Appraising,
    get_review_for_user,
    lineage_by_code,
    unit_may_see_results,
)
from dti.appraisal.checks import flag_from_json
from dti.appraisal.compare import compare
from dti.appraisal.models import Assignment, Decision, Message, Review, Round
from dti.appraisal.views_unit import MAX_ANSWER
from dti.appraisal.views_workspace import HISTORY, council_facts
from dti.assessments.access import editing_for, get_assessment_for_user
from dti.assessments.actions import Invalid
from dti.assessments.models import Assessment, Evidence
from dti.assessments.scoring import framework_of, score_assessment
from dti.assessments.views_form import normalise, problem_field
from dti.frameworks.models import Criterion
from dti.frameworks.present import render_problem
from dti.periods.deadlines import closes_at
from dti.periods.models import PeriodUnit
from dti.scoring.numbers import format_points, parse_decimal, round_points
from dti.scoring.rules import RULES

router = Router()

#: The longest question or reason, as the web forms take them.
MAX_TEXT = 4000

#: What the caller asks for → the decision stored.
KINDS = {
    "accept": Decision.Kind.ACCEPTED,
    "correct": Decision.Kind.CORRECTED,
    "set": Decision.Kind.SCORED,
}


# ------------------------------------------------------------------ schemas


class ReviewItem(Schema):
    assessment_id: int
    period_id: int
    unit_id: int
    unit: str = Field(description="The unit's name.")
    group: int = Field(description="The number of the unit's ranking group.")
    self_total: Decimal | None = Field(description="The unit's own total.")
    appraised_total: Decimal | None = Field(description="The total as the council appraises it.")
    final: bool = Field(description="The chair has finalised the unit's appraisal.")
    state: str = Field(
        description="final, waiting (reopened to the unit), asking (a round is open), "
        "answered (a round's answers are in) or working"
    )
    status: str = Field(description="Where the appraisal stands, in words.")
    open_questions: int = Field(description="Questions not settled: drafts, asked, or answered.")
    flags: int = Field(description="Flags of the automated checks.")


class FlagOut(Schema):
    check: str
    severity: str = Field(description="error or warning")
    criterion: str = Field(description="The code of the criterion the flag is about.")
    message: str


class MessageOut(Schema):
    id: int
    kind: str = Field(description="question (from the council) or answer (from the unit)")
    asks: str = Field(description="For a question: explanation or evidence; empty for an answer.")
    text: str
    round: int | None = Field(
        description="The number of the round it was sent or answered in; null for a question "
        "not sent yet (a draft, which the unit does not see)."
    )
    author: str
    created_at: datetime.datetime
    evidence_ids: list[int] = Field(description="Evidence the unit attached to its answer.")


class CouncilMessageOut(MessageOut):
    resolved_at: datetime.datetime | None = Field(
        description="When a decision on the criterion settled the question."
    )


class DecisionOut(Schema):
    kind: str = Field(description="accepted, corrected (the figures) or scored (score set)")
    inputs: dict[str, Any] = Field(description="The corrected figures, for a correction.")
    score: Decimal | None = Field(description="The appraised score when decided.")
    reason: str
    decided_by: str
    decided_at: datetime.datetime


class AppraisedCriterionOut(Schema):
    code: str
    title: str
    max: Decimal
    inputs: dict[str, Any] = Field(description="The unit's figures.")
    note: str = Field(description="The unit's note.")
    self_score: Decimal | None
    appraised_score: Decimal | None
    decision: DecisionOut | None
    may_decide: bool = Field(description="The caller may decide on this criterion now.")
    may_ask: bool = Field(description="The caller may ask the unit about this criterion now.")
    thread: list[CouncilMessageOut] = Field(description="Questions and answers, drafts too.")


class RoundOut(Schema):
    number: int
    due: datetime.date = Field(description="The unit answers until the end of this day.")
    sent_at: datetime.datetime
    state: str = Field(description="open, answered (the unit sent its answers) or closed")
    answered: bool = Field(description="The unit sent its answers.")
    answered_at: datetime.datetime | None
    questions: int
    answers: int


class ReviewDetail(Schema):
    assessment_id: int
    period_id: int
    unit_id: int
    unit: str
    group: int
    final: bool
    self_total: Decimal
    appraised_total: Decimal
    points_moved: Decimal = Field(description="Appraised minus self-assessed total.")
    decided: int = Field(description="Criteria decided on.")
    corrected: int = Field(description="Criteria whose figures were corrected or score set.")
    open_questions: int
    may_decide: bool = Field(description="The caller may decide on (some) criteria now.")
    reason: str = Field(description="Why the caller may not decide, if not.")
    pillars: list[str] = Field(
        description="The pillars or criteria the caller was assigned; empty means all."
    )
    rounds: list[RoundOut]
    flags: list[FlagOut]
    criteria: list[AppraisedCriterionOut] = Field(description="Every scored criterion, in order.")


class DecisionIn(Schema):
    kind: Literal["accept", "correct", "set"] = Field(
        description="accept the unit's figures, correct them (inputs), or set the score"
    )
    inputs: dict[str, Any] | None = Field(
        None,
        description='For "correct": the figures, as the unit enters them: {"numerator": 1, '
        '"denominator": 4}, {"yes": true}, {"na": true}; numbers may be text with a decimal '
        'comma ("2,5").',
    )
    score: Annotated[str, StringConstraints(max_length=20)] | float | None = Field(
        None, description='For "set": the score, as a number or text ("7,5").'
    )
    reason: str = Field(
        "",
        max_length=MAX_TEXT,
        description="Required for a correction or a set score: the unit reads it.",
    )


class DecisionResult(Schema):
    criterion: AppraisedCriterionOut
    self_total: Decimal
    appraised_total: Decimal


class AskIn(Schema):
    asks: Literal["explanation", "evidence"] = Field(
        description="explanation (giải trình) or evidence (bổ sung)"
    )
    text: str = Field(max_length=MAX_TEXT)


class RoundIn(Schema):
    due: datetime.date = Field(description="The last day the unit may answer.")


class FinaliseOut(Schema):
    assessment_id: int
    final: bool
    self_total: Decimal
    appraised_total: Decimal
    finalised_at: datetime.datetime
    finalised_by: str


class UnitItemOut(Schema):
    code: str
    title: str
    max: Decimal
    inputs: dict[str, Any] = Field(description="The unit's figures.")
    note: str
    self_score: Decimal | None
    questions: list[MessageOut] = Field(description="The council's questions in this round.")
    answers: list[MessageOut] = Field(description="The unit's answers in this round.")
    can_answer: bool = Field(description="The caller may answer now.")


class UnitRoundOut(RoundOut):
    items: list[UnitItemOut]


class UnitQuestionsOut(Schema):
    assessment_id: int
    final: bool = Field(description="The appraisal is finalised: the results can be read.")
    may_send: bool = Field(description="The caller may send the unit's answers now.")
    may_answer: bool = Field(description="The caller may answer some question now.")
    rounds: list[UnitRoundOut] = Field(description="The rounds sent to the unit, newest first.")


class ExplanationIn(Schema):
    text: str = Field("", max_length=MAX_ANSWER)
    evidence: list[int] = Field(
        [], max_length=100, description="Ids of evidence of the assessment to attach."
    )


class ResultLineOut(Schema):
    code: str
    title: str
    depth: int = Field(description="0 for a pillar.")
    leaf: bool
    max: Decimal
    self_score: Decimal | None
    appraised_score: Decimal | None
    decision: str | None = Field(description="accepted, corrected or scored; null if none")
    corrected_inputs: dict[str, Any] | None = Field(description="The council's figures.")
    reason: str


class UnitResultsOut(Schema):
    assessment_id: int
    final: bool = Field(description="False until the chair finalises: nothing else is shown.")
    self_total: Decimal | None
    appraised_total: Decimal | None
    finalised_at: datetime.datetime | None
    criteria: list[ResultLineOut]


# ------------------------------------------------------------------ helpers


def _name(user: Any) -> str:
    if user is None:
        return ""
    return str(user.full_name or user.get_username())


def _criterion(assessment: Assessment, code: str) -> Criterion:
    """A criterion of the unit's framework, by code; 404 for any other."""
    criterion = Criterion.objects.filter(
        framework_id=assessment.group.framework_id, code=code
    ).first()
    if criterion is None:
        raise not_found()
    return criterion


def _may_act(
    access: Access,
    assessment: Assessment,
    appraising: Appraising,
    lineage: tuple[str, ...] | None = None,
) -> None:
    """May the caller act on the unit (on a criterion, given its lineage) now? The administrator
    and an appraiser of other pillars may look but not act (403); a step of the cycle that
    forbids it now (finalised, period not in appraisal …) is a refusal (409)."""
    if appraising.decide:
        if lineage is None or appraising.may_decide(lineage):
            return
        raise forbidden(
            _("You appraise pillars %(pillars)s of this unit, not criterion %(code)s.")
            % {"pillars": ", ".join(sorted(appraising.pillars)), "code": lineage[0]}
        )
    on_council = appraising.chair or (
        access.user is not None
        and Assignment.objects.filter(
            period_id=assessment.period_id, unit_id=assessment.unit_id, appraiser=access.user
        ).exists()
    )
    if on_council:
        raise refused(appraising.reason or _("You may not do this."))
    raise forbidden(appraising.reason)


def _state(round_: Round, now: datetime.datetime) -> str:
    if round_.is_open(now):
        return "open"
    return "answered" if round_.answered_at is not None else "closed"


def _round_out(
    round_: Round, messages: Iterable[Message], now: datetime.datetime
) -> dict[str, Any]:
    kinds = Counter(m.kind for m in messages if m.round_id == round_.pk)
    return {
        "number": round_.number,
        "due": round_.due,
        "sent_at": round_.sent_at,
        "state": _state(round_, now),
        "answered": round_.answered_at is not None,
        "answered_at": round_.answered_at,
        "questions": kinds[Message.Kind.QUESTION],
        "answers": kinds[Message.Kind.ANSWER],
    }


def _message_out(
    message: Message, rounds: Mapping[int, Round], evidence: Mapping[int, list[int]]
) -> dict[str, Any]:
    round_ = rounds.get(message.round_id) if message.round_id is not None else None
    return {
        "id": message.pk,
        "kind": message.kind,
        "asks": message.asks,
        "text": message.text,
        "round": round_.number if round_ is not None else None,
        "author": _name(message.author),
        "created_at": message.created_at,
        "evidence_ids": evidence.get(message.pk, []),
    }


def _decision_out(decision: Decision | None) -> dict[str, Any] | None:
    if decision is None:
        return None
    return {
        "kind": decision.kind,
        "inputs": decision.inputs,
        "score": decision.score,
        "reason": decision.reason,
        "decided_by": _name(decision.decided_by),
        "decided_at": decision.decided_at,
    }


def _flag_out(data: Mapping[str, Any]) -> dict[str, Any]:
    flag = flag_from_json(data)
    return {
        "check": flag.check,
        "severity": flag.severity,
        "criterion": flag.criterion_code,
        "message": flag.message(_, lang()),
    }


def _appraisal(assessment: Assessment, review: Review, appraising: Appraising) -> dict[str, Any]:
    """The unit's appraisal as the council reads it, in a fixed number of queries whatever the
    number of criteria: criteria, answers, decisions, rounds, messages and their evidence."""
    now = timezone.now()
    by_pk = {
        c.pk: c
        for c in Criterion.objects.filter(framework_id=assessment.group.framework_id).only(
            "id", "code"
        )
    }
    answers_ = list(assessment.answers.all())
    for answer in answers_:
        answer.criterion = by_pk[answer.criterion_id]  # no query per answer
    answer_of = {by_pk[a.criterion_id].code: a for a in answers_}
    decisions = list(review.decisions.select_related("decided_by"))
    for decision in decisions:
        decision.criterion = by_pk[decision.criterion_id]
    comparison = compare(assessment, review, answers_, decisions)
    rounds = list(review.rounds.all())
    round_by_pk = {r.pk: r for r in rounds}
    thread = list(review.messages.select_related("author").order_by("created_at", "id"))
    evidence: dict[int, list[int]] = defaultdict(list)
    for message_id, evidence_id in (
        Message.evidence.through.objects.filter(message__review=review)
        .order_by("evidence_id")
        .values_list("message_id", "evidence_id")
    ):
        evidence[message_id].append(evidence_id)
    thread_of: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for message in thread:
        criterion = by_pk.get(message.criterion_id)
        if criterion is not None:
            thread_of[criterion.code].append(
                {
                    **_message_out(message, round_by_pk, evidence),
                    "resolved_at": message.resolved_at,
                }
            )
    lineage = lineage_by_code(assessment)
    asking = appraising.decide and assessment.period.status in ASKING
    criteria = []
    for line in comparison.leaves:
        answer = answer_of.get(line.code)
        may_decide = appraising.may_decide(lineage.get(line.code, (line.code,)))
        criteria.append(
            {
                "code": line.code,
                "title": line.title,
                "max": line.max,
                "inputs": answer.inputs if answer is not None else {},
                "note": answer.note if answer is not None else "",
                "self_score": line.self_score,
                "appraised_score": line.appraised_score,
                "decision": _decision_out(line.decision),
                "may_decide": may_decide,
                "may_ask": may_decide and asking,
                "thread": thread_of.get(line.code, []),
            }
        )
    return {
        "assessment_id": assessment.pk,
        "period_id": assessment.period_id,
        "unit_id": assessment.unit_id,
        "unit": assessment.unit.name,
        "group": assessment.group.number,
        "final": review.is_final,
        "self_total": comparison.self_total,
        "appraised_total": comparison.appraised_total,
        "points_moved": comparison.points_moved,
        "decided": comparison.decided,
        "corrected": comparison.corrected,
        "open_questions": sum(
            1 for m in thread if m.kind == Message.Kind.QUESTION and m.resolved_at is None
        ),
        "may_decide": appraising.decide,
        "reason": appraising.reason,
        "pillars": sorted(appraising.pillars),
        "rounds": [_round_out(r, thread, now) for r in rounds],
        "flags": [_flag_out(data) for data in review.flags],
        "criteria": criteria,
    }


def _corrected_inputs(criterion: Criterion, raw: Mapping[str, Any]) -> dict[str, Any]:
    """The figures of a correction, read as the web form reads them: numbers as numbers or text
    with a decimal comma or a thousands dot, yes/no as booleans (or "1"/"0"), ``na`` true."""
    spec = RULES.get(criterion.rule_type, {"inputs": ()})
    unknown = sorted(set(raw) - {*spec["inputs"], "na"})
    if unknown:
        raise invalid(
            _("The request is not valid; see the fields."),
            [(f"body.inputs.{key}", _("This field is not expected.")) for key in unknown],
        )
    figures: dict[str, Any] = {}
    for key in spec["inputs"]:
        value = raw.get(key)
        if isinstance(value, int | float) and not isinstance(value, bool):
            value = str(value)  # read as the form's text is, into the same stored figures
        if isinstance(value, str):
            value = value.strip()
            if key == "yes":
                value = {"1": True, "0": False}.get(value, value)
        if value is None or value == "":
            continue
        figures[key] = value
    na = raw.get("na")
    if na is True or (isinstance(na, str) and na.strip().lower() in ("1", "true", "on")):
        figures["na"] = True
    return normalise(figures)


def _checked_score(assessment: Assessment, criterion: Criterion, score: Any) -> Decimal:
    """The score to set, refused as the action refuses it, but pointing at the field."""
    message = _("Enter the score as a number, such as 7,5.")
    if isinstance(score, str) and not score.strip():
        score = None
    if score is None:
        raise invalid(message, [("body.score", _("This field is required."))])
    try:
        points = parse_decimal(score)
    except (TypeError, ValueError):
        raise invalid(message, [("body.score", message)]) from None
    node = framework_of(assessment).by_code.get(criterion.code)
    if node is not None and (points < 0 or points > node.effective_max):
        text = _("The score must be between 0 and %(max)s.") % {
            "max": format_points(node.effective_max, lang())
        }
        raise invalid(text, [("body.score", text)])
    if round_points(points) != points:
        text = _("A score has at most 2 decimals.")
        raise invalid(text, [("body.score", text)])
    return points


# ------------------------------------------------------------------ the council's side


@router.get("/reviews", response=answers(Page[ReviewItem], 403), url_name="appraisal_reviews")
def list_reviews(
    request: HttpRequest,
    query: Query[PageQuery],
    period: int | None = Query(None, ge=1, le=MAX_ID, description="Keep one period's units."),
) -> dict[str, Any]:
    """The submitted units the caller appraises, newest period first: every unit for the chair
    and the administrator, the units assigned for an appraiser. ``period`` keeps one period.
    Others may not use the council's workspace (403)."""
    who = access(request)
    if not (who.is_appraiser or who.is_admin):
        raise forbidden()
    members = PeriodUnit.objects.filter(
        period_id=OuterRef("period_id"), unit_id=OuterRef("unit_id")
    )
    rows = (
        Assessment.objects.filter(
            Exists(members),
            review__isnull=False,
            period__status__in=[*WORKING, *HISTORY],
        )
        .select_related("period", "unit", "group__framework", "review")
        .order_by(
            "-period__year", "-period__created_at", "group__number", "unit__position", "unit__name"
        )
    )
    if not (who.is_chair or who.is_admin):
        mine = Assignment.objects.filter(
            period_id=OuterRef("period_id"), unit_id=OuterRef("unit_id"), appraiser=who.user
        )
        rows = rows.filter(Exists(mine))
    if period is not None:
        rows = rows.filter(period_id=period)
    return paginate(request, rows, query, _review_items)


def _review_items(rows: list[Assessment]) -> list[dict[str, Any]]:
    """One page of units with their totals, in a fixed number of queries."""
    now = timezone.now()
    working = [a for a in rows if not a.review.is_final and a.status == Assessment.Status.SUBMITTED]
    facts = council_facts(working, [a.review.pk for a in rows])
    items = []
    for assessment in rows:
        review = assessment.review
        totals = facts.totals(assessment, review)
        status = facts.status(assessment, review, now)
        items.append(
            {
                "assessment_id": assessment.pk,
                "period_id": assessment.period_id,
                "unit_id": assessment.unit_id,
                "unit": assessment.unit.name,
                "group": assessment.group.number,
                "self_total": totals[0],
                "appraised_total": totals[1],
                "final": review.is_final,
                "state": status["state"],
                "status": status["status"],
                "open_questions": facts.questions[review.pk],
                "flags": len(review.flags),
            }
        )
    return items


@router.get(
    "/reviews/{assessment_id}",
    response=answers(ReviewDetail, 404),
    url_name="appraisal_review",
)
def get_review(request: HttpRequest, assessment_id: int) -> dict[str, Any]:
    """One unit's appraisal: totals, rounds, the automated flags, and every scored criterion
    with the unit's figures, note and self-score, the council's decision and appraised score,
    what the caller may do, and the thread of questions and answers (drafts included)."""
    assessment, review, appraising = get_review_for_user(request, assessment_id)
    return _appraisal(assessment, review, appraising)


@router.post(
    "/reviews/{assessment_id}/criteria/{code}/decision",
    response=answers(DecisionResult, 403, 404, 409),
    url_name="appraisal_decide",
)
def decide_criterion(
    request: HttpRequest, assessment_id: int, code: str, body: DecisionIn
) -> dict[str, Any]:
    """Accept the unit's figures on a criterion, correct them (``inputs``) or set its score
    (``score``). A correction or a set score needs a ``reason``, which the unit reads once the
    appraisal is final. Answers with the criterion as it now stands and the unit's totals."""
    assessment, review, appraising = get_review_for_user(request, assessment_id)
    criterion = _criterion(assessment, code)
    who = access(request)
    _may_act(who, assessment, appraising, lineage_by_code(assessment).get(code, (code,)))
    kind = KINDS[body.kind]
    reason = body.reason.strip()
    if kind != Decision.Kind.ACCEPTED and not reason:
        text = _("Give the reason for the correction: the unit will read it.")
        raise invalid(text, [("body.reason", text)])
    inputs = (
        _corrected_inputs(criterion, body.inputs or {}) if kind == Decision.Kind.CORRECTED else None
    )
    points = (
        _checked_score(assessment, criterion, body.score) if kind == Decision.Kind.SCORED else None
    )
    try:
        actions.decide(
            actor(request),
            appraising,
            review,
            criterion,
            kind,
            inputs=inputs,
            points=points,
            reason=reason,
        )
    except Invalid as error:
        raise invalid(
            _("The figures are not valid; see the fields."),
            [
                (
                    f"body.inputs.{problem_field(p)}" if problem_field(p) else "body.inputs",
                    render_problem(p)["message"],
                )
                for p in error.problems
            ],
        ) from None
    state = _appraisal(assessment, review, appraising)
    line = next((c for c in state["criteria"] if c["code"] == criterion.code), None)
    if line is None:  # pragma: no cover - the action decides on scored criteria only
        raise not_found()
    return {
        "criterion": line,
        "self_total": state["self_total"],
        "appraised_total": state["appraised_total"],
    }


@router.post(
    "/reviews/{assessment_id}/criteria/{code}/questions",
    response=answers(CouncilMessageOut, 403, 404, 409, status=201),
    url_name="appraisal_ask",
)
def ask_question(
    request: HttpRequest, assessment_id: int, code: str, body: AskIn
) -> Status[dict[str, Any]]:
    """Ask the unit to explain a criterion (explanation) or to add evidence (evidence). The
    question waits as a draft, which the unit does not see, until a round is sent."""
    assessment, review, appraising = get_review_for_user(request, assessment_id)
    criterion = _criterion(assessment, code)
    _may_act(
        access(request), assessment, appraising, lineage_by_code(assessment).get(code, (code,))
    )
    if not body.text.strip():
        text = _("Write the question for the unit.")
        raise invalid(text, [("body.text", text)])
    message = actions.ask(actor(request), appraising, review, criterion, body.asks, body.text)
    return Status(201, {**_message_out(message, {}, {}), "resolved_at": None})


@router.post(
    "/reviews/{assessment_id}/rounds",
    response=answers(RoundOut, 403, 404, 409, status=201),
    url_name="appraisal_send_round",
)
def send_round(request: HttpRequest, assessment_id: int, body: RoundIn) -> Status[dict[str, Any]]:
    """Send every draft question of the unit as the next numbered round, to answer by ``due``
    (until the end of that day). Only the criteria asked about reopen for the unit."""
    assessment, review, appraising = get_review_for_user(request, assessment_id)
    _may_act(access(request), assessment, appraising)
    if closes_at(body.due) <= timezone.now():
        text = _("The answer date must be today or later.")
        raise invalid(text, [("body.due", text)])
    round_ = actions.send_round(actor(request), appraising, review, body.due)
    messages = list(round_.messages.all())
    return Status(201, _round_out(round_, messages, timezone.now()))


@router.post(
    "/reviews/{assessment_id}/finalise",
    response=answers(FinaliseOut, 403, 404, 409),
    url_name="appraisal_finalise",
)
def finalise_review(request: HttpRequest, assessment_id: int) -> dict[str, Any]:
    """The chair finalises the unit's appraisal: the appraised total is fixed and the unit reads
    its appraised scores with the reasons. Refused while questions are open."""
    who = access(request)
    if not who.is_chair:
        raise forbidden(_("Only the chair of the council finalises the appraisal."))
    assessment, review, _appraising = get_review_for_user(request, assessment_id)
    review = actions.finalise(actor(request), who, review)
    return {
        "assessment_id": assessment.pk,
        "final": review.is_final,
        "self_total": review.self_total,
        "appraised_total": review.appraised_total,
        "finalised_at": review.finalised_at,
        "finalised_by": _name(review.finalised_by),
    }


# ------------------------------------------------------------------ the unit's side


def _unit_review(request: HttpRequest, assessment_id: int) -> tuple[Assessment, Review | None]:
    assessment = get_assessment_for_user(request, assessment_id)
    return assessment, Review.objects.filter(assessment=assessment).first()


def _no_round() -> ApiError:
    return refused(_("No explanation round is open for your unit."))


@router.get(
    "/units/{assessment_id}/questions",
    response=answers(UnitQuestionsOut, 404),
    url_name="appraisal_unit_questions",
)
def unit_questions(request: HttpRequest, assessment_id: int) -> dict[str, Any]:
    """The explanation rounds sent to the unit, newest first: per criterion asked about, the
    council's questions, the unit's figures and self-score, its answers, and whether the caller
    may answer now. Questions not sent yet, decisions and flags are never shown here."""
    assessment, review = _unit_review(request, assessment_id)
    who = access(request)
    now = timezone.now()
    rounds = list(review.rounds.order_by("-number")) if review is not None else []
    sent = (
        list(
            Message.objects.filter(review=review, round__isnull=False)
            .select_related("author")
            .prefetch_related("evidence")
            .order_by("created_at", "id")
        )
        if rounds
        else []
    )
    evidence = {m.pk: sorted(e.pk for e in m.evidence.all()) for m in sent}
    round_by_pk = {r.pk: r for r in rounds}
    asked = {m.criterion_id for m in sent if m.kind == Message.Kind.QUESTION}
    criteria = list(Criterion.objects.filter(pk__in=asked).order_by("position")) if asked else []
    editing = editing_for(who, assessment, now)
    views = []
    if criteria:
        answers_ = list(assessment.answers.select_related("criterion"))
        answer_of = {a.criterion_id: a for a in answers_}
        result = score_assessment(assessment, answers_)
        for round_ in rounds:
            is_open = round_.is_open(now)
            in_round = [m for m in sent if m.round_id == round_.pk]
            items = []
            for criterion in criteria:
                mine = [m for m in in_round if m.criterion_id == criterion.pk]
                if not any(m.kind == Message.Kind.QUESTION for m in mine):
                    continue
                answer = answer_of.get(criterion.pk)
                node = result.nodes.get(criterion.code)
                items.append(
                    {
                        "code": criterion.code,
                        "title": criterion.title,
                        "max": criterion.effective_max,
                        "inputs": answer.inputs if answer is not None else {},
                        "note": answer.note if answer is not None else "",
                        "self_score": node.score if node is not None else None,
                        "questions": [
                            _message_out(m, round_by_pk, evidence)
                            for m in mine
                            if m.kind == Message.Kind.QUESTION
                        ],
                        "answers": [
                            _message_out(m, round_by_pk, evidence)
                            for m in mine
                            if m.kind == Message.Kind.ANSWER
                        ],
                        "can_answer": is_open and editing.may_edit(criterion.pk),
                    }
                )
            views.append({**_round_out(round_, sent, now), "items": items})
    current = views[0] if views and views[0]["state"] == "open" else None
    unit = assessment.unit
    return {
        "assessment_id": assessment.pk,
        "final": unit_may_see_results(review),
        "may_send": current is not None and (who.is_leader(unit) or who.is_data_officer(unit)),
        "may_answer": current is not None and any(i["can_answer"] for i in current["items"]),
        "rounds": views,
    }


@router.post(
    "/units/{assessment_id}/criteria/{code}/answers",
    response=answers(MessageOut, 403, 404, 409, status=201),
    url_name="appraisal_unit_answer",
)
def answer_question(
    request: HttpRequest, assessment_id: int, code: str, body: ExplanationIn
) -> Status[dict[str, Any]]:
    """The unit answers the council's question on a criterion of the open round: a text, and
    evidence of the assessment (ids) attached to the answer. When every question is answered,
    the leader or the data officer sends the answers."""
    assessment, review = _unit_review(request, assessment_id)
    criterion = _criterion(assessment, code)
    who = access(request)
    if assessment.unit_id not in who.unit_ids():
        raise forbidden(_("This criterion was not asked about, or is not yours to answer."))
    if review is None:
        raise _no_round()
    wanted = set(body.evidence)
    pieces = list(Evidence.objects.filter(pk__in=wanted, assessment=assessment))
    if len(pieces) != len(wanted) or len(wanted) != len(body.evidence):
        text = _("That evidence belongs to another assessment.")
        raise invalid(text, [("body.evidence", text)])
    if not body.text.strip() and not pieces:
        text = _("Write your explanation or choose the evidence you add.")
        raise invalid(text, [("body.text", text)])
    message = actions.answer_question(actor(request), who, review, criterion, body.text, pieces)
    return Status(
        201,
        _message_out(
            message,
            {message.round_id: message.round} if message.round_id is not None else {},
            {message.pk: sorted(e.pk for e in pieces)},
        ),
    )


@router.post(
    "/units/{assessment_id}/answers/send",
    response=answers(RoundOut, 403, 404, 409),
    url_name="appraisal_unit_send_answers",
)
def send_answers(request: HttpRequest, assessment_id: int) -> dict[str, Any]:
    """The unit's leader or data officer sends its answers: the round closes before its date and
    the criteria it asked about are read-only again."""
    assessment, review = _unit_review(request, assessment_id)
    who = access(request)
    unit = assessment.unit
    if not (who.is_leader(unit) or who.is_data_officer(unit)):
        raise forbidden(_("Only the unit's leader or data officer sends the answers."))
    if review is None:
        raise _no_round()
    round_ = actions.send_answers(actor(request), who, review)
    return _round_out(round_, list(round_.messages.all()), timezone.now())


@router.get(
    "/units/{assessment_id}/results",
    response=answers(UnitResultsOut, 404),
    url_name="appraisal_unit_results",
)
def unit_results(request: HttpRequest, assessment_id: int) -> dict[str, Any]:
    """The unit's appraised results once the chair has finalised: every criterion self-assessed
    and appraised, with the council's decision, corrected figures and reason. Before that,
    ``final`` is false and nothing else is shown."""
    assessment, review = _unit_review(request, assessment_id)
    out: dict[str, Any] = {
        "assessment_id": assessment.pk,
        "final": False,
        "self_total": None,
        "appraised_total": None,
        "finalised_at": None,
        "criteria": [],
    }
    if review is None or not unit_may_see_results(review):
        return out
    comparison = compare(assessment, review)
    lines = []
    for line in comparison.lines:
        decision = line.decision
        corrected = decision is not None and decision.kind == Decision.Kind.CORRECTED
        lines.append(
            {
                "code": line.code,
                "title": line.title,
                "depth": line.depth,
                "leaf": line.is_leaf,
                "max": line.max,
                "self_score": line.self_score,
                "appraised_score": line.appraised_score,
                "decision": decision.kind if decision is not None else None,
                "corrected_inputs": decision.inputs if corrected and decision else None,
                "reason": decision.reason if decision is not None else "",
            }
        )
    out.update(
        final=True,
        self_total=review.self_total,
        appraised_total=review.appraised_total,
        finalised_at=review.finalised_at,
        criteria=lines,
    )
    return out
