"""The API's one error format: where the bad value is, in the caller's language."""

from __future__ import annotations

from typing import Any

import pytest
from helpers import api_client

pytestmark = pytest.mark.django_db


def _error(response: Any) -> dict[str, Any]:
    body = response.json()
    assert set(body) == {"error"}
    return body["error"]  # type: ignore[no-any-return]


def test_a_missing_body_field_is_named_by_its_place(personas: Any) -> None:
    client = api_client(personas.users["officer_a"])
    response = client.post("/api/v1/assessments/open", {"unit_id": 1}, "application/json")
    assert response.status_code == 400
    assert _error(response) == {
        "code": "invalid",
        "message": "The request is not valid; see the fields.",
        "fields": [{"field": "body.period_id", "message": "This field is required."}],
    }


def test_query_and_path_values_are_named_by_their_place(personas: Any) -> None:
    client = api_client(personas.users["officer_a"])
    assert _error(client.get("/api/v1/periods?page=0"))["fields"] == [
        {"field": "query.page", "message": "The value is too small (at least 1)."}
    ]
    assert _error(client.get("/api/v1/periods/x"))["fields"] == [
        {"field": "path.period_id", "message": "Enter a whole number."}
    ]


def test_a_body_that_is_not_json_is_refused_in_the_format(personas: Any) -> None:
    client = api_client(personas.users["officer_a"])
    response = client.post("/api/v1/assessments/open", "{not json", "application/json")
    assert response.status_code == 400
    assert _error(response)["code"] == "invalid"


def test_messages_follow_accept_language(personas: Any) -> None:
    english = api_client(personas.users["officer_a"], language="en")
    vietnamese = api_client(personas.users["officer_a"], language="vi-VN,vi;q=0.9")
    default = api_client(personas.users["officer_a"], language="")
    en, vi, neither = (
        _error(c.get("/api/v1/periods/999999")) for c in (english, vietnamese, default)
    )
    assert en["message"] == "Not found, or not yours to see."
    assert vi["message"] == "Không tìm thấy, hoặc bạn không có quyền xem."
    assert neither == vi
    assert en["code"] == vi["code"] == "not_found"
    missing = vietnamese.post("/api/v1/assessments/open", {"unit_id": 1}, "application/json")
    assert _error(missing)["fields"] == [
        {"field": "body.period_id", "message": "Trường này là bắt buộc."}
    ]


def test_an_unknown_address_under_the_api_is_a_404_in_the_format(personas: Any) -> None:
    response = api_client(personas.users["officer_a"]).get("/api/v1/no/such/thing")
    assert response.status_code == 404
    assert _error(response)["code"] == "not_found"


def test_vietnamese_comes_as_written(personas: Any) -> None:
    response = api_client(personas.users["officer_a"]).get(f"/api/v1/units/{personas.unit_a.pk}")
    assert "Sở Tư pháp".encode() in response.content
    assert response.json()["name"] == "Sở Tư pháp"
