"""The assessment endpoints of the API: reading, the general information, the figures, evidence
and submission — the same access and actions as the assessment pages, and a round trip in which
a framework and a unit's figures written only through the API score exactly as the web pages do."""

from __future__ import annotations

import datetime
import hashlib
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from helpers import AssessmentCase, api_client

from dti.assessments import actions
from dti.assessments.models import Answer, Assessment, Evidence, Submission
from dti.audit.models import AuditRecord
from dti.audit.trail import Actor
from dti.frameworks.models import Criterion, Framework
from dti.periods import actions as period_actions
from dti.periods.models import Period

pytestmark = pytest.mark.django_db

BASE = "/api/v1/assessments"
PDF = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"
EXE = (
    b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00"
    b"\xb8\x00\x00\x00\x00\x00\x00\x00@\x00\x00\x00\x00\x00\x00\x00" + b"\x00" * 64
)


@pytest.fixture(autouse=True)
def _fresh_rate_limits() -> None:
    cache.clear()  # token ids are reused between tests; their request counts must not be


class Case(AssessmentCase):
    """Unit A's assessment on the department framework (bacninh-so) in an open 2024 period,
    called through the API with each persona's own token."""

    def api(self, name: str, language: str = "en") -> Any:
        return api_client(self.personas.users[name], language)

    def url(self, tail: str = "") -> str:
        return f"{BASE}/{self.assessment.pk}{tail}"

    def put(self, name: str, tail: str, body: dict[str, Any], language: str = "en") -> Any:
        return self.api(name, language).put(
            self.url(tail), json.dumps(body), content_type="application/json"
        )

    def answer(
        self, name: str, code: str, inputs: dict[str, Any], version: int = 0, **kw: Any
    ) -> Any:
        return self.put(name, f"/answers/{code}", {"inputs": inputs, "version": version, **kw})

    def general(self, name: str, values: dict[str, Any], version: int = 0) -> Any:
        return self.put(name, "/general", {"values": values, "version": version})

    def attach(self, name: str, language: str = "en", **fields: Any) -> Any:
        return self.api(name, language).post(self.url("/evidence"), fields)


@pytest.fixture
def case(personas: Any, builtin_frameworks: dict[str, Any]) -> Case:
    return Case(personas, builtin_frameworks)


def _error(response: Any) -> dict[str, Any]:
    body: dict[str, Any] = response.json()["error"]
    return body


def _stored_files() -> list[Path]:
    root = Path(settings.MEDIA_ROOT)
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def _api_records(action: str) -> list[AuditRecord]:
    return [r for r in AuditRecord.objects.filter(action=action) if "API" in r.source]


# ---------------------------------------------------------------- the list


def test_the_list_shows_each_person_their_units_assessments(case: Case, personas: Any) -> None:
    case.save("officer_a", "1.1", {"yes": True})
    response = case.api("officer_a").get(BASE)
    assert response.status_code == 200
    data = response.json()
    assert (data["count"], data["page"], data["pages"], data["next"]) == (1, 1, 1, None)
    assert data["results"] == [
        {
            "id": case.assessment.pk,
            "period_id": case.period.pk,
            "unit_id": personas.unit_a.pk,
            "unit_name": "Sở Tư pháp",
            "group": 1,
            "framework_id": case.framework.pk,
            "status": "draft",
            "total": "20.00",
            "max": "1000.00",
            "submitted_at": None,
        }
    ]
    for name in ("leader_a", "staff_a"):
        assert [a["id"] for a in case.api(name).get(BASE).json()["results"]] == [case.assessment.pk]
    # Unit B's people, appraisers and outsiders see none of unit A's.
    for name in ("officer_b", "appraiser"):
        assert case.api(name).get(BASE).json()["count"] == 0
    # Once unit B's is started, its officer sees it, and the administrator sees both.
    b = case.api("officer_b").post(
        f"{BASE}/open",
        {"period_id": case.period.pk, "unit_id": personas.unit_b.pk},
        content_type="application/json",
    )
    assert [a["id"] for a in case.api("officer_b").get(BASE).json()["results"]] == [b.json()["id"]]
    admin = case.api("admin")
    assert [a["unit_name"] for a in admin.get(BASE).json()["results"]] == ["Sở Tư pháp", "Sở Y tế"]
    assert [
        a["unit_id"] for a in admin.get(f"{BASE}?unit={personas.unit_b.pk}").json()["results"]
    ] == [personas.unit_b.pk]
    assert admin.get(f"{BASE}?period={case.period.pk + 1}").json()["count"] == 0
    assert admin.get(f"{BASE}?period={case.period.pk}&page_size=1").json()["pages"] == 2
    assert admin.get(f"{BASE}?period=one").status_code == 400
    assert admin.get(f"{BASE}?unit={10**30}").status_code == 400


def test_the_list_needs_a_token(case: Case) -> None:
    from django.test import Client

    response = Client().get(BASE)
    assert response.status_code == 401
    assert _error(response)["code"] == "unauthenticated"


def test_the_list_reads_a_page_in_the_same_queries_whatever_its_length(
    case: Case, personas: Any, builtin_frameworks: dict[str, Any]
) -> None:
    client = case.api("admin")

    def count() -> int:
        client.get(BASE)  # the scoring frameworks are cached per version after the first call
        with CaptureQueriesContext(connection) as captured:
            assert client.get(BASE).status_code == 200
        return len(captured)

    one = count()
    Assessment.objects.create(period=case.period, unit=personas.unit_b, group=case.group)
    case.save("officer_a", "1.1", {"yes": True})
    assert count() == one


# ---------------------------------------------------------------- opening


def test_open_starts_the_units_assessment_once(case: Case, personas: Any) -> None:
    body = {"period_id": case.period.pk, "unit_id": personas.unit_b.pk}
    for name in ("officer_a", "appraiser", "staff_a"):
        response = case.api(name).post(f"{BASE}/open", body, content_type="application/json")
        assert response.status_code == 404
        assert _error(response)["code"] == "not_found"
    assert not Assessment.objects.filter(unit=personas.unit_b).exists()
    response = case.api("officer_b").post(f"{BASE}/open", body, content_type="application/json")
    assert response.status_code == 200
    assessment = Assessment.objects.get(period=case.period, unit=personas.unit_b)
    assert response.json() == {
        "id": assessment.pk,
        "period_id": case.period.pk,
        "unit_id": personas.unit_b.pk,
        "unit_name": "Sở Y tế",
        "group": 1,
        "framework_id": case.framework.pk,
        "status": "draft",
        "total": "0.00",
        "max": "1000.00",
        "submitted_at": None,
    }
    # The unit's name is filled in, as the page does; a second call finds the same assessment.
    assert assessment.general_info == {"name": "Sở Y tế"}
    again = case.api("officer_b").post(f"{BASE}/open", body, content_type="application/json")
    assert again.json()["id"] == assessment.pk
    assert Assessment.objects.filter(unit=personas.unit_b).count() == 1
    # Unit A's existing assessment is found, not started again.
    mine = {"period_id": case.period.pk, "unit_id": personas.unit_a.pk}
    response = case.api("leader_a").post(f"{BASE}/open", mine, content_type="application/json")
    assert response.json()["id"] == case.assessment.pk


def test_open_refuses_drafts_and_unknown_periods(case: Case, personas: Any) -> None:
    draft = period_actions.create_period(
        case.admin,
        year=2025,
        name="DTI 2025",
        data_start=case.period.data_start,
        data_end=case.period.data_end,
        submission_deadline=case.period.submission_deadline,
    )
    period_actions.set_group(case.admin, draft, 1, "Nhóm 1", case.framework, [personas.unit_a])
    admin = case.api("admin")
    for period_id in (draft.pk, draft.pk + 100):
        body = {"period_id": period_id, "unit_id": personas.unit_a.pk}
        assert admin.post(f"{BASE}/open", body, content_type="application/json").status_code == 404
    response = admin.post(f"{BASE}/open", {"period_id": "x"}, content_type="application/json")
    assert (response.status_code, _error(response)["code"]) == (400, "invalid")
    assert sorted(f["field"].rsplit(".", 1)[-1] for f in _error(response)["fields"]) == [
        "period_id",
        "unit_id",
    ]
    body = {"period_id": 10**30, "unit_id": personas.unit_a.pk}
    assert admin.post(f"{BASE}/open", body, content_type="application/json").status_code == 400
    assert not Assessment.objects.filter(period=draft).exists()


# ---------------------------------------------------------------- the detail


def test_the_detail_shows_what_the_page_shows(case: Case, personas: Any) -> None:
    case.save("officer_a", "3.3", {"numerator": 2, "denominator": 13}, note="2/13 HTTT")
    case.save("officer_a", "1.1", {"yes": True})
    actor, access = case.who("officer_a")
    actions.save_general_info(actor, access, case.assessment, {"civil_servants": 40}, 0)
    actions.add_evidence(
        actor,
        access,
        case.assessment,
        Evidence(kind=Evidence.Kind.LINK, url="https://stp.bacninh.gov.vn/cds"),
        [case.criterion("3.3"), case.criterion("1.1")],
    )
    response = case.api("officer_a").get(case.url())
    assert response.status_code == 200
    data = response.json()
    assert (data["id"], data["status"], data["total"], data["max"]) == (
        case.assessment.pk,
        "draft",
        "23.08",
        "1000.00",
    )
    assert data["general"]["fields"][0] == {
        "key": "name",
        "label": "Tên Cơ quan, đơn vị",
        "type": "text",
        "unit": "",
        "number": "1.1",
        "section": "1. Thông tin đơn vị",
    }
    assert [f["key"] for f in data["general"]["fields"]][4] == "civil_servants"
    assert data["general"]["values"] == {"civil_servants": 40}
    assert data["general"]["version"] == 1
    leaves = list(
        Criterion.objects.filter(framework=case.framework)
        .exclude(rule_type="")
        .order_by("position")
        .values_list("code", flat=True)
    )
    assert data["editing"] == {"general": True, "criteria": leaves, "reason": ""}
    assert data["pillars"][:3] == [
        {"code": "1", "title": "Nhận thức số", "score": "20.00", "max": "100.00"},
        {"code": "2", "title": "Thể chế số", "score": "0.00", "max": "100.00"},
        {"code": "3", "title": "Hạ tầng số", "score": "3.08", "max": "100.00"},
    ]
    assert [p["code"] for p in data["pillars"]] == ["1", "2", "3", "4", "5", "6"]
    assert [c["code"] for c in data["criteria"]] == leaves
    by_code = {c["code"]: c for c in data["criteria"]}
    assert by_code["3.3"] == {
        "code": "3.3",
        "title": by_code["3.3"]["title"],
        "pillar": "3",
        "rule": "ratio",
        "max": "20.00",
        "inputs": {"numerator": 2, "denominator": 13},
        "note": "2/13 HTTT",
        "version": 1,
        "score": "3.08",
        "status": "scored",
        "evidence": 1,
    }
    assert by_code["1.2"] == {
        "code": "1.2",
        "title": "Lãnh đạo đơn vị chủ trì, chỉ đạo thực hiện CĐS",
        "pillar": "1",
        "rule": "yesno",
        "max": "20.00",
        "inputs": {},
        "note": "",
        "version": 0,
        "score": "0.00",
        "status": "unanswered",
        "evidence": 0,
    }


def test_the_detail_says_what_each_person_may_change(case: Case) -> None:
    case.assign(["1.1", "3.3"])
    assert case.api("staff_a").get(case.url()).json()["editing"] == {
        "general": False,
        "criteria": ["1.1", "3.3"],
        "reason": "",
    }
    assert case.api("admin").get(case.url()).json()["editing"] == {
        "general": False,
        "criteria": [],
        "reason": "You can read this assessment but not change it.",
    }
    for name in ("officer_b", "appraiser"):
        response = case.api(name).get(case.url())
        assert response.status_code == 404
        assert _error(response) == {
            "code": "not_found",
            "message": "Not found, or not yours to see.",
            "fields": [],
        }
    assert case.api("admin").get(f"{BASE}/{case.assessment.pk + 1000}").status_code == 404
    assert case.api("admin").get(f"{BASE}/abc").status_code == 400


def _detail_queries(client: Any, url: str) -> int:
    client.get(url)  # the scoring framework is cached per version after the first call
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


@pytest.mark.parametrize(("persona", "queries"), [("officer_a", 6), ("staff_a", 8)])
def test_the_detail_costs_the_same_queries_whatever_the_framework_size(
    personas: Any,
    builtin_frameworks: dict[str, Any],
    persona: str,
    queries: int,
    django_assert_max_num_queries: Any,
) -> None:
    small = Case(personas, builtin_frameworks, "bacninh-so", 2024)
    large = Case(personas, builtin_frameworks, "bacninh-huyen", 2025)
    for case, codes in ((small, ["1.1", "1.2", "3.3"]), (large, ["1.1", "1.2", "2.1", "3.1"])):
        for code in codes:
            if case.criterion(code).rule_type == "yesno":
                case.save("officer_a", code, {"yes": True})
        case.assign(codes)
        actor, access = case.who("officer_a")
        actions.add_evidence(
            actor,
            access,
            case.assessment,
            Evidence(kind=Evidence.Kind.LINK, url="https://example.gov.vn/a"),
            [case.criterion(c) for c in codes],
        )
    assert Criterion.objects.filter(framework=large.framework).exclude(rule_type="").count() == 76
    client = api_client(personas.users[persona])
    counts = []
    for case in (small, large):
        url = case.url()
        client.get(url)
        with django_assert_max_num_queries(queries):
            assert client.get(url).status_code == 200
        counts.append(_detail_queries(client, url))
    # The token, the person's roles, the assessment, criteria, answers, evidence counts;
    # department staff also read their department's assignments (as lead and coordinating).
    assert counts == [queries, queries]


# ---------------------------------------------------------------- the general information


def test_saving_the_general_information_rescores_and_is_audited(case: Case) -> None:
    case.save("officer_a", "4.3", {"numerator": 30})
    response = case.general("officer_a", {"civil_servants": "1.250", "public_employees": 0})
    assert response.status_code == 200
    data = response.json()
    assert (data["version"], data["total"], data["max"]) == (1, "0.48", "1000.00")
    assert data["values"] == {"civil_servants": 1250, "public_employees": 0}
    scores = {c["code"]: c for c in data["criteria"]}
    # 30 of 1 250 civil servants: 30 / 1250 × 20 = 0.48.
    assert scores["4.3"] == {"code": "4.3", "score": "0.48", "status": "scored"}
    assert scores["1.1"] == {"code": "1.1", "score": "0.00", "status": "unanswered"}
    assert len(scores) == 45
    assert data["pillars"][3] == {
        "code": "4",
        "title": "Nhân lực số",
        "score": "0.48",
        "max": "70.00",
    }
    case.assessment.refresh_from_db()
    assert case.assessment.general_info == {"civil_servants": 1250, "public_employees": 0}
    assert Answer.objects.get(criterion__code="4.3").score == Decimal("0.48")
    [record] = _api_records("assessment.general_info")
    assert record.after == {"civil_servants": 1250, "public_employees": 0}
    assert record.actor == case.personas.users["officer_a"]
    # Clearing a field: an empty value.
    data = case.general("leader_a", {"public_employees": ""}, version=1).json()
    assert data["values"] == {"civil_servants": 1250}


def test_bad_general_information_is_refused_by_field_and_nothing_saved(case: Case) -> None:
    response = case.general(
        "officer_a", {"civil_servants": "nhiều", "officer_email": "x", "name": "Sở Tư pháp"}
    )
    assert response.status_code == 400
    error = _error(response)
    assert error["code"] == "invalid"
    assert error["message"] == "The general information is not valid; nothing was saved."
    assert error["fields"] == [
        {"field": "body.values.civil_servants", "message": "Enter a whole number."},
        {"field": "body.values.officer_email", "message": "Enter an e-mail address."},
    ]
    response = case.general("officer_a", {"colour": "xanh"})
    assert _error(response)["fields"] == [
        {"field": "body.values.colour", "message": "There is no such field."}
    ]
    response = case.put("officer_a", "/general", {"values": {"name": "A"}})
    assert response.status_code == 400
    assert any(f["field"].endswith("version") for f in _error(response)["fields"])
    case.assessment.refresh_from_db()
    assert (case.assessment.general_info, case.assessment.general_version) == ({}, 0)
    assert not AuditRecord.objects.filter(action="assessment.general_info").exists()


def test_general_information_conflicts_and_refusals(case: Case) -> None:
    assert case.general("officer_a", {"civil_servants": 10}).status_code == 200
    response = case.general("leader_a", {"civil_servants": 20}, version=0)
    assert response.status_code == 409
    assert _error(response) == {
        "code": "conflict",
        "message": "Someone else saved this first; nothing was overwritten.",
        "fields": [],
    }
    response = case.general("staff_a", {"civil_servants": 30}, version=1)
    assert response.status_code == 403
    assert _error(response)["message"] == "No criterion is assigned to your department yet."
    response = case.general("admin", {"civil_servants": 30}, version=1)
    assert response.status_code == 403
    assert _error(response)["message"] == "You can read this assessment but not change it."
    case.assessment.refresh_from_db()
    assert case.assessment.general_info == {"civil_servants": 10}


# ---------------------------------------------------------------- figures


def test_saving_figures_returns_the_scores_and_is_audited(case: Case) -> None:
    response = case.answer(
        "officer_a", "3.3", {"numerator": "2", "denominator": "13"}, note=" 2/13 HTTT "
    )
    assert response.status_code == 200
    data = response.json()
    # 2 / 13 × 20 = 3.0769… → 3.08.
    assert data == {
        "code": "3.3",
        "score": "3.08",
        "status": "scored",
        "version": 1,
        "inputs": {"numerator": 2, "denominator": 13},
        "note": "2/13 HTTT",
        "pillar": {"code": "3", "title": "Hạ tầng số", "score": "3.08", "max": "100.00"},
        "total": "3.08",
        "max": "1000.00",
    }
    answer = Answer.objects.get(assessment=case.assessment, criterion__code="3.3")
    assert (answer.inputs, answer.note, answer.score, answer.version) == (
        {"numerator": 2, "denominator": 13},
        "2/13 HTTT",
        Decimal("3.08"),
        1,
    )
    [record] = _api_records("answer.save")
    assert record.after == {
        "inputs": {"numerator": 2, "denominator": 13},
        "note": "2/13 HTTT",
        "score": "3.08",
    }
    assert record.actor == case.personas.users["officer_a"]
    # The next save of another criterion adds to the pillar and the total.
    data = case.answer("officer_a", "3.1", {"yes": True}).json()
    assert (data["score"], data["pillar"]["score"], data["total"]) == ("30.00", "33.08", "33.08")
    # Figures typed the Vietnamese way are read as numbers: 1 250 / 2 500 × 20 = 10.
    data = case.answer(
        "officer_a", "3.3", {"numerator": "1.250", "denominator": "2.500"}, version=1
    ).json()
    assert (data["score"], data["inputs"], data["version"]) == (
        "10.00",
        {"numerator": 1250, "denominator": 2500},
        2,
    )
    # Choices, counts, not applicable.
    assert case.answer("officer_a", "2.2", {"choice": "chua-dung"}).json()["score"] == "10.00"
    assert case.answer("officer_a", "5.1", {"count": "1"}).json()["score"] == "10.00"
    data = case.answer("officer_a", "3.2", {"na": True}).json()
    assert (data["score"], data["status"]) == (None, "na")


def test_invalid_figures_are_refused_on_their_field(case: Case) -> None:
    response = case.answer("officer_a", "3.3", {"numerator": "14", "denominator": "13"})
    assert response.status_code == 400
    assert _error(response) == {
        "code": "invalid",
        "message": "The figures are not valid; nothing was saved.",
        "fields": [
            {
                "field": "body.inputs.numerator",
                "message": "the numerator 14 is above the denominator 13",
            }
        ],
    }
    response = case.answer("officer_a", "5.1", {"count": "mười"})
    assert _error(response)["fields"] == [
        {"field": "body.inputs.count", "message": "“count” must be a number, not “mười”"}
    ]
    response = case.answer("officer_a", "5.1", {"count": "1,5"})
    assert _error(response)["fields"] == [
        {"field": "body.inputs.count", "message": "“count” must be a whole number"}
    ]
    response = case.answer("officer_a", "1.1", {"na": True})
    assert _error(response)["fields"] == [
        {"field": "body.inputs.na", "message": "this criterion cannot be marked not applicable"}
    ]
    response = case.answer("officer_a", "1.1", {"colour": "xanh"})
    assert _error(response)["fields"][0]["field"] == "body.inputs.colour"
    # In Vietnamese: the same refusal, its message in the caller's language.
    response = case.put(
        "officer_a",
        "/answers/3.3",
        {"inputs": {"numerator": 14, "denominator": 13}, "version": 0},
        "vi",
    )
    assert (response.status_code, _error(response)["code"]) == (400, "invalid")
    assert _error(response)["fields"][0]["field"] == "body.inputs.numerator"
    # A body that is not what the endpoint takes.
    response = case.put("officer_a", "/answers/1.1", {"inputs": [], "version": "x"})
    assert response.status_code == 400
    assert not Answer.objects.filter(assessment=case.assessment).exists()
    assert not AuditRecord.objects.filter(action="answer.save").exists()


def test_unknown_and_group_criteria(case: Case) -> None:
    response = case.answer("officer_a", "9.9", {"yes": True})
    assert (response.status_code, _error(response)["code"]) == (404, "not_found")
    # A pillar has no figures of its own: refused as the page refuses it.
    response = case.answer("officer_a", "1", {"yes": True})
    assert response.status_code == 403
    assert (
        _error(response)["message"] == "This criterion is not part of the assessment's framework."
    )
    assert not Answer.objects.exists()


def test_staff_change_only_their_departments_criteria(case: Case) -> None:
    case.assign(["1.1"])
    assert case.answer("staff_a", "1.1", {"yes": True}).status_code == 200
    response = case.answer("staff_a", "1.2", {"yes": True})
    assert response.status_code == 403
    assert _error(response) == {
        "code": "forbidden",
        "message": "This criterion is not assigned to your department.",
        "fields": [],
    }
    assert not Answer.objects.filter(criterion__code="1.2").exists()
    response = case.answer("admin", "1.2", {"yes": True})
    assert _error(response)["message"] == "You can read this assessment but not change it."
    # In Vietnamese, the status and the code.
    response = case.put("staff_a", "/answers/1.2", {"inputs": {"yes": True}, "version": 0}, "vi")
    assert (response.status_code, _error(response)["code"]) == (403, "forbidden")


def test_the_second_of_two_saves_gets_409(case: Case) -> None:
    assert case.answer("officer_a", "1.1", {"yes": True}).status_code == 200
    response = case.answer("leader_a", "1.1", {"yes": False}, version=0)
    assert response.status_code == 409
    assert _error(response)["code"] == "conflict"
    answer = Answer.objects.get(criterion__code="1.1")
    assert (answer.inputs, answer.version) == ({"yes": True}, 1)
    assert case.answer("leader_a", "1.1", {"yes": False}, version=1).json()["score"] == "0.00"


# ---------------------------------------------------------------- evidence


def test_attaching_a_link_a_document_and_a_file(case: Case) -> None:
    response = case.attach(
        "officer_a", criteria="1.1, 3.3", url="stp.bacninh.gov.vn/cds", summary=" Chuyên mục "
    )
    assert response.status_code == 201
    link = Evidence.objects.get(kind="link")
    assert response.json() == {
        "id": link.pk,
        "kind": "link",
        "name": "https://stp.bacninh.gov.vn/cds",
        "content_type": "",
        "size": 0,
        "sha256": "",
        "url": "https://stp.bacninh.gov.vn/cds",
        "doc_number": "",
        "doc_date": None,
        "doc_issuer": "",
        "summary": "Chuyên mục",
        "criteria": ["1.1", "3.3"],
        "uploaded_at": response.json()["uploaded_at"],
    }
    assert link.uploaded_by == case.personas.users["officer_a"]
    response = case.attach(
        "officer_a",
        criteria="1.5",
        doc_number="105/QĐ-STP",
        doc_date="2022-06-13",
        doc_issuer="Sở Tư pháp",
        summary="Kế hoạch chuyển đổi số",
    )
    assert response.status_code == 201
    data = response.json()
    assert (data["kind"], data["doc_number"], data["doc_date"], data["criteria"]) == (
        "document",
        "105/QĐ-STP",
        "2022-06-13",
        ["1.5"],
    )
    response = case.attach(
        "officer_a", criteria="1.5", doc_number="7/KH", doc_date="13/06/2022", summary="Kế hoạch"
    )
    assert response.json()["doc_date"] == "2022-06-13"
    response = case.attach(
        "officer_a",
        criteria="1.2",
        summary="Biên bản",
        file=SimpleUploadedFile("bien-ban.pdf", PDF),
    )
    assert response.status_code == 201
    data = response.json()
    piece = Evidence.objects.get(kind="file")
    assert (data["name"], data["content_type"], data["size"], data["sha256"], data["criteria"]) == (
        "bien-ban.pdf",
        "application/pdf",
        len(PDF),
        hashlib.sha256(PDF).hexdigest(),
        ["1.2"],
    )
    assert _stored_files() == [Path(settings.MEDIA_ROOT) / piece.file.name]
    assert len(_api_records("evidence.add")) == 4
    # The list: oldest first, with their criteria.
    listed = case.api("leader_a").get(case.url("/evidence")).json()
    assert listed["count"] == 4
    assert [(e["kind"], e["criteria"]) for e in listed["results"]] == [
        ("link", ["1.1", "3.3"]),
        ("document", ["1.5"]),
        ("document", ["1.5"]),
        ("file", ["1.2"]),
    ]
    assert listed["results"][3] == data
    # The detail counts them.
    counts = {
        c["code"]: c["evidence"] for c in case.api("staff_a").get(case.url()).json()["criteria"]
    }
    assert (counts["1.1"], counts["1.5"], counts["1.2"], counts["1.3"]) == (1, 2, 1, 0)


def test_a_disguised_program_is_refused_and_nothing_stored(case: Case) -> None:
    response = case.attach("officer_a", criteria="1.1", file=SimpleUploadedFile("report.pdf", EXE))
    assert response.status_code == 400
    message = "The file “report.pdf” is not a PDF file: its content is a program (executable)."
    assert _error(response) == {
        "code": "invalid",
        "message": message,
        "fields": [{"field": "body.file", "message": message}],
    }
    assert not Evidence.objects.exists()
    assert _stored_files() == []
    assert not AuditRecord.objects.filter(action="evidence.add").exists()
    response = case.attach("officer_a", "vi", criteria="1.1", file=SimpleUploadedFile("a.exe", EXE))
    assert (response.status_code, _error(response)["code"]) == (400, "invalid")


def test_evidence_is_checked_as_the_page_checks_it(case: Case) -> None:
    response = case.attach("officer_a", criteria="1.1")
    assert response.status_code == 400
    assert _error(response)["fields"][0]["field"] == "body.file"
    response = case.attach(
        "officer_a", criteria="1.1", url="https://a.gov.vn", file=SimpleUploadedFile("a.pdf", PDF)
    )
    assert response.status_code == 400
    response = case.attach("officer_a", criteria="1.1", url="ftp://a.gov.vn/x", summary="x")
    assert [f["field"] for f in _error(response)["fields"]] == ["body.url"]
    response = case.attach("officer_a", criteria="1.1", url="https://a.gov.vn")
    assert _error(response)["fields"] == [
        {"field": "body.summary", "message": "This field is required."}
    ]
    response = case.attach("officer_a", criteria="1.1, 1, 9.9", url="https://a.gov.vn", summary="x")
    assert _error(response)["fields"] == [
        {"field": "body.criteria", "message": "Choose criteria of this assessment's framework."}
    ]
    response = case.attach("officer_a", criteria=" , ", url="https://a.gov.vn", summary="x")
    assert _error(response)["fields"] == [
        {"field": "body.criteria", "message": "Choose at least one criterion."}
    ]
    response = case.attach(
        "officer_a", criteria="1.1", doc_number="1/QĐ", doc_date="2999-01-01", summary="x"
    )
    assert _error(response)["fields"] == [
        {"field": "body.doc_date", "message": "The date cannot be in the future."}
    ]
    response = case.attach(
        "officer_a", criteria="1.1", doc_number="1/QĐ", doc_date="13.06.2022", summary="x"
    )
    assert _error(response)["fields"] == [
        {"field": "body.doc_date", "message": "Enter the date as dd/mm/yyyy, e.g. 13/06/2022."}
    ]
    response = case.attach("officer_a", url="https://a.gov.vn", summary="x")
    assert response.status_code == 400
    assert not Evidence.objects.exists()


def test_staff_attach_only_to_their_criteria(case: Case) -> None:
    case.assign(["1.1"])
    assert (
        case.attach("staff_a", criteria="1.1", url="https://a.gov.vn", summary="x").status_code
        == 201
    )
    response = case.attach("staff_a", criteria="1.1,1.2", url="https://b.gov.vn", summary="y")
    assert response.status_code == 403
    assert (
        _error(response)["message"] == "You may attach evidence only to the criteria you may edit."
    )
    response = case.attach(
        "staff_a", criteria="1.2", summary="y", file=SimpleUploadedFile("a.pdf", PDF)
    )
    assert response.status_code == 403
    assert Evidence.objects.count() == 1
    assert _stored_files() == []
    response = case.attach("admin", criteria="1.1", url="https://c.gov.vn", summary="z")
    assert (response.status_code, _error(response)["message"]) == (
        403,
        "You can read this assessment but not change it.",
    )


# ---------------------------------------------------------------- submitting


def test_the_leader_submits_and_then_it_is_read_only(case: Case) -> None:
    case.answer("officer_a", "1.1", {"yes": True})
    case.answer("officer_a", "3.3", {"numerator": 2, "denominator": 13})
    response = case.api("officer_a").post(case.url("/submit"))
    assert response.status_code == 403
    assert _error(response)["message"] == "Only the unit's leader can sign off and submit."
    assert not Submission.objects.exists()
    response = case.api("leader_a").post(case.url("/submit"))
    assert response.status_code == 200
    submission = Submission.objects.get(assessment=case.assessment)
    assert response.json() == {
        "status": "submitted",
        "submission": 1,
        "total": "23.08",
        "submitted_at": response.json()["submitted_at"],
    }
    assert (submission.number, submission.total, submission.snapshot["total"]) == (
        1,
        Decimal("23.08"),
        "23.08",
    )
    [record] = _api_records("assessment.submit")
    assert record.after == {"status": "submitted", "submission": 1, "total": "23.08"}
    # Read-only from now on, for everyone, with the reason.
    read_only = "The assessment has been submitted; it is read-only."
    detail = case.api("officer_a").get(case.url()).json()
    assert (detail["status"], detail["editing"]) == (
        "submitted",
        {"general": False, "criteria": [], "reason": read_only},
    )
    assert detail["submitted_at"] is not None
    for response in (
        case.answer("officer_a", "1.2", {"yes": True}),
        case.answer("leader_a", "1.1", {"yes": False}, version=1),
        case.general("officer_a", {"civil_servants": 5}),
        case.attach("officer_a", criteria="1.1", url="https://a.gov.vn", summary="x"),
        case.api("leader_a").post(case.url("/submit")),
    ):
        assert response.status_code == 403
        assert _error(response)["message"] == read_only
    assert Submission.objects.count() == 1
    assert not Evidence.objects.exists()
    assert Answer.objects.get(criterion__code="1.1").inputs == {"yes": True}


def test_submitting_after_the_deadline_is_refused(case: Case) -> None:
    Period.objects.filter(pk=case.period.pk).update(submission_deadline=case.period.data_start)
    response = case.api("leader_a").post(case.url("/submit"))
    assert response.status_code == 403
    assert _error(response)["message"] == (
        "The submission deadline has passed. Ask the coordinating office to reopen the unit."
    )


# ---------------------------------------------------------------- outsiders


def test_outsiders_get_404_everywhere_and_nothing_is_written(case: Case) -> None:
    case.save("officer_a", "1.1", {"yes": True})
    client = case.api("officer_b")
    records = AuditRecord.objects.count()
    json_type = "application/json"
    responses = [
        client.get(case.url()),
        client.get(case.url("/evidence")),
        client.put(
            case.url("/general"),
            json.dumps({"values": {"civil_servants": 1}, "version": 0}),
            content_type=json_type,
        ),
        client.put(
            case.url("/answers/1.1"),
            json.dumps({"inputs": {"yes": False}, "version": 1}),
            content_type=json_type,
        ),
        client.put(
            case.url("/answers/9.9"),
            json.dumps({"inputs": {"yes": False}, "version": 0}),
            content_type=json_type,
        ),
        client.post(
            case.url("/evidence"), {"criteria": "1.1", "file": SimpleUploadedFile("a.pdf", PDF)}
        ),
        client.post(
            case.url("/evidence"), {"criteria": "1.1", "url": "https://x.vn", "summary": "x"}
        ),
        client.post(case.url("/submit")),
    ]
    for response in responses:
        assert response.status_code == 404, response.content
        assert _error(response)["code"] == "not_found"
    case.assessment.refresh_from_db()
    assert (case.assessment.general_info, case.assessment.status) == ({}, "draft")
    assert Answer.objects.get(criterion__code="1.1").inputs == {"yes": True}
    assert not Evidence.objects.exists()
    assert not Submission.objects.exists()
    assert _stored_files() == []
    assert AuditRecord.objects.count() == records
    # In Vietnamese: the same status and code.
    response = case.api("officer_b", "vi").get(case.url())
    assert (response.status_code, _error(response)["code"]) == (404, "not_found")


# ---------------------------------------------------------------- the round trip


ROUND_TRIP = {
    "code": "api-round-trip",
    "name": "Bộ chỉ số thử qua API",
    "level": "department",
    "year": 2024,
    "total": 100,
    "not_applicable": "exclude",
    "general_info": [
        {"key": "name", "label": "Tên cơ quan", "type": "text"},
        {
            "key": "civil_servants",
            "label": "Số lượng công chức",
            "type": "integer",
            "unit": "người",
        },
        {"key": "public_employees", "label": "Số lượng viên chức", "type": "integer"},
        {"key": "procedures", "label": "Số thủ tục hành chính", "type": "integer"},
    ],
    "criteria": [
        {
            "code": "1",
            "title": "Nhận thức số",
            "max": 40,
            "children": [
                {"code": "1.1", "title": "Trưởng Ban chỉ đạo", "max": 10, "rule": "yesno"},
                {
                    "code": "1.2",
                    "title": "Tỷ lệ CBCCVC được tập huấn",
                    "max": 20,
                    "rule": {
                        "type": "ratio",
                        "denominator_field": ["civil_servants", "public_employees"],
                        "full_from": 80,
                    },
                },
                {
                    "code": "1.3",
                    "title": "Tần suất chuyên mục",
                    "max": 10,
                    "rule": {
                        "type": "choice",
                        "options": [
                            {"key": "hang-tuan", "label": "Hằng tuần", "points": 10},
                            {"key": "hang-thang", "label": "Hằng tháng", "points": 5},
                            {"key": "khong", "label": "Không", "points": 0},
                        ],
                    },
                },
            ],
        },
        {
            "code": "2",
            "title": "Hoạt động số",
            "max": 60,
            "children": [
                {
                    "code": "2.1",
                    "title": "Hệ thống được phê duyệt cấp độ",
                    "max": 10,
                    "rule": {"type": "count", "target": 4},
                },
                {"code": "2.2", "title": "Tỷ lệ văn bản ký số", "max": 20, "rule": "ratio"},
                {
                    "code": "2.3",
                    "title": "Mức độ hài lòng",
                    "max": 15,
                    "rule": {
                        "type": "bands",
                        "bands": [
                            {"min": 90, "points": 15},
                            {"min": 70, "points": 9},
                            {"min": 50, "points": 4.5},
                        ],
                    },
                },
                {"code": "2.4", "title": "Chất lượng trang", "max": 7.5, "rule": "manual"},
                {
                    "code": "2.5",
                    "title": "Thủ tục trực tuyến",
                    "max": 7.5,
                    "rule": {"type": "ratio", "denominator_field": "procedures"},
                    "na_allowed": True,
                },
                {"code": "2.6", "title": "Lượt truy cập", "rule": "info"},
            ],
        },
    ],
}

#: The same figures for both units, as an officer types them.
GENERAL = {"civil_servants": "40", "public_employees": 10, "procedures": "1.250"}
FIGURES = {
    "1.1": {"yes": True},
    "1.2": {"numerator": "30"},  # of 40 + 10 from the general information
    "1.3": {"choice": "hang-thang"},
    "2.1": {"count": 3},
    "2.2": {"numerator": "2", "denominator": "3"},
    "2.3": {"value": "75,5"},
    "2.4": {"score": "6,25"},
    "2.5": {"numerator": "1.000"},  # of 1 250 procedures
    "2.6": {"value": "12345"},
}
#: Worked out by hand.
EXPECTED = {
    "1.1": Decimal("10.00"),
    "1.2": Decimal("15.00"),  # 30 / 50 = 60 %, full from 80 %: 0.75 × 20
    "1.3": Decimal("5.00"),
    "2.1": Decimal("7.50"),  # 3 of 4 × 10
    "2.2": Decimal("13.33"),  # 2 / 3 × 20 = 13.333…
    "2.3": Decimal("9.00"),  # 75.5 reaches the 70 band
    "2.4": Decimal("6.25"),
    "2.5": Decimal("6.00"),  # 1 000 / 1 250 × 7.5
    "2.6": None,  # information only
}
PILLARS = {"1": Decimal("30.00"), "2": Decimal("42.08")}
TOTAL = Decimal("72.08")


def test_round_trip_api_and_web_give_the_same_scores(personas: Any) -> None:
    users = personas.users
    # The framework, written only through the API.
    response = api_client(users["admin"]).post(
        "/api/v1/frameworks", {"document": ROUND_TRIP}, content_type="application/json"
    )
    assert response.status_code == 201, response.content
    framework = Framework.objects.get(pk=response.json()["framework"]["id"])
    assert (framework.total_max, framework.leaf_count) == (Decimal("100.00"), 8)
    # The period, as the administrator sets it up (periods are read-only in the API).
    admin = Actor(users["admin"], "admin")
    period = period_actions.create_period(
        admin,
        year=2024,
        name="DTI 2024",
        data_start=datetime.date(2023, 10, 1),
        data_end=datetime.date(2024, 9, 30),
        submission_deadline=datetime.date(2030, 10, 10),
    )
    period_actions.set_group(
        admin, period, 1, "Nhóm 1", framework, [personas.unit_a, personas.unit_b]
    )
    period = period_actions.move_period(admin, period, "open")

    # Unit A: only through the API, by its data officer.
    api = api_client(users["officer_a"])
    opened = api.post(
        f"{BASE}/open",
        {"period_id": period.pk, "unit_id": personas.unit_a.pk},
        content_type="application/json",
    )
    assert opened.status_code == 200
    a_id = opened.json()["id"]
    saved = api.put(
        f"{BASE}/{a_id}/general",
        json.dumps({"values": GENERAL, "version": 0}),
        content_type="application/json",
    )
    assert saved.status_code == 200
    assert saved.json()["values"] == {
        "name": "Sở Tư pháp",
        "civil_servants": 40,
        "public_employees": 10,
        "procedures": 1250,
    }
    for code, inputs in FIGURES.items():
        response = api.put(
            f"{BASE}/{a_id}/answers/{code}",
            json.dumps({"inputs": inputs, "version": 0}),
            content_type="application/json",
        )
        assert response.status_code == 200, response.content
        assert (
            Decimal(response.json()["score"]) if response.json()["score"] else None
        ) == EXPECTED[code]

    # Unit B: only through the web pages, as the page's JavaScript posts them.
    web = personas.client("officer_b")
    opened = web.get(reverse("assessments:open", args=[period.pk, personas.unit_b.pk]))
    assert opened.status_code == 302
    b = Assessment.objects.get(period=period, unit=personas.unit_b)
    response = web.post(
        reverse("assessments:save_general", args=[b.pk]),
        json.dumps({"values": GENERAL, "version": 0}),
        content_type="application/json",
    )
    assert response.status_code == 200
    web_scores: dict[str, Decimal | None] = {}
    for code, inputs in FIGURES.items():
        criterion = Criterion.objects.get(framework=framework, code=code)
        response = web.post(
            reverse("assessments:save_answer", args=[b.pk, criterion.pk]),
            json.dumps({"inputs": inputs, "version": 0}),
            content_type="application/json",
        )
        assert response.status_code == 200, response.content
        score = response.json()["score"]
        web_scores[code] = None if score is None else Decimal(score)
    web_total = Decimal(response.json()["total"])

    # Every criterion, every pillar and the total agree, and agree with the hand computation.
    detail = api.get(f"{BASE}/{a_id}").json()
    api_scores = {
        c["code"]: None if c["score"] is None else Decimal(c["score"]) for c in detail["criteria"]
    }
    assert api_scores == web_scores == EXPECTED
    api_pillars = {p["code"]: Decimal(p["score"]) for p in detail["pillars"]}
    page_b = web.get(reverse("assessments:form", args=[b.pk]))
    web_pillars = {
        row["criterion"].code: row["node"].score
        for row in page_b.context["rows"]
        if row["is_pillar"]
    }
    assert api_pillars == web_pillars == PILLARS
    assert Decimal(detail["total"]) == web_total == page_b.context["total"] == TOTAL
    # Unit A's own web page shows the same total.
    page_a = personas.client("officer_a")
    page_a.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = page_a.get(reverse("assessments:form", args=[a_id]))
    assert page.context["total"] == TOTAL
    assert '<span id="total-score">72.08</span>' in page.content.decode()
    assert {
        row["criterion"].code: row["node"].score for row in page.context["rows"] if row["is_leaf"]
    } == EXPECTED

    # The leader submits through the API: the snapshot keeps the same scores.
    submitted = api_client(users["leader_a"]).post(f"{BASE}/{a_id}/submit")
    assert submitted.status_code == 200
    assert submitted.json()["total"] == "72.08"
    snapshot = Submission.objects.get(assessment_id=a_id).snapshot
    assert Decimal(snapshot["total"]) == TOTAL
    assert {code: snapshot["nodes"].get(code) for code in ("1", "2", "1.2", "2.2", "2.5")} == {
        "1": "30.00",
        "2": "42.08",
        "1.2": "15.00",
        "2.2": "13.33",
        "2.5": "6.00",
    }
    assert {
        code: None if value is None else Decimal(value)
        for code, value in snapshot["nodes"].items()
        if code in EXPECTED
    } == {code: value for code, value in EXPECTED.items() if value is not None}
