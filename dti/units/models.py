from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Unit(models.Model):
    """A unit assessed by the index (đơn vị): a department, a district or a commune."""

    class Kind(models.TextChoices):
        DEPARTMENT = "department", _("Department, board or sector agency (sở, ban, ngành)")
        DISTRICT = "district", _("District, town or city (UBND huyện, thị xã, thành phố)")
        COMMUNE = "commune", _("Commune or ward (UBND xã, phường)")
        OTHER = "other", _("Other agency")

    name = models.CharField(_("name"), max_length=300, unique=True)
    code = models.SlugField(_("short code"), max_length=60, unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent unit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    merged_into = models.ForeignKey(
        "self",
        verbose_name=_("merged into"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="merged_from",
    )
    merged_on = models.DateField(_("merged on"), null=True, blank=True)
    position = models.PositiveIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["position", "name"]
        verbose_name = _("unit")
        verbose_name_plural = _("units")

    def __str__(self) -> str:
        return self.name

    def is_merged(self, on: object = None) -> bool:
        """True once the unit has been merged into another (from ``merged_on``)."""
        if self.merged_into_id is None:
            return False
        return self.merged_on is None or on is None or self.merged_on <= on  # type: ignore[operator]


class Department(models.Model):
    """An internal department of a unit (phòng chuyên môn: Văn phòng, Thanh tra, Phòng KHTH …)."""

    unit = models.ForeignKey(
        Unit, on_delete=models.CASCADE, related_name="departments", verbose_name=_("unit")
    )
    name = models.CharField(_("name"), max_length=200)
    position = models.PositiveIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["unit", "position", "name"]
        constraints = [
            models.UniqueConstraint(fields=["unit", "name"], name="department_name_unique")
        ]
        verbose_name = _("department")
        verbose_name_plural = _("departments")

    def __str__(self) -> str:
        return f"{self.name} — {self.unit.name}"
