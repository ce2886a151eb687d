from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from dti.appraisal.checks import resolve
from dti.periods.models import Period
from dti.units.models import Unit


class Assignment(models.Model):
    """An appraiser assigned to a unit in a period (phân công thẩm định).

    ``pillars`` lists the pillar codes of the unit's framework the appraiser checks (a sectoral
    appraiser); empty means the whole framework.
    """

    period = models.ForeignKey(
        Period, on_delete=models.CASCADE, related_name="appraiser_assignments"
    )
    appraiser = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="appraisal_assignments",
        verbose_name=_("appraiser"),
    )
    unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="appraisal_assignments", verbose_name=_("unit")
    )
    pillars = models.JSONField(_("pillars"), default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["period", "unit", "appraiser"]
        constraints = [
            models.UniqueConstraint(
                fields=["period", "appraiser", "unit"], name="one_assignment_per_appraiser_unit"
            )
        ]
        verbose_name = _("appraiser assignment")
        verbose_name_plural = _("appraiser assignments")

    def __str__(self) -> str:
        return f"{self.appraiser} — {self.unit}"


class CheckSettings(models.Model):
    """A period's automated checks: each on or off, with its thresholds (see ``checks.CHECKS``)."""

    period = models.OneToOneField(Period, on_delete=models.CASCADE, related_name="check_settings")
    values = models.JSONField(_("settings"), default=dict, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("check settings")
        verbose_name_plural = _("check settings")

    def __str__(self) -> str:
        label = _("automated checks")
        return f"{self.period} — {label}"

    def resolved(self) -> dict[str, dict[str, Any]]:
        return resolve(self.values)

    @classmethod
    def for_period(cls, period: Period) -> dict[str, dict[str, Any]]:
        """The period's settings, or the defaults when none were saved."""
        stored = cls.objects.filter(period=period).values_list("values", flat=True).first()
        return resolve(stored)
