from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from dti.frameworks.models import Criterion
from dti.periods.models import Period, PeriodGroup
from dti.units.models import Department, Unit


class Assessment(models.Model):
    """A unit's self-assessment in a period (bản tự đánh giá), on its group's framework version."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Being filled in")
        SUBMITTED = "submitted", _("Submitted")

    period = models.ForeignKey(Period, on_delete=models.PROTECT, related_name="assessments")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="assessments")
    group = models.ForeignKey(PeriodGroup, on_delete=models.PROTECT, related_name="assessments")
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.DRAFT
    )
    general_info = models.JSONField(_("general information"), default=dict, blank=True)
    general_version = models.PositiveIntegerField(default=0)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["period", "unit"], name="one_assessment_per_period")
        ]
        verbose_name = _("self-assessment")
        verbose_name_plural = _("self-assessments")

    def __str__(self) -> str:
        return f"{self.unit} — {self.period}"


class Answer(models.Model):
    """A unit's figures for one criterion (số liệu), its note, and the score they give."""

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="answers")
    criterion = models.ForeignKey(Criterion, on_delete=models.PROTECT, related_name="+")
    inputs = models.JSONField(_("figures"), default=dict, blank=True)
    note = models.TextField(_("note"), blank=True)
    score = models.DecimalField(_("score"), max_digits=9, decimal_places=2, null=True, blank=True)
    status = models.CharField(_("state"), max_length=20, default="unanswered")
    version = models.PositiveIntegerField(default=0)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    updated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["assessment", "criterion"], name="one_answer_per_criterion"
            )
        ]
        verbose_name = _("answer")
        verbose_name_plural = _("answers")

    def __str__(self) -> str:
        return f"{self.assessment} — {self.criterion.code}"


class Assignment(models.Model):
    """Which department of the unit leads a criterion (chủ trì), and which coordinate (phối hợp)."""

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="assignments")
    criterion = models.ForeignKey(Criterion, on_delete=models.PROTECT, related_name="+")
    lead = models.ForeignKey(
        Department,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("lead department"),
    )
    coordinating = models.ManyToManyField(
        Department, blank=True, related_name="+", verbose_name=_("coordinating departments")
    )
    done = models.BooleanField(_("marked finished by the department"), default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["assessment", "criterion"], name="one_assignment_per_criterion"
            )
        ]
        verbose_name = _("assignment")
        verbose_name_plural = _("assignments")

    def __str__(self) -> str:
        return f"{self.criterion.code} → {self.lead}"


def evidence_path(instance: Evidence, filename: str) -> str:
    """Files are stored under random names; the original name is kept in the record only."""
    return f"evidence/{instance.assessment.period_id}/{instance.assessment.unit_id}/{secrets.token_hex(16)}"


class Evidence(models.Model):
    """A piece of evidence (tài liệu kiểm chứng): a file, a link, or a document reference.

    One piece can support several criteria of the same assessment.
    """

    class Kind(models.TextChoices):
        FILE = "file", _("File")
        LINK = "link", _("Link")
        DOCUMENT = "document", _("Document reference")

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="evidence")
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    criteria = models.ManyToManyField(Criterion, related_name="+", verbose_name=_("criteria"))
    file = models.FileField(_("file"), upload_to=evidence_path, blank=True, max_length=300)
    original_name = models.CharField(_("file name"), max_length=255, blank=True)
    content_type = models.CharField(_("file type"), max_length=100, blank=True)
    size = models.PositiveBigIntegerField(_("size"), default=0)
    sha256 = models.CharField(max_length=64, blank=True)
    url = models.URLField(_("link"), max_length=1000, blank=True)
    doc_number = models.CharField(_("number and symbol"), max_length=200, blank=True)
    doc_date = models.DateField(_("date"), null=True, blank=True)
    doc_issuer = models.CharField(_("issued by"), max_length=300, blank=True)
    summary = models.TextField(_("summary"), blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("evidence")
        verbose_name_plural = _("evidence")

    def __str__(self) -> str:
        if self.kind == self.Kind.FILE:
            return self.original_name
        if self.kind == self.Kind.LINK:
            return self.url
        return " ".join(filter(None, [self.doc_number, self.summary]))[:200]


class Submission(models.Model):
    """A submission signed off by the unit's leader: a frozen snapshot of every figure, score and evidence."""

    assessment = models.ForeignKey(Assessment, on_delete=models.PROTECT, related_name="submissions")
    number = models.PositiveSmallIntegerField(_("submission"))
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    submitted_at = models.DateTimeField(_("submitted at"), auto_now_add=True)
    total = models.DecimalField(_("self-assessed total"), max_digits=9, decimal_places=2)
    snapshot = models.JSONField(_("snapshot"))

    class Meta:
        ordering = ["assessment", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["assessment", "number"], name="submission_number_unique"
            )
        ]
        verbose_name = _("submission")
        verbose_name_plural = _("submissions")

    def __str__(self) -> str:
        return f"{self.assessment} #{self.number}"
