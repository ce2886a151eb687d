"""The steering committee's yearly plan: its targets, its tasks and the quarterly progress reports.

A plan (Kế hoạch hoạt động của Ban Chỉ đạo năm …) holds targets (chỉ tiêu: “≥ 80 % of the
population has a smartphone”) and tasks (nhiệm vụ: “Phổ cập danh tính điện tử toàn dân”), each
led by a member of the committee. The lead member reports progress every quarter, by the plan's
report day of the quarter's last month (the 10th by default).
"""

from __future__ import annotations

import datetime
import secrets

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from dti.steering import measures

#: The report day must exist in every quarter's last month (March, June, September, December).
MAX_REPORT_DAY = 30


class SteeringPlan(models.Model):
    """A steering committee's plan for one year (Kế hoạch hoạt động của Ban Chỉ đạo năm …)."""

    name = models.CharField(_("name"), max_length=300)
    year = models.PositiveIntegerField(_("year"), unique=True)
    report_day = models.PositiveSmallIntegerField(
        _("report day"),
        default=10,
        validators=[MinValueValidator(1), MaxValueValidator(MAX_REPORT_DAY)],
        help_text=_("Quarterly reports are due by this day of the last month of each quarter."),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-year"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(report_day__gte=1, report_day__lte=MAX_REPORT_DAY),
                name="steering_plan_report_day",
            )
        ]
        verbose_name = _("steering plan")
        verbose_name_plural = _("steering plans")

    def __str__(self) -> str:
        return self.name


class State(models.TextChoices):
    """Where a target or a task stands: only active ones are expected to report."""

    ACTIVE = "active", _("In progress")
    DONE = "done", _("Finished")
    CANCELLED = "cancelled", _("Cancelled")


class Item(models.Model):
    """What targets and tasks share: the plan, a code, the lead member and units, a state."""

    plan = models.ForeignKey(SteeringPlan, on_delete=models.CASCADE, related_name="+")
    code = models.CharField(_("code"), max_length=20)
    position = models.PositiveIntegerField(_("order"), default=0)
    lead_member = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("lead member"),
    )
    lead_unit = models.CharField(_("lead unit"), max_length=300, blank=True)
    coordinating = models.TextField(_("coordinating units"), blank=True)
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.ACTIVE)
    updated_at = models.DateTimeField(auto_now=True)

    KIND = ""

    class Meta:
        abstract = True
        ordering = ["position", "pk"]

    @property
    def active(self) -> bool:
        return self.state == State.ACTIVE

    @property
    def year_end(self) -> datetime.date:
        return datetime.date(self.plan.year, 12, 31)


class Target(Item):
    """A target of the plan (chỉ tiêu): an indicator and the value it must reach by its deadline.

    The value is kept as data — comparator, value, upper value of a range, unit — so that a
    reported figure can be checked against it; ``target_text`` writes it as the plan does
    (“≥ 80 %”, “100 %”, “55–60 %”).
    """

    KIND = "target"

    plan = models.ForeignKey(SteeringPlan, on_delete=models.CASCADE, related_name="targets")
    section = models.CharField(_("group"), max_length=300, blank=True)
    indicator = models.TextField(_("indicator"))
    comparator = models.CharField(
        _("comparator"), max_length=8, choices=measures.Comparator.choices()
    )
    value = models.DecimalField(_("target value"), max_digits=14, decimal_places=4)
    value_max = models.DecimalField(
        _("upper end of the range"), max_digits=14, decimal_places=4, null=True, blank=True
    )
    unit = models.CharField(_("unit of measure"), max_length=50, blank=True, default="%")
    deadline = models.DateField(
        _("deadline"), null=True, blank=True, help_text=_("Blank: the end of the plan's year.")
    )

    class Meta(Item.Meta):
        constraints = [
            models.UniqueConstraint(fields=["plan", "code"], name="steering_target_code"),
            models.CheckConstraint(
                condition=models.Q(comparator="range", value_max__isnull=False)
                | models.Q(~models.Q(comparator="range"), value_max__isnull=True),
                name="steering_target_range",
            ),
        ]
        verbose_name = _("target")
        verbose_name_plural = _("targets")

    def __str__(self) -> str:
        return f"{self.code} {self.indicator}"[:200]

    @property
    def measure(self) -> measures.Measure:
        return measures.Measure(
            measures.Comparator(self.comparator), self.value, self.value_max, self.unit
        )

    @property
    def target_text(self) -> str:
        return measures.format_measure(self.measure)

    @property
    def due(self) -> datetime.date:
        """The deadline, or the end of the plan's year."""
        return self.deadline or self.year_end


class Task(Item):
    """A task of the plan (nhiệm vụ): what a lead member must see done, by a date or every year."""

    KIND = "task"

    class Timing(models.TextChoices):
        DATE = "date", _("By a date")
        YEARLY = "yearly", _("Every year")
        ROADMAP = "roadmap", _("According to the roadmap")

    plan = models.ForeignKey(SteeringPlan, on_delete=models.CASCADE, related_name="tasks")
    title = models.CharField(_("task"), max_length=500)
    description = models.TextField(_("description"), blank=True)
    timing = models.CharField(
        _("timing"), max_length=10, choices=Timing.choices, default=Timing.DATE
    )
    deadline = models.DateField(_("deadline"), null=True, blank=True)

    class Meta(Item.Meta):
        constraints = [
            models.UniqueConstraint(fields=["plan", "code"], name="steering_task_code"),
            models.CheckConstraint(
                condition=models.Q(timing="date", deadline__isnull=False)
                | models.Q(~models.Q(timing="date"), deadline__isnull=True),
                name="steering_task_deadline",
            ),
        ]
        verbose_name = _("task")
        verbose_name_plural = _("tasks")

    def __str__(self) -> str:
        return f"{self.code}. {self.title}"[:200]

    @property
    def recurring(self) -> bool:
        return self.timing != self.Timing.DATE

    @property
    def due(self) -> datetime.date:
        """The deadline; a recurring task runs to the end of the plan's year."""
        return self.deadline or self.year_end


def evidence_path(instance: ProgressReport, filename: str) -> str:
    """Files are stored under random names; the original name is kept in the record only."""
    return f"steering/{secrets.token_hex(16)}"


class ProgressReport(models.Model):
    """A lead member's report on a target or a task for one quarter of the plan's year (báo cáo quý).

    One per item and quarter: a later report on the same quarter updates it (audited).
    """

    target = models.ForeignKey(
        Target, null=True, blank=True, on_delete=models.CASCADE, related_name="reports"
    )
    task = models.ForeignKey(
        Task, null=True, blank=True, on_delete=models.CASCADE, related_name="reports"
    )
    year = models.PositiveIntegerField(_("year"))
    quarter = models.PositiveSmallIntegerField(
        _("quarter"), validators=[MinValueValidator(1), MaxValueValidator(4)]
    )
    value = models.DecimalField(
        _("value reached"), max_digits=14, decimal_places=4, null=True, blank=True
    )
    narrative = models.TextField(_("progress and difficulties"))
    evidence_file = models.FileField(
        _("evidence file"), upload_to=evidence_path, blank=True, max_length=300
    )
    evidence_name = models.CharField(_("file name"), max_length=255, blank=True)
    evidence_type = models.CharField(_("file type"), max_length=100, blank=True)
    evidence_size = models.PositiveBigIntegerField(_("size"), default=0)
    evidence_sha256 = models.CharField(max_length=64, blank=True)
    evidence_url = models.URLField(_("evidence link"), max_length=1000, blank=True)
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("reported by"),
    )
    reported_at = models.DateTimeField(_("reported at"))

    class Meta:
        ordering = ["year", "quarter", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(target__isnull=False, task__isnull=True)
                | models.Q(target__isnull=True, task__isnull=False),
                name="steering_report_one_item",
            ),
            models.CheckConstraint(
                condition=models.Q(quarter__gte=1, quarter__lte=4), name="steering_report_quarter"
            ),
            models.UniqueConstraint(
                fields=["target", "year", "quarter"],
                condition=models.Q(target__isnull=False),
                name="steering_report_target_quarter",
            ),
            models.UniqueConstraint(
                fields=["task", "year", "quarter"],
                condition=models.Q(task__isnull=False),
                name="steering_report_task_quarter",
            ),
        ]
        verbose_name = _("progress report")
        verbose_name_plural = _("progress reports")

    def __str__(self) -> str:
        return f"{self.item} — Q{self.quarter}/{self.year}"

    @property
    def item(self) -> Target | Task:
        item = self.target if self.target_id else self.task
        assert item is not None  # noqa: S101 (the check constraint)
        return item
