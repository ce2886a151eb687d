"""The permission matrix: every URL of the product × every persona → the expected status.

The list of URLs comes from the URL configuration itself, so a new URL without an entry here
fails this test. Each entry names how to fill the URL's arguments and what each persona gets
for a GET: 200, 302 (to the sign-in page, or onwards), 403 (may not act) or 404 (not theirs).
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from dti.audit.trail import Actor
from dti.periods import actions as period_actions

pytestmark = pytest.mark.django_db

PERSONAS = ("admin", "appraiser", "officer_a", "leader_a", "staff_a", "officer_b", "anonymous")


def everyone(status: int) -> dict[str, int]:
    return dict.fromkeys(PERSONAS, status)


PUBLIC = everyone(200)
SIGNED_IN = {**everyone(200), "anonymous": 302}
ADMIN_ONLY = {**everyone(403), "admin": 200, "anonymous": 302}
POST_ONLY = {**everyone(405), "anonymous": 302}
ADMIN_POST_ONLY = POST_ONLY
REDIRECTS = everyone(302)
UNIT_A = {
    "admin": 200,
    "appraiser": 404,
    "officer_a": 200,
    "leader_a": 200,
    "staff_a": 200,
    "officer_b": 404,
    "anonymous": 302,
}


class World:
    """What the URLs point at: the personas' units, the built-in frameworks and a 2024 period."""

    def __init__(self, personas: Any) -> None:
        from dti.frameworks.models import Framework

        self.personas = personas
        actor = Actor(personas.users["admin"], "admin")
        self.framework = Framework.objects.get(code="bacninh-so")
        huyen = Framework.objects.get(code="bacninh-huyen")
        self.period = period_actions.create_period(
            actor,
            year=2024,
            name="DTI 2024",
            data_start=datetime.date(2023, 10, 1),
            data_end=datetime.date(2024, 9, 30),
            submission_deadline=datetime.date(2030, 10, 10),
        )
        period_actions.set_group(actor, self.period, 1, "Nhóm 1", self.framework, [personas.unit_a])
        period_actions.set_group(actor, self.period, 2, "Nhóm 2", huyen, [personas.unit_b])
        self.period = period_actions.move_period(actor, self.period, "open")
        from dti.assessments.models import Assessment, Evidence
        from dti.frameworks.models import Criterion

        self.assessment = Assessment.objects.create(
            period=self.period, unit=personas.unit_a, group=self.period.groups.get(number=1)
        )
        self.criterion = Criterion.objects.get(framework=self.framework, code="1.1")
        self.evidence = Evidence.objects.create(
            assessment=self.assessment, kind=Evidence.Kind.DOCUMENT, doc_number="105/QĐ-STP"
        )
        self.evidence.criteria.set([self.criterion])
        # Unit B submitted; the appraiser is assigned to it (not to unit A).
        from dti.appraisal.actions import assign_appraiser
        from dti.appraisal.models import Message, Review

        self.assessment_b = Assessment.objects.create(
            period=self.period,
            unit=personas.unit_b,
            group=self.period.groups.get(number=2),
            status=Assessment.Status.SUBMITTED,
        )
        self.review_b = Review.objects.create(assessment=self.assessment_b)
        self.criterion_b = Criterion.objects.get(framework=huyen, code="1.1")
        self.question_b = Message.objects.create(
            review=self.review_b,
            criterion=self.criterion_b,
            kind=Message.Kind.QUESTION,
            asks=Message.Asks.EXPLANATION,
            text="?",
            author=personas.users["appraiser"],
            created_at=self.period.created_at,
        )
        assign_appraiser(actor, self.period, personas.users["appraiser"], personas.unit_b)
        # 2023 is published, with unit A's result.
        from dti.periods.models import Period
        from dti.results.models import UnitResult

        self.published = period_actions.create_period(
            actor,
            year=2023,
            name="DTI 2023",
            data_start=datetime.date(2022, 10, 1),
            data_end=datetime.date(2023, 9, 30),
            submission_deadline=datetime.date(2023, 10, 10),
        )
        group = period_actions.set_group(
            actor, self.published, 1, "Nhóm 1", self.framework, [personas.unit_a]
        )
        Period.objects.filter(pk=self.published.pk).update(status=Period.Status.PUBLISHED)
        UnitResult.objects.create(
            period=self.published,
            group=group,
            unit=personas.unit_a,
            assessment=Assessment.objects.create(
                period=self.published, unit=personas.unit_a, group=group, status="submitted"
            ),
            total=700,
            maximum=1000,
            dti="0.7000",
            self_total=720,
            rank=1,
            group_size=1,
            band="Khá",
            pillars=[
                {"code": "1", "title": "Nhận thức số", "score": "70", "max": "100", "rank": 1}
            ],
            scores={"1": "70", "1.1": "20"},
            self_scores={"1": "70", "1.1": "20"},
        )
        self.older, self.newer = self.framework, huyen
        # The steering committee's 2023 plan: a target and a task led by member "bancd", and a
        # quarterly report with a file. (No persona of the matrix sits on the committee.)
        from decimal import Decimal

        from django.core.files.base import ContentFile
        from django.utils import timezone

        from dti.accounts.actions import grant_role
        from dti.accounts.models import Role, User
        from dti.steering import actions as steering_actions
        from dti.steering.models import ProgressReport

        member = User.objects.create_user(username="bancd", password="x", full_name="Bancd")
        grant_role(actor, member, Role.Kind.STEERING)
        self.steering_plan = steering_actions.create_plan(actor, "Kế hoạch 2023", 2023)
        self.target = steering_actions.create_target(
            actor,
            self.steering_plan,
            code="1.a",
            indicator="Tỷ lệ",
            comparator="gte",
            value=Decimal(80),
            unit="%",
            lead_member=member,
        )
        self.task = steering_actions.create_task(
            actor,
            self.steering_plan,
            code="1",
            title="Nhiệm vụ",
            timing="yearly",
            lead_member=member,
        )
        self.steering_report = ProgressReport.objects.create(
            target=self.target,
            year=2023,
            quarter=1,
            value=Decimal(70),
            narrative="Q1",
            reporter=member,
            reported_at=timezone.now(),
            evidence_name="bc.pdf",
            evidence_type="application/pdf",
        )
        self.steering_report.evidence_file.save("bc.pdf", ContentFile(b"%PDF-1.4\n"))
        # Unit A's improvement plan from its published 2023 result, with one action.
        from dti.plans.actions import add_action, draft_plan

        officer = Actor(personas.users["officer_a"], "officer_a")
        self.plan = draft_plan(officer, personas.unit_a, Period.objects.get(pk=self.published.pk))
        self.plan_action = add_action(
            officer, self.plan, code="1.1", task="Kiện toàn", lead="Văn phòng", timing="Năm 2024"
        )


Kwargs = Callable[[World], dict[str, Any]]
NONE: Kwargs = lambda w: {}
FRAMEWORK: Kwargs = lambda w: {"code": w.framework.code}
FRAMEWORK_VERSION: Kwargs = lambda w: {"code": w.framework.code, "version": w.framework.version}
UNIT_A_ID: Kwargs = lambda w: {"unit_id": w.personas.unit_a.pk}
PERIOD: Kwargs = lambda w: {"period_id": w.period.pk}
DEPARTMENT_A: Kwargs = lambda w: {
    "unit_id": w.personas.unit_a.pk,
    "department_id": w.personas.department_a.pk,
}
USER_B: Kwargs = lambda w: {"user_id": w.personas.users["officer_b"].pk}
ROLE_B: Kwargs = lambda w: {**USER_B(w), "role_id": w.personas.users["officer_b"].roles.get().pk}
IMPORT_STEP = {**ADMIN_ONLY, "admin": 302}  # nothing uploaded yet: back to the upload page
ASSESSMENT: Kwargs = lambda w: {"assessment_id": w.assessment.pk}
ANSWER: Kwargs = lambda w: {"assessment_id": w.assessment.pk, "criterion_id": w.criterion.pk}
EVIDENCE: Kwargs = lambda w: {"assessment_id": w.assessment.pk, "evidence_id": w.evidence.pk}
UNIT_A_REDIRECT = {**UNIT_A, "admin": 302, "officer_a": 302, "leader_a": 302, "staff_a": 302}
NOT_FOUND = {**everyone(404), "anonymous": 302}
#: the upload page is for those who may change something now: staff with nothing assigned may not
UNIT_A_EDITORS = {**UNIT_A, "admin": 403, "staff_a": 403}

PLAN: Kwargs = lambda w: {"unit_id": w.personas.unit_a.pk, "period_id": w.published.pk}
PLAN_ACTION: Kwargs = lambda w: {**PLAN(w), "action_id": w.plan_action.pk}
STEERING_PLAN: Kwargs = lambda w: {"plan_id": w.steering_plan.pk}
#: the committee's items: the administrator (and their lead member); nobody else may know them
ADMIN_SEES = {**everyone(404), "admin": 200, "anonymous": 302}
PUBLISHED: Kwargs = lambda w: {"period_id": w.published.pk}
REVIEW_B: Kwargs = lambda w: {"assessment_id": w.assessment_b.pk}
#: the appraisal workspace: the council (appraisers, the chair) and the administrator who follows it
APPRAISERS = {**everyone(403), "admin": 200, "appraiser": 200, "anonymous": 302}

#: URL name -> (arguments, expected status per persona for a GET)
EXPECTED: dict[str, tuple[Kwargs, dict[str, int]]] = {
    "home": (NONE, PUBLIC),
    "start": (NONE, REDIRECTS),
    "set_language": (NONE, REDIRECTS),
    "frameworks:list": (NONE, PUBLIC),
    "frameworks:detail": (FRAMEWORK, PUBLIC),
    "frameworks:version": (FRAMEWORK_VERSION, PUBLIC),
    "frameworks:export": (lambda w: {**FRAMEWORK_VERSION(w), "fmt": "yaml"}, PUBLIC),
    "accounts:login": (NONE, PUBLIC),
    "accounts:totp": (NONE, REDIRECTS),
    "accounts:logout": (NONE, everyone(405)),
    "accounts:password": (NONE, SIGNED_IN),
    "accounts:totp_setup": (NONE, SIGNED_IN),
    "accounts:me": (NONE, SIGNED_IN),
    "units:home": (UNIT_A_ID, UNIT_A),
    "units:list": (NONE, ADMIN_ONLY),
    "units:create": (NONE, ADMIN_ONLY),
    "units:edit": (UNIT_A_ID, ADMIN_ONLY),
    "units:export": (NONE, ADMIN_ONLY),
    "units:import": (NONE, ADMIN_ONLY),
    "units:import_preview": (NONE, IMPORT_STEP),
    "units:import_done": (NONE, IMPORT_STEP),
    "units:import_apply": (NONE, POST_ONLY),
    "units:import_cancel": (NONE, POST_ONLY),
    "units:department_add": (UNIT_A_ID, POST_ONLY),
    "units:department_rename": (DEPARTMENT_A, POST_ONLY),
    "units:department_remove": (DEPARTMENT_A, POST_ONLY),
    "assessments:open": (
        lambda w: {"period_id": w.period.pk, "unit_id": w.personas.unit_a.pk},
        UNIT_A_REDIRECT,
    ),
    "assessments:form": (ASSESSMENT, UNIT_A),
    "assessments:save_answer": (ANSWER, POST_ONLY),
    "assessments:save_general": (ASSESSMENT, POST_ONLY),
    "assessments:departments": (ASSESSMENT, UNIT_A),
    "assessments:summary": (ASSESSMENT, UNIT_A),
    "assessments:submit": (ASSESSMENT, POST_ONLY),
    "assessments:submitted": (
        lambda w: {"assessment_id": w.assessment.pk, "number": 1},
        {**UNIT_A, **{k: 404 for k in ("admin", "officer_a", "leader_a", "staff_a")}},
    ),
    "assessments:evidence": (ASSESSMENT, UNIT_A),
    "assessments:evidence_link": (EVIDENCE, POST_ONLY),
    "assessments:evidence_remove": (EVIDENCE, POST_ONLY),
    "assessments:evidence_file": (EVIDENCE, NOT_FOUND),
    "assessments:workbook": (ASSESSMENT, UNIT_A),
    "assessments:workbook_upload": (ASSESSMENT, UNIT_A_EDITORS),
    "accounts:people": (NONE, ADMIN_ONLY),
    "accounts:person_create": (NONE, ADMIN_ONLY),
    "accounts:security": (NONE, ADMIN_ONLY),
    "accounts:person": (USER_B, ADMIN_ONLY),
    "accounts:person_edit": (USER_B, ADMIN_ONLY),
    "accounts:person_grant": (USER_B, POST_ONLY),
    "accounts:person_reset": (USER_B, POST_ONLY),
    "accounts:person_unlock": (USER_B, POST_ONLY),
    "accounts:person_active": (USER_B, POST_ONLY),
    "accounts:person_revoke": (ROLE_B, POST_ONLY),
    "periods:list": (NONE, ADMIN_ONLY),
    "periods:create": (NONE, ADMIN_ONLY),
    "periods:detail": (PERIOD, ADMIN_ONLY),
    "periods:edit": (PERIOD, ADMIN_ONLY),
    "periods:group": (lambda w: {"period_id": w.period.pk, "number": 1}, ADMIN_ONLY),
    "periods:move": (PERIOD, ADMIN_POST_ONLY),
    "periods:reopen": (PERIOD, ADMIN_POST_ONLY),
    "appraisal:assignments": (PERIOD, ADMIN_ONLY),
    "appraisal:unassign": (
        lambda w: {"period_id": w.period.pk, "assignment_id": 1},
        ADMIN_POST_ONLY,
    ),
    "appraisal:checks": (PERIOD, ADMIN_ONLY),
    "appraisal:home": (NONE, APPRAISERS),
    "appraisal:review": (REVIEW_B, {**NOT_FOUND, "admin": 200, "appraiser": 200}),
    "appraisal:decide": (
        lambda w: {**REVIEW_B(w), "criterion_id": w.criterion_b.pk},
        POST_ONLY,
    ),
    "appraisal:ask": (lambda w: {**REVIEW_B(w), "criterion_id": w.criterion_b.pk}, POST_ONLY),
    "appraisal:withdraw": (
        lambda w: {**REVIEW_B(w), "message_id": w.question_b.pk},
        POST_ONLY,
    ),
    "appraisal:send_round": (REVIEW_B, POST_ONLY),
    "appraisal:rerun_checks": (REVIEW_B, POST_ONLY),
    "appraisal:evidence_file": (
        lambda w: {**REVIEW_B(w), "evidence_id": w.evidence.pk},
        NOT_FOUND,
    ),
    "appraisal:council": (PERIOD, ADMIN_ONLY),
    "appraisal:finalise": (REVIEW_B, POST_ONLY),
    "appraisal:approve": (PERIOD, POST_ONLY),
    "appraisal:questions": (ASSESSMENT, UNIT_A),
    "appraisal:answer": (ANSWER, POST_ONLY),
    "appraisal:send_answers": (ASSESSMENT, POST_ONLY),
    "appraisal:results": (ASSESSMENT, UNIT_A),
    "results:period": (PUBLISHED, ADMIN_ONLY),
    "results:bands": (PUBLISHED, POST_ONLY),
    "results:publish": (PUBLISHED, POST_ONLY),
    "results:mappings": (NONE, ADMIN_ONLY),
    "results:mapping": (
        lambda w: {"older_id": w.older.pk, "newer_id": w.newer.pk},
        ADMIN_ONLY,
    ),
    "results:workbook": (PUBLISHED, ADMIN_ONLY),
    "results:annex": (PUBLISHED, ADMIN_ONLY),
    "results:unit": (
        lambda w: {"unit_id": w.personas.unit_a.pk, "period_id": w.published.pk},
        UNIT_A,
    ),
    "public:index": (NONE, PUBLIC),
    "public:period": (PUBLISHED, PUBLIC),
    "public:unit": (
        lambda w: {"period_id": w.published.pk, "unit_id": w.personas.unit_a.pk},
        PUBLIC,
    ),
    "public:csv": (PUBLISHED, PUBLIC),
    "public:json": (PUBLISHED, PUBLIC),
    "public:workbook": (PUBLISHED, PUBLIC),
    "public:annex": (PUBLISHED, PUBLIC),
    "plans:whatif": (
        lambda w: {"unit_id": w.personas.unit_a.pk, "period_id": w.published.pk},
        UNIT_A,
    ),
    "steering:dashboard": (NONE, ADMIN_ONLY),
    "steering:mine": (NONE, ADMIN_ONLY),
    "steering:target": (lambda w: {"target_id": w.target.pk}, ADMIN_SEES),
    "steering:task": (lambda w: {"task_id": w.task.pk}, ADMIN_SEES),
    "steering:evidence": (lambda w: {"report_id": w.steering_report.pk}, ADMIN_SEES),
    "steering:target_edit": (lambda w: {"target_id": w.target.pk}, ADMIN_ONLY),
    "steering:task_edit": (lambda w: {"task_id": w.task.pk}, ADMIN_ONLY),
    "steering:plan_create": (NONE, ADMIN_ONLY),
    "steering:plan_edit": (STEERING_PLAN, ADMIN_ONLY),
    "steering:target_create": (STEERING_PLAN, ADMIN_ONLY),
    "steering:task_create": (STEERING_PLAN, ADMIN_ONLY),
    "steering:workbook": (STEERING_PLAN, ADMIN_ONLY),
    "steering:import": (STEERING_PLAN, ADMIN_ONLY),
    "steering:import_preview": (NONE, IMPORT_STEP),
    "steering:import_apply": (NONE, POST_ONLY),
    "steering:import_cancel": (NONE, POST_ONLY),
    "plans:plan": (PLAN, UNIT_A),
    "plans:docx": (PLAN, UNIT_A),
    "plans:pdf": (PLAN, UNIT_A),
    "plans:action_edit": (PLAN_ACTION, UNIT_A_EDITORS),
    "plans:draft": (PLAN, POST_ONLY),
    "plans:particulars": (PLAN, POST_ONLY),
    "plans:action_add": (PLAN, POST_ONLY),
    "plans:action_progress": (PLAN_ACTION, POST_ONLY),
    "plans:action_move": (PLAN_ACTION, POST_ONLY),
    "plans:action_remove": (PLAN_ACTION, POST_ONLY),
    "apiweb:guide": (NONE, PUBLIC),
    "apiweb:tokens": (NONE, SIGNED_IN),
    "apiweb:revoke": (lambda w: {"token_id": 1}, POST_ONLY),
    "audit:list": (NONE, ADMIN_ONLY),
    "audit:export": (NONE, ADMIN_ONLY),
}


def url_names(patterns: list[Any] | None = None, namespace: str = "") -> list[str]:
    names = []
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(pattern, URLResolver):
            if pattern.namespace == "api":  # the REST API has its own matrix: test_api_matrix.py
                continue
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            names.extend(url_names(pattern.url_patterns, inner))
        elif isinstance(pattern, URLPattern) and pattern.name:
            names.append(namespace + pattern.name)
    return names


def test_every_url_has_an_entry() -> None:
    missing = sorted(set(url_names()) - set(EXPECTED))
    assert missing == [], f"add these URLs to the permission matrix: {missing}"
    stale = sorted(set(EXPECTED) - set(url_names()))
    assert stale == []


@pytest.fixture
def world(personas: Any, builtin_frameworks: Any) -> World:
    return World(personas)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_permission_matrix(world: World, name: str) -> None:
    kwargs, expected = EXPECTED[name]
    url = reverse(name, kwargs=kwargs(world))
    got = {}
    for persona in PERSONAS:
        response = world.personas.client(persona).get(url)
        got[persona] = response.status_code
        if persona == "anonymous" and response.status_code == 302 and expected[persona] == 302:
            target = response["Location"]
            assert target.startswith(reverse("accounts:login")) or name in (
                "start",
                "accounts:totp",
                "set_language",
            ), target
    assert got == expected
