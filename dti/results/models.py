"""A period's results: computed when the appraisal is approved, frozen once published.

``UnitResult`` rows are written only by ``actions.compute_results`` from the finalised
appraisals, through the scoring package; pages, exports and the public site read them.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _

from dti.frameworks.models import Framework
from dti.periods.models import Period, PeriodGroup
from dti.units.models import Unit


class ResultSettings(models.Model):
    """A period's classification bands (xếp loại): each a label and the least share of the
    group's maximum, in percent, that earns it — e.g. Xuất sắc from 90 %, Tốt from 80 %."""

    period = models.OneToOneField(Period, on_delete=models.CASCADE, related_name="result_settings")
    bands = models.JSONField(_("classification bands"), default=list, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("result settings")
        verbose_name_plural = _("result settings")

    def __str__(self) -> str:
        return str(self.period)


class UnitResult(models.Model):
    """One unit's appraised result in a period: totals, pillars with ranks, and every
    criterion's score (``scores``: code → points as text, None where not applicable)."""

    period = models.ForeignKey(Period, on_delete=models.CASCADE, related_name="results")
    group = models.ForeignKey(PeriodGroup, on_delete=models.CASCADE, related_name="results")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="results")
    assessment = models.OneToOneField(
        "assessments.Assessment", on_delete=models.PROTECT, related_name="result"
    )
    total = models.DecimalField(_("total"), max_digits=9, decimal_places=2)
    maximum = models.DecimalField(_("maximum"), max_digits=9, decimal_places=2)
    dti = models.DecimalField(_("DTI value"), max_digits=6, decimal_places=4)
    self_total = models.DecimalField(_("self-assessed total"), max_digits=9, decimal_places=2)
    rank = models.PositiveIntegerField(_("rank"), null=True)
    group_size = models.PositiveIntegerField(_("units ranked"))
    band = models.CharField(_("classification"), max_length=100, blank=True)
    #: [{"code", "title", "score", "max", "rank"}] in framework order (scores as text)
    pillars = models.JSONField(default=list)
    #: every scored criterion: code → appraised points as text (None: not applicable)
    scores = models.JSONField(default=dict)
    #: every scored criterion: code → self-assessed points as text
    self_scores = models.JSONField(default=dict)
    computed_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["period", "group__number", "rank", "unit__position", "unit__name"]
        constraints = [
            models.UniqueConstraint(fields=["period", "unit"], name="one_result_per_unit")
        ]
        verbose_name = _("unit result")
        verbose_name_plural = _("unit results")

    def __str__(self) -> str:
        return f"{self.unit} — {self.period}: {self.total}"

    def pillar(self, code: str) -> dict[str, Any] | None:
        return next((p for p in self.pillars if p["code"] == code), None)

    def score_of(self, code: str) -> Decimal | None:
        value = self.scores.get(code)
        return None if value is None else Decimal(value)


class FrameworkMapping(models.Model):
    """How the criteria of one framework carry over to the next year's (ánh xạ tiêu chí):
    ``links`` maps a criterion code of ``newer`` to the code it continues in ``older``.
    A criterion missing from ``links`` has no counterpart last year and is shown as such."""

    older = models.ForeignKey(Framework, on_delete=models.CASCADE, related_name="+")
    newer = models.ForeignKey(Framework, on_delete=models.CASCADE, related_name="+")
    links = models.JSONField(_("criteria carried over"), default=dict, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["older", "newer"], name="one_mapping_per_pair")
        ]
        verbose_name = _("framework mapping")
        verbose_name_plural = _("framework mappings")

    def __str__(self) -> str:
        return f"{self.older} → {self.newer}"
