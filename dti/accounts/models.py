from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _

from dti.units.models import Department, Unit


class User(AbstractUser):
    """A person who signs in. Accounts are created by the administrator only."""

    full_name = models.CharField(_("full name"), max_length=200)
    position = models.CharField(_("job title"), max_length=200, blank=True)
    phone = models.CharField(_("phone"), max_length=50, blank=True)
    must_change_password = models.BooleanField(_("must change password"), default=False)
    failed_logins = models.PositiveSmallIntegerField(_("failed sign-ins"), default=0)
    locked_until = models.DateTimeField(_("locked until"), null=True, blank=True)
    totp_secret = models.CharField(_("two-factor secret"), max_length=64, blank=True)
    totp_enabled = models.BooleanField(_("two-factor sign-in"), default=False)
    totp_last_step = models.BigIntegerField(default=0)

    REQUIRED_FIELDS = ["email", "full_name"]

    class Meta:
        ordering = ["full_name", "username"]
        verbose_name = _("person")
        verbose_name_plural = _("people")

    def __str__(self) -> str:
        return self.full_name or self.username


class Role(models.Model):
    """A role a person holds, in a scope: one person may hold several (vai trò)."""

    class Kind(models.TextChoices):
        ADMIN = "admin", _("Administrator")
        APPRAISER = "appraiser", _("Appraiser")
        DATA_OFFICER = "data_officer", _("Unit data officer")
        LEADER = "leader", _("Unit leader")
        DEPARTMENT_STAFF = "department_staff", _("Department staff")
        STEERING = "steering", _("Steering-committee member")

    UNIT_KINDS = (Kind.DATA_OFFICER, Kind.LEADER, Kind.DEPARTMENT_STAFF)

    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="roles", verbose_name=_("person")
    )
    kind = models.CharField(_("role"), max_length=20, choices=Kind.choices)
    unit = models.ForeignKey(
        Unit,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="roles",
        verbose_name=_("unit"),
    )
    department = models.ForeignKey(
        Department,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="roles",
        verbose_name=_("department"),
    )
    is_chair = models.BooleanField(_("chair of the council"), default=False)

    class Meta:
        ordering = ["user", "kind"]
        constraints = [
            # One role of a kind per scope (NULL scopes never compare equal, hence three constraints).
            models.UniqueConstraint(
                fields=["user", "kind"],
                condition=models.Q(unit__isnull=True),
                name="role_unique_global",
            ),
            models.UniqueConstraint(
                fields=["user", "kind", "unit"],
                condition=models.Q(unit__isnull=False, department__isnull=True),
                name="role_unique_unit",
            ),
            models.UniqueConstraint(
                fields=["user", "kind", "department"],
                condition=models.Q(department__isnull=False),
                name="role_unique_department",
            ),
            models.CheckConstraint(
                condition=models.Q(
                    kind__in=["data_officer", "leader", "department_staff"], unit__isnull=False
                )
                | models.Q(
                    ~models.Q(kind__in=["data_officer", "leader", "department_staff"]),
                    unit__isnull=True,
                ),
                name="role_unit_scope",
            ),
            models.CheckConstraint(
                condition=models.Q(kind="department_staff", department__isnull=False)
                | models.Q(~models.Q(kind="department_staff"), department__isnull=True),
                name="role_department_scope",
            ),
        ]
        verbose_name = _("role")
        verbose_name_plural = _("roles")

    def __str__(self) -> str:
        scope = self.department or self.unit
        label = self.get_kind_display()
        if self.is_chair:
            label = f"{label} ({_('chair')})"
        return f"{label} — {scope}" if scope else str(label)


class SecurityPolicy(models.Model):
    """Site-wide sign-in rules the administrator sets (one row)."""

    require_totp_for_staff = models.BooleanField(
        _("require two-factor sign-in for administrators and appraisers"), default=False
    )

    class Meta:
        verbose_name = _("security policy")

    def __str__(self) -> str:
        return str(_("security policy"))

    @classmethod
    def current(cls) -> SecurityPolicy:
        policy, _created = cls.objects.get_or_create(pk=1)
        return policy
