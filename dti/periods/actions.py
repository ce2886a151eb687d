"""Every change to a period goes through these actions, each audited."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from dti.audit.trail import Actor, record
from dti.frameworks.models import Framework
from dti.periods.models import Period, PeriodGroup, PeriodUnit, Reopening
from dti.units.models import Unit


class PeriodError(Exception):
    """An action that the period's state does not allow; the message says why, for the user."""


def _period_state(period: Period) -> dict[str, Any]:
    return {
        "year": period.year,
        "name": period.name,
        "status": period.status,
        "data_start": period.data_start,
        "data_end": period.data_end,
        "submission_deadline": period.submission_deadline,
        "appraisal_deadline": period.appraisal_deadline,
        "explanation_deadline": period.explanation_deadline,
        "final_deadline": period.final_deadline,
        "publication_date": period.publication_date,
    }


DATE_FIELDS = (
    "data_start",
    "data_end",
    "submission_deadline",
    "appraisal_deadline",
    "explanation_deadline",
    "final_deadline",
    "publication_date",
)


def check_dates(values: dict[str, Any]) -> list[str]:
    """The dates of a period, in order: the data window, then each deadline after the one before."""
    problems = []
    if (
        values.get("data_start")
        and values.get("data_end")
        and values["data_start"] > values["data_end"]
    ):
        problems.append(_("The data window must start before it ends."))
    previous: datetime.date | None = None
    for name in DATE_FIELDS[2:]:
        day = values.get(name)
        if day is None:
            continue
        if previous is not None and day < previous:
            problems.append(
                _(
                    "The deadlines must follow one another: submission, appraisal, explanations, final appraisal, publication."
                )
            )
            break
        previous = day
    return problems


@transaction.atomic
def create_period(actor: Actor, **fields: Any) -> Period:
    """Create a period in draft; the administrator then sets its groups and opens it."""
    problems = check_dates(fields)
    if problems:
        raise PeriodError(" ".join(problems))
    period = Period.objects.create(status=Period.Status.DRAFT, **fields)
    record(actor, "period.create", period, before=None, after=_period_state(period))
    return period


@transaction.atomic
def update_period(actor: Actor, period: Period, **fields: Any) -> Period:
    """Change a period's name, data window or deadlines (not its status: see ``move_period``)."""
    period = Period.objects.select_for_update().get(pk=period.pk)
    before = _period_state(period)
    merged = {**before, **fields}
    problems = check_dates(merged)
    if problems:
        raise PeriodError(" ".join(problems))
    for name, value in fields.items():
        setattr(period, name, value)
    period.save()
    record(actor, "period.update", period, before=before, after=_period_state(period))
    return period


@transaction.atomic
def set_group(
    actor: Actor,
    period: Period,
    number: int,
    name: str,
    framework: Framework,
    units: Iterable[Unit],
) -> PeriodGroup:
    """Set a group of the period: its name, its framework version and its units (draft only)."""
    period = Period.objects.select_for_update().get(pk=period.pk)
    if period.status != Period.Status.DRAFT:
        raise PeriodError(_("The groups of a period can be changed only while it is a draft."))
    units = list(units)
    taken = PeriodUnit.objects.filter(period=period, unit__in=units).exclude(group__number=number)
    if taken.exists():
        names = ", ".join(sorted(m.unit.name for m in taken.select_related("unit")))
        raise PeriodError(
            _("These units are already in another group of this period: %(names)s")
            % {"names": names}
        )
    group = PeriodGroup.objects.filter(period=period, number=number).first()
    before = None
    if group is not None:
        before = {
            "name": group.name,
            "framework": f"{group.framework.code} v{group.framework.version}",
            "units": sorted(group.units.values_list("name", flat=True)),
        }
        group.name, group.framework = name, framework
        group.save()
        group.memberships.all().delete()
    else:
        group = PeriodGroup.objects.create(
            period=period, number=number, name=name, framework=framework
        )
    PeriodUnit.objects.bulk_create(
        PeriodUnit(period=period, group=group, unit=unit) for unit in units
    )
    after = {
        "name": name,
        "framework": f"{framework.code} v{framework.version}",
        "units": sorted(u.name for u in units),
    }
    record(actor, "period.group", group, before=before, after=after)
    return group


@transaction.atomic
def move_period(actor: Actor, period: Period, to_status: str, reason: str = "") -> Period:
    """Move a period to its next status (draft → open → appraisal → … → published)."""
    period = Period.objects.select_for_update().get(pk=period.pk)
    if to_status != period.next_status:
        raise PeriodError(
            _(
                "A period moves one step at a time: from “%(current)s” it can only go to the next step."
            )
            % {"current": period.get_status_display()}
        )
    if to_status == Period.Status.OPEN:
        groups = list(period.groups.all())
        if not groups:
            raise PeriodError(
                _(
                    "Set at least one group, with its framework and units, before opening the period."
                )
            )
        empty = [g.name for g in groups if not g.memberships.exists()]
        if empty:
            raise PeriodError(
                _("These groups have no units yet: %(names)s") % {"names": ", ".join(empty)}
            )
    if to_status == Period.Status.APPROVED:
        from dti.appraisal.actions import unfinished_units

        waiting = unfinished_units(period)
        if waiting:
            raise PeriodError(
                _("The appraisal of these units is not finalised yet: %(names)s")
                % {"names": ", ".join(waiting)}
            )
    if to_status == Period.Status.PUBLISHED and not period.results.exists():
        raise PeriodError(_("There are no results to publish: no unit's appraisal was finalised."))
    before = period.status
    period.status = to_status
    period.save(update_fields=["status"])
    record(
        actor,
        "period.status",
        period,
        before={"status": before},
        after={"status": to_status},
        reason=reason,
    )
    if to_status == Period.Status.APPROVED:
        # The results are computed from the finalised appraisals, ranked and classified.
        from dti.results.actions import compute_results

        compute_results(actor, period)
    return period


@transaction.atomic
def reopen_unit(
    actor: Actor, period: Period, unit: Unit, until: datetime.datetime, reason: str
) -> Reopening:
    """Let one unit edit after the submission deadline, until ``until``; a reason is required."""
    if not reason.strip():
        raise PeriodError(_("Say why the unit may edit after the deadline."))
    if period.status != Period.Status.OPEN:
        raise PeriodError(
            _("A unit can be reopened only while the period is open for self-assessment.")
        )
    if not PeriodUnit.objects.filter(period=period, unit=unit).exists():
        raise PeriodError(_("This unit is not assessed in this period."))
    reopening = Reopening.objects.create(
        period=period, unit=unit, until=until, reason=reason.strip(), created_by=actor.user
    )
    # A submitted assessment becomes editable again (the reopening says until when).
    from dti.assessments.models import Assessment

    reopened = Assessment.objects.filter(
        period=period, unit=unit, status=Assessment.Status.SUBMITTED
    ).update(status=Assessment.Status.DRAFT)
    record(
        actor,
        "period.reopen",
        reopening,
        before=None,
        after={"unit": unit.name, "until": until, "assessment_reopened": bool(reopened)},
        reason=reason,
    )
    return reopening
