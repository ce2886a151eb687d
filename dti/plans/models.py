"""A unit's improvement plan (kế hoạch cải thiện, nâng cao chỉ số) and its actions.

A ``Plan`` belongs to one unit and one period whose results are approved; its material (scores,
points lost, self against appraised, ranks) is never copied into it but read from the period's
stored results each time (``dti.plans.material``), so it always quotes them exactly. What the
unit writes is kept here: the document's particulars (number, place, signer) and the
``PlanAction`` rows — what will be done for a criterion or a pillar, by whom, when, and how far
it has got. Every change goes through ``dti.plans.actions``.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from dti.periods.models import Period
from dti.units.models import Unit


class Plan(models.Model):
    """The improvement plan of a unit for a period (kế hoạch cải thiện chỉ số DTI)."""

    period = models.ForeignKey(
        Period, on_delete=models.PROTECT, related_name="plans", verbose_name=_("period")
    )
    unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="plans", verbose_name=_("unit")
    )
    #: the year the plan is for (the results quoted are the period's, usually the year before)
    year = models.PositiveIntegerField(_("year of the plan"))
    #: the governing body printed above the unit's name (cơ quan chủ quản): "UBND TỈNH BẮC NINH"
    superior = models.CharField(_("governing body"), max_length=200, blank=True)
    number = models.CharField(_("number"), max_length=20, blank=True)
    symbol = models.CharField(_("symbol"), max_length=60, blank=True)
    place = models.CharField(_("place"), max_length=100, blank=True)
    issued_on = models.DateField(_("date of issue"), null=True, blank=True)
    signer_title = models.CharField(_("signer's position"), max_length=200, blank=True)
    signer_name = models.CharField(_("signer's name"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-period__year", "unit__position"]
        constraints = [
            models.UniqueConstraint(fields=["period", "unit"], name="one_plan_per_unit_period")
        ]
        verbose_name = _("improvement plan")
        verbose_name_plural = _("improvement plans")

    def __str__(self) -> str:
        return f"{self.unit.name} — {self.period.name}"


class PlanAction(models.Model):
    """One action of a plan (nhiệm vụ, giải pháp): what will be done for a criterion or a pillar
    (``code``), the lead (đơn vị thực hiện) and coordinating units (đơn vị phối hợp), the timing
    (thời gian thực hiện), its status and progress notes."""

    class Status(models.TextChoices):
        NOT_STARTED = "not_started", _("Not started")
        IN_PROGRESS = "in_progress", _("In progress")
        DONE = "done", _("Done")
        DELAYED = "delayed", _("Delayed")

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="actions")
    #: the criterion or pillar addressed, by its code in the period's framework
    code = models.CharField(_("criterion"), max_length=100)
    task = models.TextField(_("what will be done"))
    lead = models.CharField(_("lead unit"), max_length=300)
    coordinating = models.CharField(_("coordinating units"), max_length=500, blank=True)
    #: normalised by ``dti.plans.timing`` ("Quý IV/2024"); ``due`` is its last day
    timing = models.CharField(_("timing"), max_length=60)
    due = models.DateField(_("last day"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.NOT_STARTED
    )
    progress = models.TextField(_("progress notes"), blank=True)
    position = models.PositiveIntegerField(_("order"), default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["plan", "position", "pk"]
        verbose_name = _("plan action")
        verbose_name_plural = _("plan actions")

    def __str__(self) -> str:
        return f"{self.code}: {self.task[:80]}"

    def is_overdue(self, today: datetime.date) -> bool:
        """Not done, and the last day of its timing has passed."""
        return self.status != self.Status.DONE and self.due is not None and self.due < today
