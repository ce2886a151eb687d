"""Shared setup for the self-assessment tests: an open period, unit A's assessment, and the
people who act on it. Test modules import it as ``from helpers import AssessmentCase``."""

from __future__ import annotations

import datetime
from typing import Any

from django.conf import settings
from django.test import Client

from dti.accounts.access import Access
from dti.accounts.models import Role
from dti.assessments import actions
from dti.assessments.models import Answer, Assessment
from dti.audit.trail import Actor
from dti.frameworks.models import Criterion, Framework
from dti.periods import actions as period_actions


class AssessmentCase:
    """A ``year`` period (2024 unless told) open for self-assessment, with unit A and unit B in
    group 1 on the built-in framework ``code``, and unit A's assessment."""

    def __init__(
        self, personas: Any, frameworks: dict[str, Any], code: str = "bacninh-so", year: int = 2024
    ) -> None:
        self.personas = personas
        self.admin = Actor(personas.users["admin"], "admin")
        self.framework: Framework = frameworks[code]
        self.period = period_actions.create_period(
            self.admin,
            year=year,
            name=f"DTI {year}",
            data_start=datetime.date(year - 1, 10, 1),
            data_end=datetime.date(year, 9, 30),
            submission_deadline=datetime.date(2030, 10, 10),
        )
        self.group = period_actions.set_group(
            self.admin, self.period, 1, "Nhóm 1", self.framework, [personas.unit_a, personas.unit_b]
        )
        self.period = period_actions.move_period(self.admin, self.period, "open")
        self.assessment = Assessment.objects.create(
            period=self.period, unit=personas.unit_a, group=self.group
        )

    def who(self, name: str) -> tuple[Actor, Access]:
        """The persona as the audit trail records them, and what they may do."""
        user = self.personas.users[name]
        return Actor(user, name), Access(
            user, list(Role.objects.filter(user=user).select_related("unit"))
        )

    def criterion(self, code: str) -> Criterion:
        return Criterion.objects.get(framework=self.framework, code=code)

    def save(
        self,
        name: str,
        code: str,
        inputs: dict[str, Any],
        version: int | None = None,
        note: str = "",
    ) -> Answer:
        """Save an answer on unit A's assessment as ``name``: on top of ``version`` if given,
        else on top of the answer as it stands (version 0 when there is none yet)."""
        if version is None:
            answer = Answer.objects.filter(assessment=self.assessment, criterion__code=code).first()
            version = answer.version if answer else 0
        actor, access = self.who(name)
        return actions.save_answer(
            actor, access, self.assessment, self.criterion(code), inputs, note, version
        )

    def assign(self, codes: list[str]) -> None:
        """The data officer gives ``codes`` to unit A's Văn phòng (staff_a's), alone."""
        actor, access = self.who("officer_a")
        actions.assign_criteria(
            actor,
            access,
            self.assessment,
            [self.criterion(c) for c in codes],
            self.personas.department_a,
            [],
        )

    def client(self, name: str = "officer_a", language: str = "en") -> Client:
        """The persona's signed-in browser, reading English (the msgids the tests check) unless
        told otherwise, e.g. Vietnamese for the decimal comma."""
        client: Client = self.personas.client(name)
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
        return client
