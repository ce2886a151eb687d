"""The unit's side of the council's appraisal (thẩm định): the explanation rounds sent to it
(giải trình, bổ sung), its answers, and — once the chair finalises — its appraised results with
the reasons.

Every view: signed in, then ``get_assessment_for_user`` first (the unit's people and the
administrator; anyone else 404). Before finalisation nothing of the council's own work shows here:
draft questions, decisions, appraised scores, reasons and automated flags stay with the council.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from dti.accounts.access import access_of
from dti.appraisal import actions
from dti.appraisal.access import questioned_criteria, unit_may_see_results
from dti.appraisal.actions import AppraisalError
from dti.appraisal.compare import Line, compare
from dti.appraisal.models import Decision, Message, Review, Round
from dti.assessments.access import editing_for, get_assessment_for_user
from dti.assessments.models import Assessment, Evidence
from dti.assessments.scoring import score_assessment
from dti.assessments.views_evidence import document_reference
from dti.assessments.views_form import describe_inputs, fixed_figures
from dti.audit.trail import Actor
from dti.frameworks.models import Criterion
from dti.scoring.numbers import format_points

#: The longest answer kept: a page of explanation; longer texts belong in an evidence file.
MAX_ANSWER = 10_000


def _lang() -> str:
    return get_language() or "vi"


# ------------------------------------------------------------ where the unit stands


@dataclass(frozen=True)
class UnitAppraisal:
    """Where the council is with a unit's appraisal, as far as the unit may know: whether a round
    is open (and on how many criteria), whether any was sent, whether the appraisal is final.
    The assessment page and the unit's home page show it as a banner and links."""

    review: Review | None = None
    round: Round | None = None
    asked: int = 0
    sent: bool = False

    @property
    def final(self) -> bool:
        return unit_may_see_results(self.review)


def unit_appraisal(assessment: Assessment, now: datetime.datetime | None = None) -> UnitAppraisal:
    """The unit's view of its appraisal: no query before submission, at most three after."""
    if assessment.status != Assessment.Status.SUBMITTED:
        return UnitAppraisal()
    review = Review.objects.filter(assessment=assessment).first()
    if review is None:
        return UnitAppraisal()
    if review.is_final:
        return UnitAppraisal(review, sent=True)
    latest = review.rounds.order_by("-number").first()
    if latest is None:
        return UnitAppraisal(review)
    if not latest.is_open(now or timezone.now()):
        return UnitAppraisal(review, sent=True)
    return UnitAppraisal(review, latest, len(questioned_criteria(latest)), sent=True)


# ------------------------------------------------------------ what the pages show


def _evidence_label(evidence: Evidence) -> str:
    if evidence.kind == Evidence.Kind.DOCUMENT:
        reference = document_reference(evidence)
        return f"{reference} — {evidence.summary}" if evidence.summary else reference
    if evidence.kind == Evidence.Kind.LINK:
        return evidence.summary or evidence.url
    return evidence.original_name


def _figures(
    criterion: Criterion, inputs: Mapping[str, Any], general: Mapping[str, Any], lang: str
) -> str:
    """The figures of a criterion in one line, with those the rule takes from the general
    information (a denominator, a target) as the assessment page shows them."""
    text = describe_inputs(criterion, inputs, "", lang)
    names = {"denominator": _("Denominator"), "target": _("Target")}
    fixed = [
        _("%(figure)s: %(value)s (general information)")
        % {"figure": names.get(key, key), "value": format_points(total, lang)}
        for key, (_keys, total) in fixed_figures(criterion, inputs, general).items()
        if total is not None
    ]
    if fixed and not inputs:
        return " · ".join(fixed)
    return " · ".join([text, *fixed])


def _signed(value: Decimal, lang: str) -> str:
    """A difference as the unit reads it: “+2,5”, “−7,5”, “0”."""
    if value > 0:
        return f"+{format_points(value, lang)}"
    if value < 0:
        return f"\u2212{format_points(-value, lang)}"
    return format_points(value, lang)


@dataclass
class Item:
    """One criterion of a round: the council's questions and the unit's answers in that round,
    the thread of the rounds before, and what the person may do about it now."""

    criterion: Criterion
    questions: list[Message] = field(default_factory=list)
    answers: list[Message] = field(default_factory=list)
    earlier: list[Message] = field(default_factory=list)
    figures: str = ""
    note: str = ""
    score: str = ""
    max: str = ""
    evidence: list[tuple[Evidence, str]] = field(default_factory=list)
    can_answer: bool = False


@dataclass
class RoundView:
    round: Round
    state: str  # open, answered, closed
    items: list[Item] = field(default_factory=list)

    @property
    def answered(self) -> int:
        return sum(1 for item in self.items if item.answers)


def _sent_messages(review: Review) -> list[Message]:
    """Every message the unit may read: the questions of sent rounds and its own answers, each
    with its evidence labelled (``pieces``)."""
    sent = list(
        Message.objects.filter(review=review, round__isnull=False)
        .select_related("author", "round")
        .prefetch_related("evidence")
        .order_by("created_at", "id")
    )
    for message in sent:
        message.pieces = [(e, _evidence_label(e)) for e in message.evidence.all()]  # type: ignore[attr-defined]
    return sent


def _threads(sent: Iterable[Message]) -> dict[int, list[Message]]:
    by_criterion: dict[int, list[Message]] = defaultdict(list)
    for message in sent:
        by_criterion[message.criterion_id].append(message)
    return by_criterion


@login_required
@require_GET
def questions(request: HttpRequest, assessment_id: int) -> HttpResponse:
    """The explanation rounds sent to the unit, newest first: per criterion asked about, the
    council's question, the unit's figures and self-score, the thread so far, and — while the
    round is open — the answer form."""
    assessment = get_assessment_for_user(request, assessment_id)
    access = access_of(request)
    now = timezone.now()
    lang = _lang()
    review = Review.objects.filter(assessment=assessment).first()
    rounds = list(review.rounds.select_related("answered_by").order_by("-number")) if review else []
    sent = _sent_messages(review) if rounds and review else []
    threads = _threads(sent)
    asked_ids = {m.criterion_id for m in sent if m.kind == Message.Kind.QUESTION}
    criteria = {c.pk: c for c in Criterion.objects.filter(pk__in=asked_ids).order_by("position")}
    editing = editing_for(access, assessment, now)
    general = assessment.general_info or {}
    views: list[RoundView] = []
    if criteria:
        answers = list(assessment.answers.select_related("criterion"))
        answer_of = {a.criterion_id: a for a in answers}
        result = score_assessment(assessment, answers)
        pieces: dict[int, list[tuple[Evidence, str]]] = defaultdict(list)
        through = Evidence.criteria.through.objects.filter(
            evidence__assessment=assessment, criterion_id__in=criteria
        ).select_related("evidence")
        for link in through.order_by("evidence__created_at", "evidence_id"):
            pieces[link.criterion_id].append((link.evidence, _evidence_label(link.evidence)))
        for round_ in rounds:
            is_open = round_.is_open(now)
            state = "open" if is_open else ("answered" if round_.answered_at else "closed")
            view = RoundView(round_, state)
            in_round = [m for m in sent if m.round_id == round_.pk]
            asked = [c for c in criteria.values() if any(m.criterion_id == c.pk for m in in_round)]
            for criterion in asked:
                answer = answer_of.get(criterion.pk)
                node = result.nodes.get(criterion.code)
                thread = threads[criterion.pk]
                view.items.append(
                    Item(
                        criterion,
                        questions=[
                            m
                            for m in thread
                            if m.round_id == round_.pk and m.kind == Message.Kind.QUESTION
                        ],
                        answers=[
                            m
                            for m in thread
                            if m.round_id == round_.pk and m.kind == Message.Kind.ANSWER
                        ],
                        earlier=[
                            m
                            for m in thread
                            if m.round is not None and m.round.number < round_.number
                        ],
                        figures=_figures(criterion, answer.inputs if answer else {}, general, lang),
                        note=answer.note if answer else "",
                        score=format_points(node.score if node else None, lang),
                        max=format_points(criterion.effective_max, lang),
                        evidence=pieces.get(criterion.pk, []),
                        can_answer=is_open and editing.may_edit(criterion.pk),
                    )
                )
            views.append(view)
    unit = assessment.unit
    current = views[0] if views and views[0].state == "open" else None
    context = {
        "assessment": assessment,
        "unit": unit,
        "period": assessment.period,
        "review": review,
        "rounds": views,
        "current": current,
        "may_send": current is not None
        and (access.is_leader(unit) or access.is_data_officer(unit)),
        "may_answer": current is not None and any(item.can_answer for item in current.items),
        "final": unit_may_see_results(review),
        "max_answer": MAX_ANSWER,
    }
    return render(request, "appraisal/unit/questions.html", context)


def _back(assessment: Assessment, code: str = "") -> HttpResponse:
    url = reverse("appraisal:questions", args=[assessment.pk])
    return redirect(url + (f"#c-{code}" if code else ""))


@login_required
@require_POST
def answer(request: HttpRequest, assessment_id: int, criterion_id: int) -> HttpResponse:
    """The unit's answer on one criterion of the open round: a text and evidence pieces already
    attached to the criterion."""
    assessment = get_assessment_for_user(request, assessment_id)
    criterion = Criterion.objects.filter(
        pk=criterion_id, framework_id=assessment.group.framework_id
    ).first()
    if criterion is None:
        raise Http404
    review = Review.objects.filter(assessment=assessment).first()
    if review is None:
        messages.error(request, _("No explanation round is open for your unit."))
        return _back(assessment)
    text = request.POST.get("text", "")
    if len(text) > MAX_ANSWER:
        messages.error(
            request,
            _(
                "The answer is too long (at most %(max)s characters): "
                "attach the rest as an evidence file."
            )
            % {"max": MAX_ANSWER},
        )
        return _back(assessment, criterion.code)
    wanted = {int(v) for v in request.POST.getlist("evidence") if v.isdigit()}
    evidence = list(Evidence.objects.filter(pk__in=wanted, assessment=assessment))
    if len(evidence) != len(wanted) or len(wanted) != len(request.POST.getlist("evidence")):
        messages.error(request, _("That evidence belongs to another assessment."))
        return _back(assessment, criterion.code)
    try:
        actions.answer_question(
            Actor.from_request(request), access_of(request), review, criterion, text, evidence
        )
    except AppraisalError as refused:
        messages.error(request, str(refused))
    else:
        messages.success(
            request,
            _(
                "Your answer on criterion %(code)s is saved. When every question is answered, "
                "send your answers to the council."
            )
            % {"code": criterion.printed or criterion.code},
        )
    return _back(assessment, criterion.code)


@login_required
@require_POST
def send_answers(request: HttpRequest, assessment_id: int) -> HttpResponse:
    """The leader or the data officer sends the unit's answers: the round closes early."""
    assessment = get_assessment_for_user(request, assessment_id)
    review = Review.objects.filter(assessment=assessment).first()
    if review is None:
        messages.error(request, _("No explanation round is open for your unit."))
        return _back(assessment)
    try:
        round_ = actions.send_answers(Actor.from_request(request), access_of(request), review)
    except AppraisalError as refused:
        messages.error(request, str(refused))
    else:
        messages.success(
            request,
            _(
                "Your answers to round %(number)s have been sent to the council. The criteria "
                "it asked about are read-only again."
            )
            % {"number": round_.number},
        )
    return _back(assessment)


# ------------------------------------------------------------ the appraised results


@dataclass
class ResultLine:
    """One criterion of the results, self-assessed and appraised, with the council's word."""

    line: Line
    criterion: Criterion | None
    difference: str
    corrected_figures: str = ""
    own_figures: str = ""
    thread: list[Message] = field(default_factory=list)

    @property
    def corrected(self) -> bool:
        decision = self.line.decision
        return decision is not None and decision.kind != Decision.Kind.ACCEPTED


def _result_lines(
    lines: Iterable[Line],
    criteria: Mapping[str, Criterion],
    threads: Mapping[int, list[Message]],
    inputs: Mapping[int, Mapping[str, Any]],
    general: Mapping[str, Any],
    lang: str,
) -> list[ResultLine]:
    found = []
    for line in lines:
        criterion = criteria.get(line.code)
        decision = line.decision
        result = ResultLine(line, criterion, _signed(line.difference, lang))
        if criterion is not None:
            result.thread = threads.get(criterion.pk, [])
            if decision is not None and decision.kind == Decision.Kind.CORRECTED:
                result.corrected_figures = _figures(criterion, decision.inputs, general, lang)
                result.own_figures = _figures(
                    criterion, inputs.get(criterion.pk, {}), general, lang
                )
        found.append(result)
    return found


@login_required
@require_GET
def results(request: HttpRequest, assessment_id: int) -> HttpResponse:
    """The unit's appraised results once the appraisal is final: totals, pillars and every
    criterion, self-assessed against appraised, with the council's reasons; before that, only a
    sentence saying the council has not finished."""
    assessment = get_assessment_for_user(request, assessment_id)
    review = Review.objects.filter(assessment=assessment).first()
    context: dict[str, Any] = {
        "assessment": assessment,
        "unit": assessment.unit,
        "period": assessment.period,
        "final": unit_may_see_results(review),
        "submitted": review is not None,
    }
    if not context["final"] or review is None:
        return render(request, "appraisal/unit/results.html", context)
    lang = _lang()
    answers = list(assessment.answers.select_related("criterion"))
    comparison = compare(assessment, review, answers)
    criteria = {
        c.code: c
        for c in Criterion.objects.filter(framework_id=assessment.group.framework_id).order_by(
            "position"
        )
    }
    threads = _threads(_sent_messages(review))
    inputs = {a.criterion_id: a.inputs for a in answers}
    lines = _result_lines(
        comparison.lines, criteria, threads, inputs, assessment.general_info or {}, lang
    )
    leaves = [r for r in lines if r.line.is_leaf]
    context.update(
        review=review,
        comparison=comparison,
        lines=lines,
        pillars=[r for r in lines if r.line.depth == 0],
        changed=[r for r in leaves if r.line.differs or r.corrected],
        difference=_signed(comparison.points_moved, lang),
        max=comparison.self_result.max,
    )
    return render(request, "appraisal/unit/results.html", context)
