"""Every change to the council's set-up goes through these actions, each in one transaction with
exactly one audit record."""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from dti.accounts.access import Access
from dti.accounts.models import Role, User
from dti.appraisal.access import ASKING, WORKING, Appraising, lineage_by_code, open_round
from dti.appraisal.checks import flag_to_json, run_checks, validate_settings
from dti.appraisal.compare import appraised_result, compare
from dti.appraisal.models import Assignment, CheckSettings, Decision, Message, Review, Round
from dti.assessments.access import editing_for
from dti.assessments.actions import Invalid
from dti.assessments.models import Answer, Assessment, Evidence
from dti.assessments.scoring import framework_of, score_assessment
from dti.audit.trail import Actor, record
from dti.frameworks.models import Criterion
from dti.periods.deadlines import closes_at
from dti.periods.models import Period, PeriodUnit
from dti.scoring.numbers import format_points, parse_decimal, round_points
from dti.scoring.problems import Problem
from dti.scoring.rules import check_inputs
from dti.units.models import Unit

#: Once the results are approved, who appraised what is history.
CLOSED = (Period.Status.APPROVED, Period.Status.PUBLISHED)


class AppraisalError(Exception):
    """A change the rules do not allow; the message says why, in the user's language."""


class InvalidSettings(AppraisalError):
    """Check settings that are not valid: ``errors`` maps "check" or "check.threshold" to a
    message template (English, marked for translation)."""

    def __init__(self, errors: Mapping[str, str]) -> None:
        super().__init__(_("The check settings are not valid."))
        self.errors = dict(errors)


def pillar_codes(framework_id: int) -> list[str]:
    """The codes of a framework's pillars (chỉ số chính), in order."""
    return list(
        Criterion.objects.filter(framework_id=framework_id, parent__isnull=True)
        .order_by("position")
        .values_list("code", flat=True)
    )


def criterion_codes(framework_id: int) -> list[str]:
    """Every criterion code of a framework, in framework order."""
    return list(
        Criterion.objects.filter(framework_id=framework_id)
        .order_by("position")
        .values_list("code", flat=True)
    )


def _assignment_state(assignment: Assignment) -> dict[str, Any]:
    return {
        "appraiser": assignment.appraiser.get_username(),
        "unit": assignment.unit.name,
        "pillars": assignment.pillars,
    }


@transaction.atomic
def assign_appraiser(
    actor: Actor, period: Period, appraiser: User, unit: Unit, pillars: Iterable[str] = ()
) -> Assignment:
    """Assign an appraiser to a unit of the period, for the whole framework, some pillars, or
    single criteria (a sectoral appraiser checks their own field across all units).

    Assigning again changes the codes. The appraiser must hold the appraiser role and the unit
    must be in one of the period's groups; the codes are those of that group's framework.
    """
    if period.status in CLOSED:
        raise AppraisalError(_("The period is approved: its assignments can no longer change."))
    if (
        not appraiser.is_active
        or not Role.objects.filter(user=appraiser, kind=Role.Kind.APPRAISER).exists()
    ):
        raise AppraisalError(
            _("%(person)s is not an appraiser: grant the appraiser role first.")
            % {"person": appraiser}
        )
    membership = PeriodUnit.objects.select_related("group").filter(period=period, unit=unit).first()
    if membership is None:
        raise AppraisalError(
            _("%(unit)s is not assessed in %(period)s.") % {"unit": unit.name, "period": period}
        )
    known = pillar_codes(membership.group.framework_id)
    every = criterion_codes(membership.group.framework_id)
    wanted = set(pillars)
    unknown = sorted(wanted - set(every))
    if unknown:
        raise AppraisalError(
            _("The framework of %(unit)s has no pillar or criterion %(codes)s.")
            % {"unit": unit.name, "codes": ", ".join(unknown)}
        )
    # Every pillar is the whole framework, which also covers pillars added later: store it so.
    chosen = [] if set(known) <= wanted else [code for code in every if code in wanted]
    assignment = (
        Assignment.objects.select_for_update()
        .filter(period=period, appraiser=appraiser, unit=unit)
        .first()
    )
    before = None
    if assignment is None:
        assignment = Assignment(period=period, appraiser=appraiser, unit=unit)
    else:
        before = _assignment_state(assignment)
    assignment.pillars = chosen
    assignment.save()
    record(
        actor, "appraisal.assign", assignment, before=before, after=_assignment_state(assignment)
    )
    return assignment


@transaction.atomic
def unassign_appraiser(actor: Actor, assignment: Assignment) -> None:
    """Take an appraiser off a unit."""
    if assignment.period.status in CLOSED:
        raise AppraisalError(_("The period is approved: its assignments can no longer change."))
    record(
        actor, "appraisal.unassign", assignment, before=_assignment_state(assignment), after=None
    )
    assignment.delete()


@transaction.atomic
def set_check_settings(actor: Actor, period: Period, values: Mapping[str, Any]) -> CheckSettings:
    """Switch the period's automated checks on or off and tune their thresholds.

    ``values`` maps check keys to ``{"enabled": bool, <threshold>: number, …}``; what is left out
    takes the default. Invalid values raise ``InvalidSettings`` and save nothing.
    """
    clean, errors = validate_settings(values)
    if errors:
        raise InvalidSettings(errors)
    settings, _created = CheckSettings.objects.select_for_update().get_or_create(period=period)
    before = settings.resolved()
    settings.values = clean
    settings.save()
    record(actor, "appraisal.check_settings", settings, before=before, after=clean)
    return settings


# ------------------------------------------------------------ automated checks on submission


def check_submission(actor: Actor, assessment: Assessment) -> Review:
    """Run the period's automated checks on a unit's assessment and store the flags with its
    appraisal (started here, at the first submission). Called inside the submission's
    transaction, so the flags are there the moment the council can see the unit."""
    review, _created = Review.objects.select_for_update().get_or_create(assessment=assessment)
    if review.is_final:
        return review
    flags = run_checks(assessment)
    before = {"flags": len(review.flags)} if review.checked_at else None
    review.flags = [flag_to_json(f) for f in flags]
    review.checked_at = timezone.now()
    review.self_total = score_assessment(assessment).total
    review.save()
    record(
        actor,
        "appraisal.checks",
        review,
        before=before,
        after={"flags": len(flags), "checks": sorted({f.check for f in flags})},
    )
    return review


@transaction.atomic
def rerun_checks(actor: Actor, appraising: Appraising, review: Review) -> Review:
    """An appraiser runs the checks again (after answers came in, or the settings changed)."""
    _require(appraising.decide, appraising.reason)
    return check_submission(actor, review.assessment)


# ------------------------------------------------------------ decisions on criteria


def _require(allowed: bool, reason: str) -> None:
    if not allowed:
        raise AppraisalError(reason or _("You may not do this."))


def _locked_review(review: Review) -> Review:
    return (
        Review.objects.select_for_update()
        .select_related("assessment__period", "assessment__unit", "assessment__group__framework")
        .get(pk=review.pk)
    )


def _leaf(review: Review, criterion: Criterion) -> Any:
    assessment = review.assessment
    if criterion.framework_id != assessment.group.framework_id or not criterion.rule_type:
        raise AppraisalError(_("This criterion is not part of the unit's framework."))
    node = framework_of(assessment).by_code[criterion.code]
    if node.rule is None or not node.counts:
        raise AppraisalError(_("This criterion carries no points."))
    return node


def _may_decide_on(appraising: Appraising, review: Review, criterion: Criterion) -> None:
    _require(appraising.decide, appraising.reason)
    lineage = lineage_by_code(review.assessment).get(criterion.code, (criterion.code,))
    if not appraising.may_decide(lineage):
        raise AppraisalError(
            _("You appraise pillars %(pillars)s of this unit, not criterion %(code)s.")
            % {"pillars": ", ".join(sorted(appraising.pillars)), "code": criterion.code}
        )


def _decision_state(decision: Decision | None) -> dict[str, Any] | None:
    if decision is None:
        return None
    return {
        "kind": decision.kind,
        "inputs": decision.inputs,
        "score": None if decision.score is None else str(decision.score),
        "reason": decision.reason,
    }


@transaction.atomic
def decide(
    actor: Actor,
    appraising: Appraising,
    review: Review,
    criterion: Criterion,
    kind: str,
    *,
    inputs: Mapping[str, Any] | None = None,
    points: Any = None,
    reason: str = "",
    now: datetime.datetime | None = None,
) -> Decision:
    """Accept the unit's figures on a criterion, correct them, or set its score.

    A correction (figures or score) always needs a reason. Not while the unit can still answer a
    question on the criterion; deciding after the round resolves the criterion's questions.
    """
    now = now or timezone.now()
    review = _locked_review(review)
    _may_decide_on(appraising, review, criterion)
    node = _leaf(review, criterion)
    assessment = review.assessment
    reason = reason.strip()
    waiting = Message.objects.filter(
        review=review, criterion=criterion, kind=Message.Kind.QUESTION, round__isnull=False
    ).select_related("round")
    if any(m.round is not None and m.round.is_open(now) for m in waiting):
        raise AppraisalError(
            _("The unit can still answer on this criterion; decide after its answers are in.")
        )
    if kind not in Decision.Kind.values:
        raise AppraisalError(_("Choose accept, correct the figures, or set the score."))
    if kind != Decision.Kind.ACCEPTED and not reason:
        raise AppraisalError(_("Give the reason for the correction: the unit will read it."))
    answer = Answer.objects.filter(assessment=assessment, criterion=criterion).first()
    stored_inputs: dict[str, Any] = {}
    override: Decimal | None = None
    if kind == Decision.Kind.CORRECTED:
        cleaned = {k: v for k, v in (inputs or {}).items() if v not in (None, "")}
        _typed, problems = check_inputs(
            node.rule, node.effective_max, cleaned, assessment.general_info, node.na_allowed
        )
        errors = tuple(p for p in problems if p.level == "error")
        if errors:
            raise Invalid(
                tuple(Problem(p.level, p.template, p.params, code=criterion.code) for p in errors)
            )
        stored_inputs = dict(cleaned)
    elif kind == Decision.Kind.SCORED:
        try:
            override = parse_decimal(points)
        except (TypeError, ValueError):
            raise AppraisalError(_("Enter the score as a number, such as 7,5.")) from None
        if override < 0 or override > node.effective_max:
            raise AppraisalError(
                _("The score must be between 0 and %(max)s.")
                % {"max": format_points(node.effective_max, get_language() or "vi")}
            )
        if round_points(override) != override:
            raise AppraisalError(_("A score has at most 2 decimals."))
    decision = (
        Decision.objects.select_for_update().filter(review=review, criterion=criterion).first()
    )
    before = _decision_state(decision)
    if decision is None:
        decision = Decision(review=review, criterion=criterion, version=0)
    decision.kind = kind
    decision.inputs = stored_inputs
    decision.reason = reason
    decision.decided_by = actor.user
    decision.decided_at = now
    decision.version += 1
    decision.score = None
    answers = list(assessment.answers.select_related("criterion"))
    others = list(review.decisions.exclude(criterion=criterion).select_related("criterion"))
    decision.score = override
    result = appraised_result(assessment, review, answers, [*others, decision])
    decision.score = result.nodes[criterion.code].score
    decision.save()
    Message.objects.filter(
        review=review,
        criterion=criterion,
        kind=Message.Kind.QUESTION,
        round__isnull=False,
        resolved_at__isnull=True,
    ).update(resolved_at=now)
    self_score = answer.score if answer is not None else None
    record(
        actor,
        "appraisal.decide",
        decision,
        before=before,
        after={
            **(_decision_state(decision) or {}),
            "criterion": criterion.code,
            "self_score": None if self_score is None else str(self_score),
        },
        reason=reason,
    )
    return decision


# ------------------------------------------------------------ explanation rounds


@transaction.atomic
def ask(
    actor: Actor,
    appraising: Appraising,
    review: Review,
    criterion: Criterion,
    asks: str,
    text: str,
    now: datetime.datetime | None = None,
) -> Message:
    """Ask the unit to explain a criterion or to add evidence. The question waits, with the
    others, until a round is sent."""
    review = _locked_review(review)
    _may_decide_on(appraising, review, criterion)
    _leaf(review, criterion)
    if review.assessment.period.status not in ASKING:
        raise AppraisalError(
            _("Questions can be sent to units only during appraisal rounds 1 and 2.")
        )
    if asks not in Message.Asks.values:
        raise AppraisalError(_("Choose whether you ask for an explanation or for more evidence."))
    text = text.strip()
    if not text:
        raise AppraisalError(_("Write the question for the unit."))
    message = Message.objects.create(
        review=review,
        criterion=criterion,
        kind=Message.Kind.QUESTION,
        asks=asks,
        text=text,
        author=actor.user,
        created_at=now or timezone.now(),
    )
    record(
        actor,
        "appraisal.ask",
        message,
        after={"criterion": criterion.code, "asks": asks, "text": text},
    )
    return message


@transaction.atomic
def withdraw_question(actor: Actor, appraising: Appraising, message: Message) -> None:
    """Take back a question that was not sent yet."""
    review = _locked_review(message.review)
    _may_decide_on(appraising, review, message.criterion)
    if message.kind != Message.Kind.QUESTION or message.round_id is not None:
        raise AppraisalError(_("Only a question not yet sent can be withdrawn."))
    record(
        actor,
        "appraisal.withdraw",
        message,
        before={"criterion": message.criterion.code, "text": message.text},
    )
    message.delete()


@transaction.atomic
def send_round(
    actor: Actor,
    appraising: Appraising,
    review: Review,
    due: datetime.date,
    now: datetime.datetime | None = None,
) -> Round:
    """Send every waiting question of the unit as the next numbered round, to answer by ``due``.
    Only the criteria asked about reopen for the unit, until the end of that day."""
    now = now or timezone.now()
    review = _locked_review(review)
    _require(appraising.decide, appraising.reason)
    if review.assessment.period.status not in ASKING:
        raise AppraisalError(
            _("Questions can be sent to units only during appraisal rounds 1 and 2.")
        )
    if closes_at(due) <= now:
        raise AppraisalError(_("The answer date must be today or later."))
    if open_round(review, now) is not None:
        raise AppraisalError(
            _("The unit is still answering the previous round; send the next one after it.")
        )
    drafts = list(
        Message.objects.filter(review=review, kind=Message.Kind.QUESTION, round__isnull=True)
    )
    if not drafts:
        raise AppraisalError(_("There is no question to send: ask about a criterion first."))
    number = review.rounds.count() + 1
    round_ = Round.objects.create(
        review=review, number=number, due=due, sent_by=actor.user, sent_at=now
    )
    Message.objects.filter(pk__in=[m.pk for m in drafts]).update(round=round_)
    record(
        actor,
        "appraisal.send_round",
        round_,
        after={
            "round": number,
            "due": due.isoformat(),
            "criteria": sorted({m.criterion.code for m in drafts}),
        },
    )
    return round_


def _unit_may_answer(access: Access, review: Review, criterion: Criterion) -> Round:
    assessment = review.assessment
    editing = editing_for(access, assessment)
    round_ = open_round(review)
    if round_ is None:
        raise AppraisalError(_("No explanation round is open for your unit."))
    if not editing.may_edit(criterion.pk):
        raise AppraisalError(
            editing.reason or _("This criterion was not asked about, or is not yours to answer.")
        )
    return round_


@transaction.atomic
def answer_question(
    actor: Actor,
    access: Access,
    review: Review,
    criterion: Criterion,
    text: str,
    evidence: Iterable[Evidence] = (),
) -> Message:
    """The unit answers the council's question on a criterion, with text and evidence."""
    review = _locked_review(review)
    round_ = _unit_may_answer(access, review, criterion)
    text = text.strip()
    pieces = list(evidence)
    if not text and not pieces:
        raise AppraisalError(_("Write your explanation or choose the evidence you add."))
    if any(e.assessment_id != review.assessment_id for e in pieces):
        raise AppraisalError(_("That evidence belongs to another assessment."))
    message = Message.objects.create(
        review=review,
        criterion=criterion,
        round=round_,
        kind=Message.Kind.ANSWER,
        text=text,
        author=actor.user,
        created_at=timezone.now(),
    )
    message.evidence.set(pieces)
    record(
        actor,
        "appraisal.answer",
        message,
        after={
            "criterion": criterion.code,
            "round": round_.number,
            "text": text,
            "evidence": [str(e) for e in pieces],
        },
    )
    return message


@transaction.atomic
def send_answers(actor: Actor, access: Access, review: Review) -> Round:
    """The unit's leader or data officer sends its answers: the round closes before its date."""
    review = _locked_review(review)
    unit = review.assessment.unit
    if not (access.is_leader(unit) or access.is_data_officer(unit)):
        raise AppraisalError(_("Only the unit's leader or data officer sends the answers."))
    round_ = open_round(review)
    if round_ is None:
        raise AppraisalError(_("No explanation round is open for your unit."))
    round_.answered_at = timezone.now()
    round_.answered_by = actor.user
    round_.save(update_fields=["answered_at", "answered_by"])
    record(actor, "appraisal.send_answers", round_, after={"round": round_.number})
    return round_


# ------------------------------------------------------------ finalisation


def open_questions(review: Review) -> int:
    """Questions not yet settled: waiting to be sent, being answered, or answered and not decided."""
    return Message.objects.filter(
        review=review, kind=Message.Kind.QUESTION, resolved_at__isnull=True
    ).count()


@transaction.atomic
def finalise(actor: Actor, access: Access, review: Review) -> Review:
    """The chair finalises a unit's appraisal: the appraised total is fixed and the unit sees its
    appraised scores with the reasons. Refused while questions are open."""
    if not access.is_chair:
        raise AppraisalError(_("Only the chair of the council finalises the appraisal."))
    review = _locked_review(review)
    assessment = review.assessment
    if review.is_final:
        raise AppraisalError(_("The appraisal of this unit is already finalised."))
    if assessment.status != Assessment.Status.SUBMITTED:
        raise AppraisalError(_("The unit has been reopened; wait for its new submission."))
    if assessment.period.status not in WORKING:
        raise AppraisalError(
            _("The period is not in appraisal: “%(status)s”.")
            % {"status": assessment.period.get_status_display()}
        )
    waiting = open_questions(review)
    if waiting:
        raise AppraisalError(
            _("%(count)s questions are still open: send them, wait for the answers and decide.")
            % {"count": waiting}
        )
    comparison = compare(assessment, review)
    review.self_total = comparison.self_total
    review.appraised_total = comparison.appraised_total
    review.status = Review.Status.FINALISED
    review.finalised_at = timezone.now()
    review.finalised_by = actor.user
    review.save()
    record(
        actor,
        "appraisal.finalise",
        review,
        before={"status": Review.Status.IN_PROGRESS},
        after={
            "status": review.status,
            "self_total": str(comparison.self_total),
            "appraised_total": str(comparison.appraised_total),
            "corrected": comparison.corrected,
        },
    )
    return review


def unfinished_units(period: Period) -> list[str]:
    """Units that submitted in the period and whose appraisal is not finalised, by name."""
    return list(
        Assessment.objects.filter(period=period, submissions__isnull=False)
        .exclude(review__status=Review.Status.FINALISED)
        .distinct()
        .order_by("unit__name")
        .values_list("unit__name", flat=True)
    )
