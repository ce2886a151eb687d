"""The API's permission matrix: every operation of /api/v1/ × every persona → the expected status.

The operations come from the live OpenAPI schema, so a new endpoint without an entry here fails
``test_every_api_operation_has_an_entry``. Each entry says how to fill the path, which body to
send (a valid one: the question is who may, not what is valid) and what each persona gets. Each
persona's call runs in its own savepoint, rolled back afterwards, so a write by one does not
change what the next one meets. Anonymous callers send no token.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.db import transaction
from django.test import Client
from test_permissions import PERSONAS, World

from dti.api.actions import create_token
from dti.audit.trail import Actor

pytestmark = pytest.mark.django_db

Fill = Callable[[World], dict[str, Any]]
NONE: Fill = lambda w: {}


def everyone(status: int) -> dict[str, int]:
    return dict.fromkeys(PERSONAS, status)


PUBLIC = everyone(200)
TOKEN = {**everyone(200), "anonymous": 401}
ADMIN = {**everyone(403), "admin": 200, "anonymous": 401}
ADMIN_CREATES = {**ADMIN, "admin": 201}
#: unit A's data: its people read it, everyone else may not know it exists
UNIT_A = {
    "admin": 200,
    "appraiser": 404,
    "officer_a": 200,
    "leader_a": 200,
    "staff_a": 200,
    "officer_b": 404,
    "anonymous": 401,
}
#: changes to unit A's data: its data officer and leader; staff and the administrator read
UNIT_A_WRITES = {**UNIT_A, "admin": 403, "staff_a": 403}
UNIT_A_WRITES_201 = {**UNIT_A_WRITES, "officer_a": 201, "leader_a": 201}


def in_appraisal(w: World) -> None:
    """The period moves on to the council's appraisal (the matrix world's is open)."""
    from dti.periods.models import Period

    Period.objects.filter(pk=w.period.pk).update(status=Period.Status.APPRAISAL)


ASSESSMENT_A: Fill = lambda w: {"assessment_id": w.assessment.pk}
REVIEW_B: Fill = lambda w: {"assessment_id": w.assessment_b.pk}
CRITERION_B: Fill = lambda w: {**REVIEW_B(w), "code": w.criterion_b.code}
#: the council's workspace: appraisers and the administrator who follows them
COUNCIL = {**everyone(403), "admin": 200, "appraiser": 200, "anonymous": 401}
#: unit B's appraisal: its appraiser and the administrator; unknown to everyone else
COUNCIL_OF_B = {**everyone(404), "admin": 200, "appraiser": 200, "anonymous": 401}
#: deciding on it: its appraiser; the administrator follows but does not decide
COUNCIL_OF_B_ACTS = {**COUNCIL_OF_B, "admin": 403}
#: unit B's side of the appraisal: its data officer and the administrator
UNIT_B = {**everyone(404), "admin": 200, "officer_b": 200, "anonymous": 401}
#: answering questions: unit B's data officer, but no round is open (409)
UNIT_B_NO_ROUND = {**UNIT_B, "admin": 403, "officer_b": 409}


def _framework_document(w: World) -> dict[str, Any]:
    return {
        "document": {
            "code": "api-matrix",
            "name": "Bộ chỉ số thử",
            "criteria": [
                {
                    "code": "1",
                    "title": "Chỉ số",
                    "children": [{"code": "1.1", "title": "Có", "max": 2, "rule": "yesno"}],
                }
            ],
        }
    }


#: operationId -> (path arguments, body, expected status per persona[, what to change first])
Entry = tuple[Any, ...]
EXPECTED: dict[str, Entry] = {
    "list_frameworks": (NONE, None, PUBLIC),
    "get_framework": (lambda w: {"framework_id": w.framework.pk}, None, PUBLIC),
    "validate_framework": (NONE, _framework_document, ADMIN),
    "import_framework": (NONE, _framework_document, ADMIN_CREATES),
    "list_periods": (NONE, None, TOKEN),
    "get_period": (lambda w: {"period_id": w.period.pk}, None, TOKEN),
    "list_units": (NONE, None, TOKEN),
    "get_unit": (lambda w: {"unit_id": w.personas.unit_a.pk}, None, TOKEN),
    # unit A's self-assessment (open; nothing assigned to staff_a's department)
    "list_assessments": (NONE, None, TOKEN),
    "open_assessment": (
        NONE,
        lambda w: {"period_id": w.period.pk, "unit_id": w.personas.unit_a.pk},
        UNIT_A,
    ),
    "get_assessment": (ASSESSMENT_A, None, UNIT_A),
    "save_general_information": (
        ASSESSMENT_A,
        lambda w: {"values": {"address": "Số 1 Lý Thái Tổ"}, "version": 0},
        UNIT_A_WRITES,
    ),
    "save_answer": (
        lambda w: {**ASSESSMENT_A(w), "code": "1.1"},
        lambda w: {"inputs": {"yes": True}, "note": "", "version": 0},
        UNIT_A_WRITES,
    ),
    "list_assessment_evidence": (ASSESSMENT_A, None, UNIT_A),
    "add_assessment_evidence": (
        ASSESSMENT_A,
        lambda w: {
            "__multipart__": True,
            "criteria": "1.1",
            "url": "https://stp.bacninh.gov.vn/qd-105",
            "summary": "Quyết định kiện toàn Ban chỉ đạo",
        },
        UNIT_A_WRITES_201,
    ),
    "submit_assessment": (
        ASSESSMENT_A,
        None,
        {**UNIT_A_WRITES, "officer_a": 403},
    ),
    # the appraisal of unit B (submitted; "appraiser" is assigned to it, not the chair)
    "list_reviews": (NONE, None, COUNCIL),
    "get_review": (REVIEW_B, None, COUNCIL_OF_B),
    "decide_criterion": (
        CRITERION_B,
        lambda w: {"kind": "accept"},
        COUNCIL_OF_B_ACTS,
        in_appraisal,
    ),
    "ask_question": (
        CRITERION_B,
        lambda w: {"asks": "explanation", "text": "Đề nghị giải trình"},
        {**COUNCIL_OF_B_ACTS, "appraiser": 201},
        in_appraisal,
    ),
    "send_round": (
        REVIEW_B,
        lambda w: {"due": "2030-01-10"},
        {**COUNCIL_OF_B_ACTS, "appraiser": 201},
        in_appraisal,
    ),
    "finalise_review": (REVIEW_B, None, {**everyone(403), "anonymous": 401}),
    "unit_questions": (REVIEW_B, None, UNIT_B),
    "answer_question": (CRITERION_B, lambda w: {"text": "Giải trình"}, UNIT_B_NO_ROUND),
    "send_answers": (REVIEW_B, None, UNIT_B_NO_ROUND),
    "unit_results": (REVIEW_B, None, UNIT_B),
    # published results: public
    "list_published_periods": (NONE, None, PUBLIC),
    "list_period_results": (lambda w: {"period_id": w.published.pk}, None, PUBLIC),
    "get_unit_result": (
        lambda w: {"period_id": w.published.pk, "unit_id": w.personas.unit_a.pk},
        None,
        PUBLIC,
    ),
    # unit A's improvement plan: its people read; its data officer and leader change it
    "list_plans": (NONE, None, TOKEN),
    "get_plan": (lambda w: {"plan_id": w.plan.pk}, None, UNIT_A),
    "add_plan_action": (
        lambda w: {"plan_id": w.plan.pk},
        lambda w: {"code": "1.1", "task": "Tập huấn", "lead": "Văn phòng", "timing": "Năm 2024"},
        UNIT_A_WRITES_201,
    ),
    "report_plan_progress": (
        lambda w: {"plan_id": w.plan.pk, "action_id": w.plan_action.pk},
        lambda w: {"status": "in_progress", "progress": "Đang làm"},
        UNIT_A_WRITES,
    ),
    # the steering committee: the administrator (no persona sits on it)
    "list_steering_plans": (NONE, None, ADMIN),
    "list_steering_targets": (lambda w: {"plan_id": w.steering_plan.pk}, None, ADMIN),
    "report_target_progress": (
        lambda w: {"target_id": w.target.pk},
        lambda w: {"year": 2023, "quarter": 2, "value": "75", "narrative": "Quý 2"},
        {**everyone(404), "admin": 201, "anonymous": 401},
    ),
}


def operations() -> dict[str, tuple[str, str]]:
    """operationId -> (method, path template), from the live schema."""
    served = Client().get("/api/v1/openapi.json").json()
    return {
        op["operationId"]: (method.upper(), path)
        for path, methods in served["paths"].items()
        for method, op in methods.items()
    }


def test_every_api_operation_has_an_entry() -> None:
    known = operations()
    missing = sorted(set(known) - set(EXPECTED))
    assert missing == [], f"add these API operations to the matrix: {missing}"
    assert sorted(set(EXPECTED) - set(known)) == []


@pytest.fixture
def world(personas: Any, builtin_frameworks: Any, settings: Any) -> World:
    settings.DTI_API_RATE_PER_MINUTE = 0
    settings.DTI_API_ANON_RATE_PER_MINUTE = 0
    return World(personas)


def _clients(world: World) -> dict[str, Client]:
    clients = {"anonymous": Client(HTTP_ACCEPT_LANGUAGE="en")}
    for name in PERSONAS:
        if name != "anonymous":
            user = world.personas.users[name]
            _token, secret = create_token(Actor(user, name), user, "matrix")
            clients[name] = Client(HTTP_AUTHORIZATION=f"Bearer {secret}", HTTP_ACCEPT_LANGUAGE="en")
    return clients


@pytest.mark.parametrize("operation", sorted(EXPECTED))
def test_api_permission_matrix(world: World, operation: str) -> None:
    method, template = operations()[operation]
    fill, body, expected, *before = EXPECTED[operation]
    path = template.format(**fill(world))
    got = {}
    for persona, client in _clients(world).items():
        data = body(world) if body else None
        with transaction.atomic():
            for change in before:
                change(world)
            if isinstance(data, dict) and data.pop("__multipart__", False):
                response = (
                    client.generic(method, path) if method == "GET" else client.post(path, data)
                )
            elif data is None:
                response = client.generic(method, path)
            else:
                import json

                response = client.generic(
                    method, path, json.dumps(data), content_type="application/json"
                )
            transaction.set_rollback(True)
        got[persona] = response.status_code
        if response.status_code >= 400:
            assert set(response.json()) == {"error"}, (persona, response.content[:200])
    assert got == expected
