"""Every change to a self-assessment goes through these actions, each in one transaction with
its audit record. Views validate input, call one action, and render."""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from dti.accounts.access import Access
from dti.assessments.access import editing_for
from dti.assessments.models import Answer, Assessment, Assignment, Evidence, Submission
from dti.assessments.scoring import (
    clean_general_info,
    decimal_or_none,
    framework_of,
    score_assessment,
)
from dti.audit.trail import Actor, record
from dti.frameworks.models import Criterion
from dti.scoring.problems import Problem
from dti.scoring.rules import check_inputs
from dti.units.models import Department


class NotAllowed(Exception):
    """The person may not make this change now; the message says why, in their language."""


class Conflict(Exception):
    """Someone else saved the same thing first; ``current`` is their version."""

    def __init__(self, current: Answer | Assessment) -> None:
        super().__init__("saved by someone else first")
        self.current = current


@dataclass(frozen=True)
class Invalid(Exception):
    """The inputs are not valid; nothing was saved. ``problems`` say what and where."""

    problems: tuple[Problem, ...]


# ------------------------------------------------------------ answers


@transaction.atomic
def save_answer(
    actor: Actor,
    access: Access,
    assessment: Assessment,
    criterion: Criterion,
    inputs: Mapping[str, Any],
    note: str,
    expected_version: int,
    now: datetime.datetime | None = None,
) -> Answer:
    """Save one criterion's figures and note, if the person may, and nobody saved it meanwhile.

    The score is computed by the scoring engine; invalid inputs raise ``Invalid`` and save nothing.
    """
    assessment = (
        Assessment.objects.select_for_update()
        .select_related("period", "unit", "group__framework")
        .get(pk=assessment.pk)
    )
    if criterion.framework_id != assessment.group.framework_id or not criterion.rule_type:
        raise NotAllowed(_("This criterion is not part of the assessment's framework."))
    editing = editing_for(access, assessment, now)
    if not editing.may_edit(criterion.pk):
        raise NotAllowed(editing.reason or _("This criterion is not assigned to your department."))
    answer, _created = Answer.objects.select_for_update().get_or_create(
        assessment=assessment, criterion=criterion
    )
    if answer.version != expected_version:
        raise Conflict(answer)
    framework = framework_of(assessment)
    node = framework.by_code[criterion.code]
    assert node.rule is not None  # noqa: S101 - leaves have rules
    cleaned = {k: v for k, v in inputs.items() if v not in (None, "")}
    _typed, problems = check_inputs(
        node.rule, node.effective_max, cleaned, assessment.general_info, node.na_allowed
    )
    errors = tuple(p for p in problems if p.level == "error")
    if errors:
        raise Invalid(
            tuple(Problem(p.level, p.template, p.params, code=criterion.code) for p in errors)
        )
    before = {"inputs": answer.inputs, "note": answer.note, "score": decimal_or_none(answer.score)}
    answer.inputs = dict(cleaned)
    answer.note = note.strip()
    result = score_assessment(assessment, [*_other_answers(assessment, answer), answer])
    node_score = result.nodes[criterion.code]
    answer.score = node_score.score
    answer.status = node_score.status
    answer.version += 1
    answer.updated_by = actor.user
    answer.updated_at = timezone.now()
    answer.save()
    after = {"inputs": answer.inputs, "note": answer.note, "score": decimal_or_none(answer.score)}
    record(actor, "answer.save", answer, before=before, after=after)
    return answer


def _other_answers(assessment: Assessment, answer: Answer) -> list[Answer]:
    return list(assessment.answers.exclude(pk=answer.pk).select_related("criterion"))


# ------------------------------------------------------------ general information


@transaction.atomic
def save_general_info(
    actor: Actor,
    access: Access,
    assessment: Assessment,
    values: Mapping[str, Any],
    expected_version: int,
    now: datetime.datetime | None = None,
) -> tuple[Assessment, dict[str, str]]:
    """Save general-information fields; return the assessment and errors by field (nothing saved on errors).

    Scores that take a denominator from the general information are computed again.
    """
    assessment = (
        Assessment.objects.select_for_update()
        .select_related("period", "unit", "group__framework")
        .get(pk=assessment.pk)
    )
    editing = editing_for(access, assessment, now)
    if not editing.general:
        raise NotAllowed(
            editing.reason
            or _("Only the unit's data officer and leader fill in the general information.")
        )
    if assessment.general_version != expected_version:
        raise Conflict(assessment)
    clean, errors = clean_general_info(framework_of(assessment), values)
    if errors:
        return assessment, errors
    before = {k: assessment.general_info.get(k) for k in clean}
    merged = {**assessment.general_info, **clean}
    assessment.general_info = {k: v for k, v in merged.items() if v is not None}
    assessment.general_version += 1
    assessment.save(update_fields=["general_info", "general_version"])
    rescore(assessment)
    record(actor, "assessment.general_info", assessment, before=before, after=clean)
    return assessment, {}


def rescore(assessment: Assessment) -> None:
    """Recompute every stored score (after the general information changed)."""
    answers = list(assessment.answers.select_related("criterion"))
    result = score_assessment(assessment, answers)
    changed = []
    for answer in answers:
        node = result.nodes.get(answer.criterion.code)
        if node is not None and (answer.score != node.score or answer.status != node.status):
            answer.score, answer.status = node.score, node.status
            changed.append(answer)
    Answer.objects.bulk_update(changed, ["score", "status"])


# ------------------------------------------------------------ departments


@transaction.atomic
def assign_criteria(
    actor: Actor,
    access: Access,
    assessment: Assessment,
    criteria: Iterable[Criterion],
    lead: Department | None,
    coordinating: Iterable[Department],
) -> int:
    """Assign criteria to a lead department and coordinating ones (one audit record for the batch)."""
    if not (
        access.is_admin
        or access.is_data_officer(assessment.unit)
        or access.is_leader(assessment.unit)
    ):
        raise NotAllowed(
            _("Only the unit's data officer and leader assign criteria to departments.")
        )
    coordinating = list(coordinating)
    for department in [lead, *coordinating]:
        if department is not None and department.unit_id != assessment.unit_id:
            raise NotAllowed(_("A criterion can be assigned only to the unit's own departments."))
    criteria = [
        c for c in criteria if c.framework_id == assessment.group.framework_id and c.rule_type
    ]
    for criterion in criteria:
        assignment, _created = Assignment.objects.get_or_create(
            assessment=assessment, criterion=criterion
        )
        assignment.lead = lead
        assignment.save(update_fields=["lead"])
        assignment.coordinating.set(coordinating)
    record(
        actor,
        "assessment.assign",
        assessment,
        before=None,
        after={
            "criteria": [c.code for c in criteria],
            "lead": lead.name if lead else None,
            "coordinating": [d.name for d in coordinating],
        },
    )
    return len(criteria)


# ------------------------------------------------------------ evidence


@transaction.atomic
def add_evidence(
    actor: Actor,
    access: Access,
    assessment: Assessment,
    evidence: Evidence,
    criteria: Iterable[Criterion],
    now: datetime.datetime | None = None,
) -> Evidence:
    """Store a piece of evidence (already checked: file content, link or document fields) for criteria."""
    criteria = list(criteria)
    editing = editing_for(access, assessment, now)
    if not criteria or not all(editing.may_edit(c.pk) for c in criteria):
        raise NotAllowed(
            editing.reason or _("You may attach evidence only to the criteria you may edit.")
        )
    evidence.assessment = assessment
    evidence.uploaded_by = actor.user
    evidence.save()
    evidence.criteria.set(criteria)
    record(actor, "evidence.add", evidence, before=None, after=_evidence_state(evidence))
    return evidence


@transaction.atomic
def link_evidence(
    actor: Actor,
    access: Access,
    evidence: Evidence,
    criteria: Iterable[Criterion],
    now: datetime.datetime | None = None,
) -> Evidence:
    """Change which criteria a piece of evidence supports."""
    criteria = list(criteria)
    editing = editing_for(access, evidence.assessment, now)
    touched = set(evidence.criteria.values_list("pk", flat=True)) ^ {c.pk for c in criteria}
    if not criteria or not all(editing.may_edit(pk) for pk in touched):
        raise NotAllowed(
            editing.reason or _("You may attach evidence only to the criteria you may edit.")
        )
    before = _evidence_state(evidence)
    evidence.criteria.set(criteria)
    record(actor, "evidence.link", evidence, before=before, after=_evidence_state(evidence))
    return evidence


@transaction.atomic
def remove_evidence(
    actor: Actor, access: Access, evidence: Evidence, now: datetime.datetime | None = None
) -> None:
    editing = editing_for(access, evidence.assessment, now)
    if not all(editing.may_edit(pk) for pk in evidence.criteria.values_list("pk", flat=True)):
        raise NotAllowed(
            editing.reason or _("You may remove evidence only from the criteria you may edit.")
        )
    record(actor, "evidence.remove", evidence, before=_evidence_state(evidence), after=None)
    stored = evidence.file.name if evidence.file else ""
    evidence.delete()
    if stored:
        storage = Evidence._meta.get_field("file").storage
        transaction.on_commit(lambda: storage.delete(stored))


def _evidence_state(evidence: Evidence) -> dict[str, Any]:
    return {
        "kind": evidence.kind,
        "name": str(evidence),
        "sha256": evidence.sha256 or None,
        "criteria": sorted(evidence.criteria.values_list("code", flat=True)),
    }


# ------------------------------------------------------------ sign-off and submission


def summary(assessment: Assessment) -> dict[str, Any]:
    """What the leader sees before submitting: pillar scores, unanswered criteria, criteria
    without evidence, ratios above 100 %."""
    answers = list(assessment.answers.select_related("criterion"))
    result = score_assessment(assessment, answers)
    framework = result.framework
    with_evidence = set(
        Evidence.criteria.through.objects.filter(evidence__assessment=assessment).values_list(
            "criterion__code", flat=True
        )
    )
    by_code = {a.criterion.code: a for a in answers}
    unanswered, without_evidence, over_100 = [], [], []
    for leaf in framework.leaves:
        node = result.nodes[leaf.code]
        if node.status in ("unanswered", "invalid"):
            unanswered.append(leaf)
        elif node.status == "scored" and leaf.code not in with_evidence:
            without_evidence.append(leaf)
        answer = by_code.get(leaf.code)
        if answer and _ratio_over_100(
            answer.inputs, leaf.rule.params if leaf.rule else {}, assessment.general_info
        ):
            over_100.append(leaf)
    return {
        "result": result,
        "pillars": [(p, result.nodes[p.code]) for p in framework.criteria if p.counts],
        "unanswered": unanswered,
        "without_evidence": without_evidence,
        "over_100": over_100,
    }


def _ratio_over_100(
    inputs: Mapping[str, Any], params: Mapping[str, Any], general: Mapping[str, Any]
) -> bool:
    from dti.scoring.numbers import parse_decimal

    try:
        numerator = parse_decimal(inputs["numerator"])
        raw = inputs.get("denominator")
        if raw is None:
            fields = params.get("denominator_field")
            keys = [fields] if isinstance(fields, str) else (fields or [])
            if not keys:
                return False
            denominator = sum((parse_decimal(general[k]) for k in keys), parse_decimal(0))
        else:
            denominator = parse_decimal(raw)
    except (KeyError, ValueError):
        return False
    return denominator > 0 and numerator > denominator


@transaction.atomic
def submit_assessment(
    actor: Actor, access: Access, assessment: Assessment, now: datetime.datetime | None = None
) -> Submission:
    """The leader signs off and submits: a frozen snapshot, and the assessment becomes read-only."""
    assessment = (
        Assessment.objects.select_for_update()
        .select_related("period", "unit", "group__framework")
        .get(pk=assessment.pk)
    )
    if not access.is_leader(assessment.unit):
        raise NotAllowed(_("Only the unit's leader can sign off and submit."))
    if assessment.status == Assessment.Status.SUBMITTED:
        raise NotAllowed(_("The assessment has been submitted; it is read-only."))
    editing = editing_for(access, assessment, now)
    if not editing.anything:
        raise NotAllowed(editing.reason)
    answers = list(assessment.answers.select_related("criterion"))
    result = score_assessment(assessment, answers)
    evidence = list(assessment.evidence.prefetch_related("criteria"))
    snapshot = {
        "framework": {
            "code": assessment.group.framework.code,
            "version": assessment.group.framework.version,
        },
        "general_info": assessment.general_info,
        "answers": {
            a.criterion.code: {
                "inputs": a.inputs,
                "note": a.note,
                "score": decimal_or_none(result.nodes[a.criterion.code].score),
            }
            for a in answers
        },
        "nodes": {
            code: decimal_or_none(node.score)
            for code, node in result.nodes.items()
            if node.status != "info"
        },
        "total": str(result.total),
        "evidence": [
            {
                "id": e.pk,
                "kind": e.kind,
                "name": str(e),
                "sha256": e.sha256,
                "url": e.url,
                "doc_number": e.doc_number,
                "doc_date": e.doc_date.isoformat() if e.doc_date else None,
                "doc_issuer": e.doc_issuer,
                "summary": e.summary,
                "criteria": sorted(c.code for c in e.criteria.all()),
            }
            for e in evidence
        ],
    }
    number = assessment.submissions.count() + 1
    submission = Submission.objects.create(
        assessment=assessment,
        number=number,
        submitted_by=actor.user,
        total=result.total,
        snapshot=snapshot,
    )
    before = assessment.status
    assessment.status = Assessment.Status.SUBMITTED
    assessment.submitted_at = submission.submitted_at
    assessment.submitted_by = actor.user
    assessment.save(update_fields=["status", "submitted_at", "submitted_by"])
    record(
        actor,
        "assessment.submit",
        assessment,
        before={"status": before},
        after={"status": assessment.status, "submission": number, "total": str(result.total)},
    )
    # The automated checks run now, so their flags are the first thing the council sees.
    from dti.appraisal.actions import check_submission

    check_submission(actor, assessment)
    return submission


# ------------------------------------------------------------ departments: finished


@transaction.atomic
def mark_done(
    actor: Actor,
    access: Access,
    assessment: Assessment,
    criterion_ids: Iterable[int],
    done: bool,
    now: datetime.datetime | None = None,
) -> int:
    """Department staff mark the criteria their department leads as finished (or not yet).

    All or nothing: a criterion their department does not lead refuses the whole batch.
    One audit record ("assessment.done") for the batch; returns how many criteria changed.
    """
    editing = editing_for(access, assessment, now)
    if not editing.anything:
        raise NotAllowed(editing.reason)
    departments = access.department_ids(assessment.unit)
    wanted = set(criterion_ids)
    assignments = list(
        Assignment.objects.select_for_update()
        .filter(assessment=assessment, criterion_id__in=wanted)
        .select_related("criterion")
        .order_by("criterion__position")
    )
    if (
        not wanted
        or len(assignments) != len(wanted)
        or any(a.lead_id not in departments for a in assignments)
    ):
        raise NotAllowed(_("A department marks finished only the criteria it leads."))
    changed = [a for a in assignments if a.done != done]
    for assignment in changed:
        assignment.done = done
    Assignment.objects.bulk_update(changed, ["done"])
    record(
        actor,
        "assessment.done",
        assessment,
        before={a.criterion.code: not done for a in changed},
        after={a.criterion.code: done for a in changed},
    )
    return len(changed)


# ------------------------------------------------------------ the offline Excel form


@transaction.atomic
def apply_workbook(
    actor: Actor,
    access: Access,
    assessment: Assessment,
    general_values: Mapping[str, Any],
    answers: Mapping[str, Mapping[str, Any]],
    now: datetime.datetime | None = None,
) -> int:
    """Apply an uploaded Excel form: the general information, then each criterion's figures and
    note — all of them or none — and write one audit record. Returns how many things changed.

    ``general_values`` maps field keys to the values as written; ``answers`` maps criterion codes
    to ``{"inputs": …, "note": …}``, which replace what is stored (no version check: the upload
    replaces). Scores are computed again. Raises ``NotAllowed`` when the person may not change one
    of them now, ``Invalid`` with every problem when a value is not valid.
    """
    assessment = (
        Assessment.objects.select_for_update()
        .select_related("period", "unit", "group__framework")
        .get(pk=assessment.pk)
    )
    editing = editing_for(access, assessment, now)
    if not editing.anything:
        raise NotAllowed(editing.reason)
    framework = framework_of(assessment)
    clean, errors = clean_general_info(framework, general_values)
    if errors:
        raise Invalid(
            tuple(
                Problem("error", "%(field)s: %(message)s", {"field": key, "message": message})
                for key, message in errors.items()
            )
        )
    changed_general = {k: v for k, v in clean.items() if assessment.general_info.get(k) != v}
    if changed_general and not editing.general:
        raise NotAllowed(
            editing.reason
            or _("Only the unit's data officer and leader fill in the general information.")
        )
    merged = {**assessment.general_info, **changed_general}
    general = {k: v for k, v in merged.items() if v is not None}
    criteria = {
        c.code: c
        for c in Criterion.objects.filter(
            framework_id=assessment.group.framework_id, code__in=list(answers)
        )
    }
    stored = {
        a.criterion.code: a
        for a in Answer.objects.select_for_update()
        .filter(assessment=assessment, criterion__code__in=list(answers))
        .select_related("criterion")
    }
    problems: list[Problem] = []
    wanted: dict[str, tuple[Criterion, dict[str, Any], str]] = {}
    for code, values in answers.items():
        criterion = criteria.get(code)
        node = framework.by_code.get(code)
        if criterion is None or not criterion.rule_type or node is None or node.rule is None:
            raise NotAllowed(_("This criterion is not part of the assessment's framework."))
        inputs = {k: v for k, v in dict(values.get("inputs") or {}).items() if v not in (None, "")}
        note = str(values.get("note") or "").strip()
        answer = stored.get(code)
        if answer is not None and answer.inputs == inputs and answer.note == note:
            continue
        if answer is None and not inputs and not note:
            continue
        if not editing.may_edit(criterion.pk):
            raise NotAllowed(
                editing.reason or _("This criterion is not assigned to your department.")
            )
        _typed, found = check_inputs(
            node.rule, node.effective_max, inputs, general, node.na_allowed
        )
        problems.extend(
            Problem(p.level, p.template, p.params, code=code) for p in found if p.level == "error"
        )
        wanted[code] = (criterion, inputs, note)
    if problems:
        raise Invalid(tuple(problems))
    if not changed_general and not wanted:
        return 0
    before: dict[str, Any] = {
        "general_info": {k: assessment.general_info.get(k) for k in changed_general},
        "answers": {},
    }
    after: dict[str, Any] = {"general_info": changed_general, "answers": {}}
    if changed_general:
        assessment.general_info = general
        assessment.general_version += 1
        assessment.save(update_fields=["general_info", "general_version"])
    stamp = timezone.now()
    changed: dict[str, Answer] = {}
    for code, (criterion, inputs, note) in wanted.items():
        answer = stored.get(code) or Answer(assessment=assessment, criterion=criterion)
        before["answers"][code] = {
            "inputs": answer.inputs,
            "note": answer.note,
            "score": decimal_or_none(answer.score),
        }
        answer.inputs, answer.note = inputs, note
        answer.version += 1
        answer.updated_by, answer.updated_at = actor.user, stamp
        answer.save()
        changed[code] = answer
    rescore(assessment)
    scores = dict(
        Answer.objects.filter(pk__in=[a.pk for a in changed.values()]).values_list(
            "criterion__code", "score"
        )
    )
    for code, answer in changed.items():
        after["answers"][code] = {
            "inputs": answer.inputs,
            "note": answer.note,
            "score": decimal_or_none(scores.get(code)),
        }
    record(actor, "assessment.workbook", assessment, before=before, after=after)
    return len(changed_general) + len(changed)
