"""Every change to the council's set-up goes through these actions, each in one transaction with
exactly one audit record."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from dti.accounts.models import Role, User
from dti.appraisal.checks import validate_settings
from dti.appraisal.models import Assignment, CheckSettings
from dti.audit.trail import Actor, record
from dti.frameworks.models import Criterion
from dti.periods.models import Period, PeriodUnit
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
    """Assign an appraiser to a unit of the period, for the whole framework or some pillars.

    Assigning again changes the pillars. The appraiser must hold the appraiser role and the unit
    must be in one of the period's groups; the pillars are codes of that group's framework.
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
    wanted = set(pillars)
    unknown = sorted(wanted - set(known))
    if unknown:
        raise AppraisalError(
            _("The framework of %(unit)s has no pillar %(codes)s.")
            % {"unit": unit.name, "codes": ", ".join(unknown)}
        )
    # Every pillar is the whole framework, which also covers pillars added later: store it so.
    chosen = [] if wanted == set(known) else [code for code in known if code in wanted]
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
