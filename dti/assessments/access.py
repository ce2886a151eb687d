"""Who may see and change a self-assessment. Every assessment view calls these first."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.http import Http404, HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from dti.accounts.access import Access, access_of
from dti.assessments.models import Assessment, Assignment
from dti.periods.deadlines import submission_open
from dti.periods.models import Period, PeriodUnit


def get_assessment_for_user(request: HttpRequest, assessment_id: int) -> Assessment:
    """The assessment, for the administrator and the people of its unit; 404 for anyone else."""
    access = access_of(request)
    assessment = (
        Assessment.objects.select_related("period", "unit", "group__framework")
        .filter(pk=assessment_id)
        .first()
    )
    if assessment is None:
        raise Http404
    if not access.is_admin and assessment.unit_id not in access.unit_ids():
        raise Http404
    return assessment


def open_assessment_for_user(request: HttpRequest, period_id: int, unit_id: int) -> Assessment:
    """The unit's assessment of the period, started on first visit; 404 unless the unit is assessed."""
    access = access_of(request)
    if not access.is_admin and unit_id not in access.unit_ids():
        raise Http404
    membership = (
        PeriodUnit.objects.select_related("period", "unit", "group")
        .filter(period_id=period_id, unit_id=unit_id)
        .exclude(period__status=Period.Status.DRAFT)
        .first()
    )
    if membership is None:
        raise Http404
    assessment = Assessment.objects.filter(period=membership.period, unit=membership.unit).first()
    if assessment is None:
        from dti.frameworks.store import to_scoring

        # The unit's name is known: fill it in, when the framework asks for it.
        fields = to_scoring(membership.group.framework).fields
        general = {"name": membership.unit.name} if "name" in fields else {}
        assessment, _created = Assessment.objects.get_or_create(
            period=membership.period,
            unit=membership.unit,
            defaults={"group": membership.group, "general_info": general},
        )
    return assessment


@dataclass(frozen=True)
class Editing:
    """What a person may change in an assessment right now, and if nothing, why."""

    general: bool
    all_criteria: bool
    criteria: frozenset[int]
    reason: str = ""

    def may_edit(self, criterion_id: int) -> bool:
        return self.all_criteria or criterion_id in self.criteria

    @property
    def anything(self) -> bool:
        return self.general or self.all_criteria or bool(self.criteria)


def editing_for(
    access: Access, assessment: Assessment, now: datetime.datetime | None = None
) -> Editing:
    """The data officer and the leader edit everything; department staff only their criteria;
    nobody once it is submitted or after the deadline (unless reopened); the administrator reads."""
    now = now or timezone.now()
    unit = assessment.unit
    if assessment.status == Assessment.Status.SUBMITTED:
        return _explaining(access, assessment, now)
    if not submission_open(assessment.period, unit, now):
        if assessment.period.status != Period.Status.OPEN:
            reason = _("The period is not open for self-assessment.")
        else:
            reason = _(
                "The submission deadline has passed. Ask the coordinating office to reopen the unit."
            )
        return Editing(False, False, frozenset(), reason)
    if access.is_data_officer(unit) or access.is_leader(unit):
        return Editing(True, True, frozenset())
    departments = access.department_ids(unit)
    if departments:
        mine = _department_criteria(assessment, departments)
        return Editing(
            False,
            False,
            frozenset(mine),
            "" if mine else _("No criterion is assigned to your department yet."),
        )
    return Editing(False, False, frozenset(), _("You can read this assessment but not change it."))


def _explaining(access: Access, assessment: Assessment, now: datetime.datetime) -> Editing:
    """A submitted assessment is read-only, except the criteria an open explanation round asks
    about: the data officer and the leader change those, department staff those of theirs."""
    from dti.appraisal.access import reopened_for_unit

    read_only = Editing(
        False, False, frozenset(), _("The assessment has been submitted; it is read-only.")
    )
    round_, questioned = reopened_for_unit(assessment, now)
    if round_ is None:
        return read_only
    unit = assessment.unit
    if access.is_data_officer(unit) or access.is_leader(unit):
        return Editing(False, False, frozenset(questioned))
    departments = access.department_ids(unit)
    if departments:
        mine = questioned & _department_criteria(assessment, departments)
        if mine:
            return Editing(False, False, frozenset(mine))
    return read_only


def _department_criteria(assessment: Assessment, departments: set[int]) -> set[int]:
    return set(
        Assignment.objects.filter(assessment=assessment, lead_id__in=departments).values_list(
            "criterion_id", flat=True
        )
    ) | set(
        Assignment.objects.filter(assessment=assessment, coordinating__in=departments).values_list(
            "criterion_id", flat=True
        )
    )
