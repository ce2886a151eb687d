"""The chair's council page (phiên họp Hội đồng thẩm định): every unit of a period at a glance —
criteria decided and corrected, points moved, open questions, rounds — with finalisation unit by
unit and the approval of the period's results.

Every view: signed in, then ``require_chair`` first (the chair, and the administrator who follows
the council); POST views call one action, say what happened and redirect back to the page.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from dti.appraisal import actions
from dti.appraisal.access import WORKING, require_chair
from dti.appraisal.actions import AppraisalError
from dti.appraisal.compare import compare
from dti.appraisal.models import Assignment, Decision, Message, Review, Round
from dti.assessments.models import Answer, Assessment
from dti.audit.trail import Actor
from dti.periods import actions as period_actions
from dti.periods.actions import PeriodError
from dti.periods.models import Period, PeriodGroup, PeriodUnit
from dti.scoring.numbers import format_points
from dti.units.models import Unit

ZERO = Decimal(0)


def _next_step(period: Period) -> str:
    """What the council does next, by the period's status (said at the top of the page)."""
    status = period.status
    if status in (Period.Status.DRAFT, Period.Status.OPEN):
        return _(
            "Units are still filling in their self-assessment. The council starts when the "
            "administrator moves the period to appraisal."
        )
    if status == Period.Status.APPRAISAL:
        return _(
            "Round 1: the appraisers decide on each criterion and send their questions. "
            "Finalise a unit once its appraisal is complete and no question is open."
        )
    if status == Period.Status.EXPLANATION:
        return _(
            "Round 2: the units answer the council's questions; the appraisers then decide on "
            "what is there. Finalise each unit once no question is open."
        )
    if status == Period.Status.FINAL:
        return _(
            "Final appraisal: finalise every unit that submitted, then approve the results of "
            "the period."
        )
    if status == Period.Status.APPROVED:
        return _(
            "The results are approved: no appraised score can change any more. "
            "The administrator publishes them."
        )
    return _("The results are published.")


@dataclass
class UnitRow:
    """One unit of the period as the chair sees it."""

    unit: Unit
    assessment: Assessment | None = None
    review: Review | None = None
    appraisers: list[Assignment] = field(default_factory=list)
    submitted: bool = False
    reopened: bool = False
    self_total: Decimal | None = None
    appraised_total: Decimal | None = None
    leaves: int = 0
    decided: int = 0
    corrected: int = 0
    #: questions not settled, split by where they stand
    drafts: int = 0
    waiting: int = 0
    to_decide: int = 0
    round: Round | None = None
    round_state: str = ""
    ready: bool = False
    blocker: str = ""

    @property
    def moved(self) -> Decimal | None:
        if self.self_total is None or self.appraised_total is None:
            return None
        return self.appraised_total - self.self_total

    @property
    def moved_text(self) -> str:
        """Points moved, signed: "+2,5", "−7,5", "0"."""
        return _signed(self.moved)

    @property
    def open_questions(self) -> int:
        return self.drafts + self.waiting + self.to_decide

    @property
    def undecided(self) -> int:
        """Criteria the council has not decided on: they keep the unit's own score."""
        return max(self.leaves - self.decided, 0)

    @property
    def final(self) -> bool:
        return self.review is not None and self.review.is_final

    @property
    def anchor(self) -> str:
        return f"u-{self.unit.pk}"


@dataclass
class Section:
    """A ranking group with its units and their totals."""

    group: PeriodGroup
    rows: list[UnitRow]

    def _sum(self, name: str) -> Decimal:
        return sum(
            (getattr(r, name) for r in self.rows if getattr(r, name) is not None), start=ZERO
        )

    @property
    def submitted(self) -> int:
        return sum(1 for r in self.rows if r.review is not None)

    @property
    def finalised(self) -> int:
        return sum(1 for r in self.rows if r.final)

    @property
    def self_total(self) -> Decimal:
        return self._sum("self_total")

    @property
    def appraised_total(self) -> Decimal:
        return self._sum("appraised_total")

    @property
    def moved_text(self) -> str:
        return _signed(self.appraised_total - self.self_total)

    @property
    def moved(self) -> Decimal:
        return self.appraised_total - self.self_total

    @property
    def leaves(self) -> int:
        return sum(r.leaves for r in self.rows)

    @property
    def decided(self) -> int:
        return sum(r.decided for r in self.rows)

    @property
    def corrected(self) -> int:
        return sum(r.corrected for r in self.rows)

    @property
    def open_questions(self) -> int:
        return sum(r.open_questions for r in self.rows)

    @property
    def ready(self) -> int:
        return sum(1 for r in self.rows if r.ready)


def _signed(value: Decimal | None) -> str:
    if value is None:
        return "—"
    text = format_points(abs(value), get_language() or "vi")
    if value > 0:
        return f"+{text}"
    if value < 0:
        return f"−{text}"  # a true minus sign, as printed tables have it
    return text


def _round_state(round_: Round | None, now: datetime.datetime) -> str:
    if round_ is None:
        return ""
    if round_.answered_at is not None:
        return "answered"
    return "open" if round_.is_open(now) else "lapsed"


def _rows(period: Period) -> list[Section]:
    """Every unit of the period, by group, with its appraisal in figures: a fixed number of
    queries whatever the number of units and criteria."""
    now = timezone.now()
    members = PeriodUnit.objects.select_related("unit").order_by("unit__position", "unit__name")
    groups = list(
        period.groups.select_related("framework")
        .order_by("number")
        .prefetch_related(Prefetch("memberships", queryset=members))
    )
    assessments = {
        a.unit_id: a
        for a in Assessment.objects.filter(period=period).select_related(
            "group__framework", "review__finalised_by"
        )
    }
    reviews = {
        a.pk: a.review
        for a in assessments.values()
        if getattr(a, "review", None)
        is not None  # reverse one-to-one: absent raises, hence getattr
    }
    review_ids = [r.pk for r in reviews.values()]
    answers: dict[int, list[Answer]] = defaultdict(list)
    for answer in Answer.objects.filter(assessment_id__in=list(reviews)).select_related(
        "criterion"
    ):
        answers[answer.assessment_id].append(answer)
    decisions: dict[int, list[Decision]] = defaultdict(list)
    for decision in Decision.objects.filter(review_id__in=review_ids).select_related("criterion"):
        decisions[decision.review_id].append(decision)
    latest: dict[int, Round] = {}
    rounds: dict[int, Round] = {}
    for round_ in Round.objects.filter(review_id__in=review_ids).order_by("number"):
        latest[round_.review_id] = round_
        rounds[round_.pk] = round_
    # The questions not settled, as ``actions.open_questions`` counts them, in one query.
    unsettled = (
        Message.objects.filter(
            review_id__in=review_ids, kind=Message.Kind.QUESTION, resolved_at__isnull=True
        )
        .order_by()
        .values_list("review_id", "round_id")
    )
    questions: dict[int, list[int | None]] = defaultdict(list)
    for review_id, round_id in unsettled:
        questions[review_id].append(round_id)
    appraisers: dict[int, list[Assignment]] = defaultdict(list)
    for assignment in Assignment.objects.filter(period=period).select_related("appraiser"):
        appraisers[assignment.unit_id].append(assignment)

    sections = []
    for group in groups:
        rows = []
        for membership in group.memberships.all():
            row = UnitRow(membership.unit, appraisers=appraisers.get(membership.unit_id, []))
            assessment = assessments.get(membership.unit_id)
            row.assessment = assessment
            if assessment is not None:
                row.review = reviews.get(assessment.pk)
                row.submitted = assessment.status == Assessment.Status.SUBMITTED
                row.reopened = row.review is not None and not row.submitted
            if row.review is not None and assessment is not None:
                review = row.review
                comparison = compare(
                    assessment, review, answers[assessment.pk], decisions[review.pk]
                )
                row.self_total = comparison.self_total
                row.appraised_total = comparison.appraised_total
                if review.is_final and review.appraised_total is not None:
                    # What the chair fixed is what the unit reads.
                    row.self_total = review.self_total
                    row.appraised_total = review.appraised_total
                row.leaves = len(comparison.leaves)
                row.decided = comparison.decided
                row.corrected = comparison.corrected
                for round_id in questions.get(review.pk, []):
                    if round_id is None:
                        row.drafts += 1
                    elif rounds[round_id].is_open(now):
                        row.waiting += 1
                    else:
                        row.to_decide += 1
                row.round = latest.get(review.pk)
                row.round_state = _round_state(row.round, now)
            row.ready, row.blocker = _readiness(period, row)
            rows.append(row)
        sections.append(Section(group, rows))
    return sections


def _readiness(period: Period, row: UnitRow) -> tuple[bool, str]:
    """May the chair finalise the unit now, and if not, why (the action has the last word)."""
    if row.final:
        return False, ""
    if row.review is None:
        if row.assessment is not None and row.submitted:
            return False, _("Submitted; its appraisal has not started")
        return False, _("Not submitted")
    if row.reopened:
        return False, _("Reopened: waiting for its new submission")
    if period.status not in WORKING:
        return False, _("The period is not in appraisal")
    if row.open_questions:
        return False, ngettext(
            "%(count)s question open", "%(count)s questions open", row.open_questions
        ) % {"count": row.open_questions}
    return True, ""


@login_required
@require_GET
def council(request: HttpRequest, period_id: int) -> HttpResponse:
    """Every unit of the period for the chair: where its appraisal stands, and finalisation."""
    access = require_chair(request)
    period = get_object_or_404(Period, pk=period_id)
    sections = _rows(period)
    rows = [row for section in sections for row in section.rows]
    submitted = [r for r in rows if r.review is not None]
    unfinished = [r for r in submitted if not r.final]
    never = [r for r in rows if r.review is None]
    context: dict[str, Any] = {
        "period": period,
        "sections": sections,
        "is_chair": access.is_chair,
        "next_step": _next_step(period),
        "summary": {
            "units": len(rows),
            "submitted": len(submitted),
            "finalised": len(submitted) - len(unfinished),
            "ready": sum(1 for r in rows if r.ready),
            "open_questions": sum(r.open_questions for r in rows),
            "corrected": sum(r.corrected for r in rows),
            "moved": _signed(sum((r.moved for r in submitted if r.moved is not None), start=ZERO)),
        },
        "unfinished": unfinished,
        "never": never,
        "may_approve": period.status == Period.Status.FINAL and not unfinished,
        "approved": period.status in (Period.Status.APPROVED, Period.Status.PUBLISHED),
        "before_final": period.status in (Period.Status.APPRAISAL, Period.Status.EXPLANATION),
        "not_started": period.status in (Period.Status.DRAFT, Period.Status.OPEN),
    }
    return render(request, "appraisal/council/page.html", context)


def _back(period_id: int, unit_id: int | None = None) -> HttpResponseRedirect:
    url = reverse("appraisal:council", args=[period_id])
    return HttpResponseRedirect(f"{url}#u-{unit_id}" if unit_id else url)


@login_required
@require_POST
def finalise(request: HttpRequest, assessment_id: int) -> HttpResponse:
    """The chair finalises one unit's appraisal; the unit then sees its appraised scores."""
    access = require_chair(request)
    review = get_object_or_404(
        Review.objects.select_related("assessment__unit", "assessment__period"),
        assessment_id=assessment_id,
    )
    assessment = review.assessment
    try:
        review = actions.finalise(Actor.from_request(request), access, review)
    except AppraisalError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request,
            _(
                "The appraisal of %(unit)s is finalised: %(total)s points. "
                "The unit now sees its appraised scores and the reasons."
            )
            % {
                "unit": assessment.unit.name,
                "total": format_points(review.appraised_total, get_language() or "vi"),
            },
        )
    return _back(assessment.period_id, assessment.unit_id)


@login_required
@require_POST
def approve(request: HttpRequest, period_id: int) -> HttpResponse:
    """The chair (or the administrator) approves the period's appraisal results."""
    require_chair(request)
    period = get_object_or_404(Period, pk=period_id)
    try:
        period = period_actions.move_period(
            Actor.from_request(request), period, Period.Status.APPROVED
        )
    except PeriodError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request,
            _("The appraisal results of %(period)s are approved.") % {"period": period.name},
        )
    return redirect("appraisal:council", period.pk)
