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


class AppraisalCase(AssessmentCase):
    """Unit A has answered 1.1 yes (20), 1.2 no (0) and 1.3 with 4/4 (10), its leader submitted,
    the period is in appraisal, ``appraiser`` is assigned to unit A, and ``chair`` chairs the
    council. ``review`` is unit A's appraisal."""

    def __init__(
        self,
        personas: Any,
        frameworks: dict[str, Any],
        before_appraisal: Any = None,
        **kwargs: Any,
    ) -> None:
        from dti.accounts.actions import grant_role
        from dti.accounts.models import User
        from dti.appraisal import actions as appraisal_actions
        from dti.appraisal.models import Review

        super().__init__(personas, frameworks, **kwargs)
        chair = User.objects.create_user(
            username="chair", password="mật-khẩu-thử-nghiệm", full_name="Chủ tịch Hội đồng"
        )
        grant_role(self.admin, chair, Role.Kind.APPRAISER, is_chair=True)
        personas.users["chair"] = chair
        self.save("officer_a", "1.1", {"yes": True})
        self.save("officer_a", "1.2", {"yes": False})
        self.save("officer_a", "1.3", {"numerator": 4, "denominator": 4}, note="4/4 hồ sơ")
        actor, access = self.who("leader_a")
        actions.submit_assessment(actor, access, self.assessment)
        if before_appraisal is not None:
            before_appraisal(self)
        self.period = period_actions.move_period(self.admin, self.period, "appraisal")
        self.assessment.refresh_from_db()
        self.assign()
        self.review = Review.objects.get(assessment=self.assessment)
        self._appraisal_actions = appraisal_actions

    def actor(self, name: str) -> Actor:
        return Actor(self.personas.users[name], name)

    def assign(self, pillars: list[str] | None = None, who: str = "appraiser") -> None:
        self._actions().assign_appraiser(
            self.admin, self.period, self.personas.users[who], self.personas.unit_a, pillars or []
        )

    def unassign(self, who: str = "appraiser") -> None:
        from dti.appraisal.models import Assignment

        for assignment in Assignment.objects.filter(appraiser=self.personas.users[who]):
            self._actions().unassign_appraiser(self.admin, assignment)

    def _actions(self) -> Any:
        from dti.appraisal import actions as appraisal_actions

        return appraisal_actions

    def appraising(self, who: str) -> Any:
        from dti.appraisal.access import appraising_for

        self.period.refresh_from_db()
        self.assessment.refresh_from_db()
        self.review.refresh_from_db()
        _actor, access = self.who(who)
        return appraising_for(access, self.assessment, self.review)

    def decide(self, code: str, kind: str, who: str = "appraiser", **kwargs: Any) -> Any:
        return self._actions().decide(
            self.actor(who), self.appraising(who), self.review, self.criterion(code), kind, **kwargs
        )

    def ask(self, code: str, text: str, asks: str = "explanation", who: str = "appraiser") -> Any:
        return self._actions().ask(
            self.actor(who), self.appraising(who), self.review, self.criterion(code), asks, text
        )

    def send(self, due: datetime.date, who: str = "appraiser") -> Any:
        return self._actions().send_round(self.actor(who), self.appraising(who), self.review, due)

    def answer(self, code: str, text: str, who: str = "officer_a", evidence: Any = ()) -> Any:
        actor, access = self.who(who)
        return self._actions().answer_question(
            actor, access, self.review, self.criterion(code), text, evidence
        )

    def send_answers(self, who: str = "officer_a") -> Any:
        actor, access = self.who(who)
        return self._actions().send_answers(actor, access, self.review)

    def finalise(self, who: str = "chair") -> Any:
        actor, access = self.who(who)
        return self._actions().finalise(actor, access, self.review)

    def submit_unit_b(self, answers: dict[str, dict[str, Any]]) -> Any:
        """Unit B (same group) answers ``answers`` and its leader submits; call it from
        ``before_appraisal``. Returns unit B's assessment."""
        from dti.accounts.actions import grant_role
        from dti.accounts.models import User

        leader = User.objects.create_user(
            username="leader_b", password="mật-khẩu-thử-nghiệm", full_name="Leader B"
        )
        grant_role(self.admin, leader, Role.Kind.LEADER, unit=self.personas.unit_b)
        self.personas.users["leader_b"] = leader
        assessment = Assessment.objects.create(
            period=self.period, unit=self.personas.unit_b, group=self.group
        )
        actor, access = self.who("officer_b")
        for code, inputs in answers.items():
            actions.save_answer(actor, access, assessment, self.criterion(code), inputs, "", 0)
        actor, access = self.who("leader_b")
        actions.submit_assessment(actor, access, assessment)
        return assessment


#: Bands of the results tests, in percent of the maximum (1000): 30 points and more, 20, 0.
BANDS = [
    {"label": "Xuất sắc", "min": "3"},
    {"label": "Khá", "min": "2"},
    {"label": "Kém", "min": "0"},
]


def results_case(personas: Any, frameworks: dict[str, Any], approve: bool = False) -> AppraisalCase:
    """Hand-computed results: unit A (Sở Tư pháp) 1.1 yes (20), 1.2 no, 1.3 4/4 (10) corrected
    by the council to 1/4 (2,5): 22,5; unit B (Sở Y tế) 1.1 and 2.1 yes: 40. Both finalised, the
    period in its final step with ``BANDS``; approved (results computed) when ``approve``."""
    from dti.appraisal import actions as appraisal_actions
    from dti.appraisal.models import Review
    from dti.results.actions import set_bands

    def unit_b(case: AppraisalCase) -> None:
        case.assessment_b = case.submit_unit_b({"1.1": {"yes": True}, "2.1": {"yes": True}})

    case = AppraisalCase(personas, frameworks, before_appraisal=unit_b)
    case.decide("1.3", "corrected", inputs={"numerator": 1, "denominator": 4}, reason="1/4")
    case.finalise()
    actor, access = case.who("chair")
    appraisal_actions.finalise(actor, access, Review.objects.get(assessment=case.assessment_b))
    for status in ("explanation", "final"):
        case.period = period_actions.move_period(case.admin, case.period, status)
    set_bands(case.admin, case.period, BANDS)
    if approve:
        case.period = period_actions.move_period(case.admin, case.period, "approved")
    return case


def api_client(user: Any, language: str = "en", name: str = "test") -> Any:
    """A test client calling the API with a fresh personal access token of ``user``."""
    from django.test import Client

    from dti.api.actions import create_token
    from dti.audit.trail import Actor

    _token, secret = create_token(Actor(user, user.get_username()), user, name)
    return Client(HTTP_AUTHORIZATION=f"Bearer {secret}", HTTP_ACCEPT_LANGUAGE=language)
