"""A framework stored in the database: one row per version, one row per criterion.

A version never changes once imported; importing an edited file makes the next
version, so a period run on a version keeps its results.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _

from dti.scoring.model import LEVELS, NA_POLICIES

LEVEL_LABELS = {
    "department": _("Department level (sở, ban, ngành)"),
    "district": _("District level (huyện, thị xã, thành phố)"),
    "commune": _("Commune level (xã, phường)"),
    "agency": _("Agency"),
    "website": _("Website"),
    "other": _("Other"),
}
NA_POLICY_LABELS = {
    "exclude": _("exclude and rescale"),
    "full": _("full marks"),
}


class Framework(models.Model):
    """A framework version (bộ chỉ số), e.g. the Bắc Ninh department level, version 1."""

    code = models.SlugField(_("code"), max_length=100)
    version = models.PositiveIntegerField(_("version"), default=1)
    name = models.CharField(_("name"), max_length=500)
    level = models.CharField(
        _("level"), max_length=20, choices=[(v, LEVEL_LABELS[v]) for v in LEVELS]
    )
    year = models.PositiveIntegerField(_("year"), null=True, blank=True)
    legal_number = models.CharField(_("decision number"), max_length=200, blank=True)
    legal_date = models.DateField(_("decision date"), null=True, blank=True)
    legal_issuer = models.CharField(_("issued by"), max_length=300, blank=True)
    legal_title = models.TextField(_("decision title"), blank=True)
    description = models.TextField(_("description"), blank=True)
    stated_total = models.DecimalField(
        _("stated total"), max_digits=9, decimal_places=2, null=True, blank=True
    )
    total_max = models.DecimalField(_("total of the criteria"), max_digits=9, decimal_places=2)
    leaf_count = models.PositiveIntegerField(_("scored criteria"))
    na_policy = models.CharField(
        _("not-applicable policy"),
        max_length=10,
        choices=[(v, NA_POLICY_LABELS[v]) for v in NA_POLICIES],
    )
    classification = models.JSONField(_("classification bands"), default=list, blank=True)
    general_info = models.JSONField(_("general-information fields"), default=list, blank=True)
    report = models.JSONField(_("validation report"), default=list, blank=True)
    source_name = models.CharField(_("imported from"), max_length=300, blank=True)
    builtin = models.BooleanField(_("built in"), default=False)
    imported_at = models.DateTimeField(_("imported at"), auto_now_add=True)

    class Meta:
        ordering = ["code", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["code", "version"], name="framework_code_version")
        ]
        verbose_name = _("framework")
        verbose_name_plural = _("frameworks")

    def __str__(self) -> str:
        return f"{self.name} (v{self.version})"

    @property
    def warning_count(self) -> int:
        return sum(1 for p in self.report if p["level"] == "warning")

    @property
    def note_count(self) -> int:
        return sum(1 for p in self.report if p["level"] == "note")


class Criterion(models.Model):
    """One criterion of a framework version (chỉ số chính / chỉ số thành phần / tiêu chí)."""

    framework = models.ForeignKey(Framework, on_delete=models.CASCADE, related_name="criteria")
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    position = models.PositiveIntegerField(_("position"))
    depth = models.PositiveSmallIntegerField(_("depth"))
    code = models.CharField(_("code"), max_length=100)
    printed = models.CharField(_("number as printed"), max_length=100, blank=True)
    title = models.TextField(_("title"))
    max_points = models.DecimalField(
        _("maximum points"), max_digits=9, decimal_places=2, null=True, blank=True
    )
    effective_max = models.DecimalField(_("points carried"), max_digits=9, decimal_places=2)
    announced_max = models.DecimalField(
        _("announced points"), max_digits=9, decimal_places=2, null=True, blank=True
    )
    rule_type = models.CharField(_("rule"), max_length=20, blank=True)
    rule_params = models.JSONField(_("rule parameters"), default=dict, blank=True)
    evidence = models.TextField(_("evidence guidance"), blank=True)
    notes = models.TextField(_("notes"), blank=True)
    na_allowed = models.BooleanField(_("may be not applicable"), default=False)
    lead = models.CharField(_("lead department"), max_length=300, blank=True)
    coordinating = models.CharField(_("coordinating departments"), max_length=500, blank=True)

    class Meta:
        ordering = ["framework", "position"]
        constraints = [
            models.UniqueConstraint(fields=["framework", "code"], name="criterion_code_unique")
        ]
        verbose_name = _("criterion")
        verbose_name_plural = _("criteria")

    def __str__(self) -> str:
        return f"{self.code} {self.title[:80]}"

    @property
    def is_leaf(self) -> bool:
        return bool(self.rule_type)

    def rule_document(self) -> Any:
        if not self.rule_params:
            return self.rule_type
        return {"type": self.rule_type, **self.rule_params}

    @property
    def max_display(self) -> Decimal | None:
        return self.max_points if self.max_points is not None else self.effective_max
