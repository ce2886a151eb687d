from __future__ import annotations

import datetime
from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone
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


class Review(models.Model):
    """The council's appraisal of one unit's submitted self-assessment (hồ sơ thẩm định).

    ``flags`` are the automated checks' findings, stored when the unit submits (and again when an
    appraiser runs the checks anew), as ``checks.flag_to_json`` writes them. Once the chair
    finalises it, the unit sees the appraised scores and the reasons; nothing changes afterwards.
    """

    class Status(models.TextChoices):
        IN_PROGRESS = "in_progress", _("Being appraised")
        FINALISED = "finalised", _("Finalised")

    assessment = models.OneToOneField(
        "assessments.Assessment", on_delete=models.PROTECT, related_name="review"
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.IN_PROGRESS
    )
    flags = models.JSONField(_("automated checks"), default=list, blank=True)
    checked_at = models.DateTimeField(_("checked at"), null=True, blank=True)
    self_total = models.DecimalField(
        _("self-assessed total"), max_digits=9, decimal_places=2, null=True, blank=True
    )
    appraised_total = models.DecimalField(
        _("appraised total"), max_digits=9, decimal_places=2, null=True, blank=True
    )
    finalised_at = models.DateTimeField(_("finalised at"), null=True, blank=True)
    finalised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("appraisal")
        verbose_name_plural = _("appraisals")

    def __str__(self) -> str:
        return str(self.assessment)

    @property
    def is_final(self) -> bool:
        return self.status == self.Status.FINALISED


class Decision(models.Model):
    """The council's decision on one criterion: accept the unit's figures, correct them, or set
    the score outright. A correction always carries its reason, which the unit reads once the
    appraisal is finalised. ``score`` is the appraised score of the leaf as it stood when decided."""

    class Kind(models.TextChoices):
        ACCEPTED = "accepted", _("Accepted")
        CORRECTED = "corrected", _("Figures corrected")
        SCORED = "scored", _("Score set")

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="decisions")
    criterion = models.ForeignKey(
        "frameworks.Criterion", on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(_("decision"), max_length=20, choices=Kind.choices)
    inputs = models.JSONField(_("corrected figures"), default=dict, blank=True)
    score = models.DecimalField(
        _("appraised score"), max_digits=9, decimal_places=2, null=True, blank=True
    )
    reason = models.TextField(_("reason"), blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(_("decided at"))
    version = models.PositiveIntegerField(default=1)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["review", "criterion"], name="one_decision_per_criterion"
            )
        ]
        verbose_name = _("decision")
        verbose_name_plural = _("decisions")

    def __str__(self) -> str:
        return f"{self.review} — {self.criterion.code}: {self.kind}"


class Round(models.Model):
    """An explanation round (đợt giải trình, bổ sung): the questions sent to the unit together,
    numbered from 1 per unit, open until the end of ``due`` (local time) or until the unit sends
    its answers."""

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="rounds")
    number = models.PositiveSmallIntegerField(_("round"))
    due = models.DateField(_("answer by"))
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    sent_at = models.DateTimeField(_("sent at"))
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    answered_at = models.DateTimeField(_("answers sent at"), null=True, blank=True)

    class Meta:
        ordering = ["review", "number"]
        constraints = [
            models.UniqueConstraint(fields=["review", "number"], name="round_number_unique")
        ]
        verbose_name = _("explanation round")
        verbose_name_plural = _("explanation rounds")

    def __str__(self) -> str:
        return f"{self.review} — {self.number}"

    def is_open(self, now: datetime.datetime | None = None) -> bool:
        """Can the unit still answer? Until it sends its answers, or the due day ends."""
        from dti.periods.deadlines import closes_at

        now = now or timezone.now()
        return self.answered_at is None and now < closes_at(self.due)


class Message(models.Model):
    """One message of a criterion's thread: the council's question (giải trình or bổ sung) or the
    unit's answer. A question with no round is a draft the unit cannot see yet; it is sent with
    the next round. ``resolved_at`` is set when the appraiser decides on the criterion after it."""

    class Kind(models.TextChoices):
        QUESTION = "question", _("Question from the council")
        ANSWER = "answer", _("Answer from the unit")

    class Asks(models.TextChoices):
        EXPLANATION = "explanation", _("Explanation (giải trình)")
        EVIDENCE = "evidence", _("More evidence (bổ sung)")

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="messages")
    criterion = models.ForeignKey(
        "frameworks.Criterion", on_delete=models.PROTECT, related_name="+"
    )
    round = models.ForeignKey(
        Round, null=True, blank=True, on_delete=models.PROTECT, related_name="messages"
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    asks = models.CharField(_("asks for"), max_length=20, choices=Asks.choices, blank=True)
    text = models.TextField(_("message"))
    evidence = models.ManyToManyField(
        "assessments.Evidence", blank=True, related_name="+", verbose_name=_("evidence")
    )
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("written at"))
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)

    class Meta:
        ordering = ["review", "criterion", "created_at", "id"]
        verbose_name = _("message")
        verbose_name_plural = _("messages")

    def __str__(self) -> str:
        return f"{self.criterion.code}: {self.text[:60]}"
