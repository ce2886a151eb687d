from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from dti.frameworks.models import Framework
from dti.units.models import Unit


class Period(models.Model):
    """An evaluation period (kỳ đánh giá), e.g. 2024: its groups, data window and deadlines.

    The status only moves forward, one step at a time, by the administrator's
    actions (``dti.periods.actions``), each written to the audit trail.
    """

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        OPEN = "open", _("Open for self-assessment")
        APPRAISAL = "appraisal", _("Appraisal (round 1)")
        EXPLANATION = "explanation", _("Explanations (round 2)")
        FINAL = "final", _("Final appraisal")
        APPROVED = "approved", _("Approved")
        PUBLISHED = "published", _("Published")

    ORDER = [s.value for s in Status]

    year = models.PositiveIntegerField(_("year"))
    name = models.CharField(_("name"), max_length=300)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.DRAFT
    )
    data_start = models.DateField(_("data window from"))
    data_end = models.DateField(_("data window to"))
    submission_deadline = models.DateField(_("submission deadline"))
    appraisal_deadline = models.DateField(_("appraisal (round 1) deadline"), null=True, blank=True)
    explanation_deadline = models.DateField(
        _("explanation (round 2) deadline"), null=True, blank=True
    )
    final_deadline = models.DateField(_("final appraisal deadline"), null=True, blank=True)
    publication_date = models.DateField(_("publication date"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-year", "name"]
        verbose_name = _("evaluation period")
        verbose_name_plural = _("evaluation periods")

    def __str__(self) -> str:
        return self.name

    @property
    def next_status(self) -> str | None:
        index = self.ORDER.index(self.status)
        return self.ORDER[index + 1] if index + 1 < len(self.ORDER) else None


class PeriodGroup(models.Model):
    """A ranking group of a period (Nhóm 1: sở, ban, ngành …) and the framework it is assessed on.

    The framework is a stored version, which never changes: the period is frozen with it.
    """

    period = models.ForeignKey(
        Period, on_delete=models.CASCADE, related_name="groups", verbose_name=_("period")
    )
    number = models.PositiveSmallIntegerField(_("group number"))
    name = models.CharField(_("name"), max_length=300)
    framework = models.ForeignKey(
        Framework,
        on_delete=models.PROTECT,
        related_name="period_groups",
        verbose_name=_("framework"),
    )
    units = models.ManyToManyField(
        Unit, through="PeriodUnit", related_name="period_groups", verbose_name=_("units")
    )

    class Meta:
        ordering = ["period", "number"]
        constraints = [
            models.UniqueConstraint(fields=["period", "number"], name="group_number_unique")
        ]
        verbose_name = _("group")
        verbose_name_plural = _("groups")

    def __str__(self) -> str:
        return f"{self.period.name} — {self.name}"


class PeriodUnit(models.Model):
    """A unit's place in a period's group: a unit is in one group per period."""

    period = models.ForeignKey(Period, on_delete=models.CASCADE, related_name="memberships")
    group = models.ForeignKey(PeriodGroup, on_delete=models.CASCADE, related_name="memberships")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="memberships")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["period", "unit"], name="one_group_per_period")
        ]
        verbose_name = _("unit of a group")
        verbose_name_plural = _("units of a group")

    def __str__(self) -> str:
        return f"{self.unit} — {self.group}"


class Reopening(models.Model):
    """The administrator lets one unit edit after the submission deadline, until a time, for a reason."""

    period = models.ForeignKey(Period, on_delete=models.CASCADE, related_name="reopenings")
    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="reopenings")
    until = models.DateTimeField(_("open until"))
    reason = models.TextField(_("reason"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("reopening")
        verbose_name_plural = _("reopenings")

    def __str__(self) -> str:
        return f"{self.unit} — {self.until:%d/%m/%Y %H:%M}"
