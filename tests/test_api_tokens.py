"""Personal access tokens and the API's own pages: the secret shown once and stored hashed, tokens
that stop working (revoked, expired, owner deactivated), rate limits, the error format's language,
the interactive reference served offline, the schema, and the guide."""

from __future__ import annotations

import datetime
import hashlib
import json
import re
from collections.abc import Iterator
from html import unescape
from typing import Any

import pytest
import time_machine
from django.contrib.sessions.models import Session
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from dti.api.actions import create_token
from dti.api.models import ApiToken
from dti.audit.models import AuditRecord
from dti.audit.trail import Actor

pytestmark = pytest.mark.django_db

TOKENS = "/api/tokens/"
SECRET = re.compile(r"dti_[A-Za-z0-9_-]{40,}")
UNAUTHENTICATED = (
    "Send a valid personal access token in the header “Authorization: Bearer dti_…”. "
    "Tokens are made on your account page."
)


@pytest.fixture(autouse=True)
def fresh_rate_counts() -> Iterator[None]:
    """The rate counters live in the cache, which outlives each test's database."""
    cache.clear()
    yield
    cache.clear()


def page_client(personas: Any, name: str = "officer_a") -> Client:
    client = personas.client(name)
    client.cookies["django_language"] = "en"
    return client


def bearer(secret: str, language: str = "en", **extra: Any) -> Client:
    headers = {"HTTP_ACCEPT_LANGUAGE": language, **extra}
    return Client(HTTP_AUTHORIZATION=f"Bearer {secret}", **headers)


def make_token(personas: Any, name: str = "officer_a", **kwargs: Any) -> tuple[ApiToken, str]:
    user = personas.users[name]
    return create_token(Actor(user, name), user, kwargs.pop("label", "script"), **kwargs)


def create_through_page(client: Client, name: str = "LGSP", expires: str = "") -> str:
    """Make a token on the page; return the secret the next page shows."""
    response = client.post(TOKENS, {"name": name, "expires": expires})
    assert response.status_code == 302
    assert response["Location"] == f"{TOKENS}#new-token"
    shown = client.get(TOKENS)
    assert shown.status_code == 200
    found = SECRET.findall(shown.content.decode())
    assert len(found) == 1
    assert shown["Cache-Control"] == "no-store"
    return found[0]


def error_of(response: Any) -> dict[str, Any]:
    body = response.json()
    assert set(body) == {"error"}
    return body["error"]


# ---------------------------------------------------------------- the tokens page


def test_a_new_token_is_shown_once_and_stored_only_as_its_digest(personas: Any) -> None:
    client = page_client(personas)
    secret = create_through_page(client, "LGSP Bắc Ninh")
    again = client.get(TOKENS).content.decode()
    assert secret not in again
    assert SECRET.search(again) is None
    token = ApiToken.objects.get()
    assert token.user == personas.users["officer_a"]
    assert token.name == "LGSP Bắc Ninh"
    assert token.digest == hashlib.sha256(secret.encode()).hexdigest()
    assert token.prefix == secret[:10]
    assert f"{token.prefix}…" in again
    assert token.expires_at is None and token.revoked_at is None
    # Nowhere in the token row, the audit trail or the sessions (once shown).
    row = ApiToken.objects.filter(pk=token.pk).values().get()
    assert all(secret not in str(value) for value in row.values())
    records = AuditRecord.objects.filter(action="api.token_create")
    assert [r.actor_label for r in records] == ["officer_a"]
    for record in AuditRecord.objects.all():
        dumped = json.dumps([record.before, record.after, record.reason, record.object_label])
        assert secret not in dumped
        assert secret[10:] not in dumped
    for session in Session.objects.all():
        assert secret not in json.dumps(session.get_decoded())


def test_the_page_explains_what_a_token_can_do(personas: Any) -> None:
    html = page_client(personas).get(TOKENS).content.decode()
    assert "A token can do exactly what you can do on these pages, no more." in html
    assert "You have no token yet." in html
    assert reverse("apiweb:guide") in html


def test_the_list_shows_own_tokens_with_their_state(personas: Any) -> None:
    with time_machine.travel(timezone.make_aware(datetime.datetime(2030, 1, 10, 9, 0)), tick=False):
        make_token(personas, label="Kept")
        make_token(personas, label="Short", expires=datetime.date(2030, 1, 11))
        revoked, _secret = make_token(personas, label="Old")
        revoked.revoked_at = timezone.now()
        revoked.save()
        make_token(personas, "officer_b", label="Someone else's")
    with time_machine.travel(timezone.make_aware(datetime.datetime(2030, 1, 12, 9, 0)), tick=False):
        response = page_client(personas).get(TOKENS)
    rows = {row.token.name: (row.state, row.valid_until) for row in response.context["rows"]}
    assert rows == {
        "Kept": ("active", None),
        "Short": ("expired", datetime.date(2030, 1, 11)),
        "Old": ("revoked", None),
    }
    html = response.content.decode()
    assert "Someone else" not in html
    assert "11/01/2030" in html and "no expiry" in html
    assert html.count('/revoke/"') == 2  # the revoked one has no revoke form


def test_the_page_costs_the_same_queries_for_one_token_or_many(personas: Any) -> None:
    client = page_client(personas)
    make_token(personas)
    client.get(TOKENS)
    with CaptureQueriesContext(connection) as one:
        client.get(TOKENS)
    for n in range(5):
        make_token(personas, label=f"more {n}")
    with CaptureQueriesContext(connection) as many:
        client.get(TOKENS)
    assert len(many) == len(one)


def test_an_expiry_date_is_read_as_dd_mm_yyyy_and_lasts_the_whole_day(personas: Any) -> None:
    with time_machine.travel(timezone.make_aware(datetime.datetime(2030, 6, 1, 9, 0)), tick=False):
        client = page_client(personas)
        secret = create_through_page(client, "Until New Year", "31/12/2030")
        token = ApiToken.objects.get()
        assert timezone.localtime(token.expires_at) == timezone.make_aware(
            datetime.datetime(2031, 1, 1, 0, 0)
        )
        assert "31/12/2030" in client.get(TOKENS).content.decode()
    with time_machine.travel(
        timezone.make_aware(datetime.datetime(2030, 12, 31, 23, 59)), tick=False
    ):
        assert bearer(secret).get("/api/v1/periods").status_code == 200
    with time_machine.travel(timezone.make_aware(datetime.datetime(2031, 1, 1, 0, 1)), tick=False):
        response = bearer(secret).get("/api/v1/periods")
        assert response.status_code == 401
        assert error_of(response)["code"] == "unauthenticated"
        assert page_client(personas).get(TOKENS).context["rows"][0].state == "expired"


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        (
            {"name": "", "expires": ""},
            "name",
            "Give the token a name, e.g. the system that will use it.",
        ),
        ({"name": "X", "expires": "2030-31-12"}, "expires", "Enter the date as dd/mm/yyyy."),
        ({"name": "X", "expires": "01/01/2020"}, None, "The expiry date must be after today."),
        ({"name": "x" * 101, "expires": ""}, "name", "at most 100 characters"),
    ],
)
def test_a_token_that_cannot_be_made_is_refused_with_the_reason(
    personas: Any, data: dict[str, str], field: str | None, message: str
) -> None:
    response = page_client(personas).post(TOKENS, data)
    assert response.status_code == 400
    form = response.context["form"]
    errors = form.errors[field] if field else form.non_field_errors()
    assert any(message in e for e in errors)
    assert message in response.content.decode()
    assert ApiToken.objects.count() == 0
    assert not AuditRecord.objects.filter(action="api.token_create").exists()


def test_the_tokens_page_is_for_signed_in_people_only(personas: Any) -> None:
    response = Client().get(TOKENS)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))
    assert Client().post(TOKENS, {"name": "X"}).status_code == 302
    assert ApiToken.objects.count() == 0
    assert page_client(personas).put(TOKENS).status_code == 405


def test_messages_follow_the_language_of_the_person(personas: Any) -> None:
    client = personas.client("officer_a")  # Vietnamese, the default
    response = client.post(TOKENS, {"name": "X", "expires": "nonsense"})
    assert response.status_code == 400
    assert "Hãy nhập ngày theo dạng dd/mm/yyyy (ngày/tháng/năm)." in response.content.decode()


def test_my_account_links_to_the_tokens(personas: Any) -> None:
    html = page_client(personas).get(reverse("accounts:me")).content.decode()
    assert f'href="{TOKENS}"' in html
    assert "Personal access tokens" in html


# ---------------------------------------------------------------- revoking


def test_a_token_works_until_revoked_on_the_page(personas: Any) -> None:
    client = page_client(personas)
    secret = create_through_page(client)
    api = bearer(secret)
    assert api.get("/api/v1/periods").status_code == 200
    token = ApiToken.objects.get()
    assert token.last_used_at is not None
    response = client.post(reverse("apiweb:revoke", args=[token.pk]))
    assert response.status_code == 302 and response["Location"] == TOKENS
    page = client.get(TOKENS)
    assert "has been revoked; it no longer works." in page.content.decode()
    assert page.context["rows"][0].state == "revoked"
    token.refresh_from_db()
    assert token.revoked_at is not None
    record = AuditRecord.objects.get(action="api.token_revoke")
    assert record.actor_label == "officer_a"
    assert record.before["revoked"] is False and record.after["revoked"] is True
    refused = api.get("/api/v1/periods")
    assert refused.status_code == 401
    assert error_of(refused) == {
        "code": "unauthenticated",
        "message": UNAUTHENTICATED,
        "fields": [],
    }


def test_revoking_someone_elses_token_is_not_found_and_changes_nothing(personas: Any) -> None:
    token, secret = make_token(personas, "officer_b")
    records = AuditRecord.objects.count()
    response = page_client(personas, "officer_a").post(reverse("apiweb:revoke", args=[token.pk]))
    assert response.status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None
    assert AuditRecord.objects.count() == records
    assert bearer(secret).get("/api/v1/periods").status_code == 200
    # Not even the administrator revokes someone else's token here.
    assert (
        page_client(personas, "admin").post(reverse("apiweb:revoke", args=[token.pk])).status_code
        == 404
    )
    assert page_client(personas).post(reverse("apiweb:revoke", args=[999999])).status_code == 404


def test_revoking_wants_a_post_from_the_signed_in_owner(personas: Any) -> None:
    token, _secret = make_token(personas)
    url = reverse("apiweb:revoke", args=[token.pk])
    assert page_client(personas).get(url).status_code == 405
    assert Client().post(url).status_code == 302  # to the sign-in page
    token.refresh_from_db()
    assert token.revoked_at is None


def test_the_token_of_a_deactivated_person_stops_working(personas: Any) -> None:
    _token, secret = make_token(personas)
    assert bearer(secret).get("/api/v1/periods").status_code == 200
    user = personas.users["officer_a"]
    user.is_active = False
    user.save()
    response = bearer(secret).get("/api/v1/periods")
    assert response.status_code == 401
    assert error_of(response)["code"] == "unauthenticated"


def test_a_wrong_or_missing_token_is_refused(personas: Any) -> None:
    _token, secret = make_token(personas)
    for client in (bearer(secret[:-1] + ("A" if secret[-1] != "A" else "B")), bearer(""), Client()):
        response = client.get("/api/v1/periods")
        assert response.status_code == 401
        assert error_of(response)["code"] == "unauthenticated"


# ---------------------------------------------------------------- rate limits


MID_MINUTE = datetime.datetime(2030, 3, 4, 5, 6, 15, tzinfo=datetime.UTC)


def test_each_token_is_limited_per_minute_on_its_own(personas: Any, settings: Any) -> None:
    settings.DTI_API_RATE_PER_MINUTE = 3
    _first, secret = make_token(personas)
    _second, other = make_token(personas, label="second")
    with time_machine.travel(MID_MINUTE, tick=False):
        api = bearer(secret)
        assert [api.get("/api/v1/periods").status_code for _ in range(3)] == [200, 200, 200]
        limited = api.get("/api/v1/periods")
        assert limited.status_code == 429
        assert limited["Retry-After"] == "45"
        error = error_of(limited)
        assert error["code"] == "rate_limited"
        assert error["message"] == "Too many requests with this token; try again in 45 seconds."
        assert bearer(other).get("/api/v1/periods").status_code == 200
        assert bearer(secret, "vi").get("/api/v1/periods").status_code == 429
    with time_machine.travel(MID_MINUTE + datetime.timedelta(minutes=1), tick=False):
        assert api.get("/api/v1/periods").status_code == 200


def test_calls_without_a_token_are_limited_per_address(personas: Any, settings: Any) -> None:
    settings.DTI_API_ANON_RATE_PER_MINUTE = 2
    settings.DTI_API_RATE_PER_MINUTE = 2
    _token, secret = make_token(personas)
    here = Client(REMOTE_ADDR="10.0.0.1", HTTP_ACCEPT_LANGUAGE="en")
    there = Client(REMOTE_ADDR="10.0.0.2", HTTP_ACCEPT_LANGUAGE="en")
    with time_machine.travel(MID_MINUTE, tick=False):
        assert [here.get("/api/v1/frameworks").status_code for _ in range(2)] == [200, 200]
        limited = here.get("/api/v1/frameworks")
        assert limited.status_code == 429
        assert limited["Retry-After"] == "45"
        assert error_of(limited)["code"] == "rate_limited"
        assert there.get("/api/v1/frameworks").status_code == 200
        # A token from the same address is counted as the token, not as the address.
        assert bearer(secret, REMOTE_ADDR="10.0.0.1").get("/api/v1/frameworks").status_code == 200


# ---------------------------------------------------------------- the error format's language


def test_errors_speak_english_on_request_with_the_same_status_and_code_in_vietnamese(
    personas: Any,
) -> None:
    _token, secret = make_token(personas)
    cases = [
        (Client, "/api/v1/periods", 401, "unauthenticated", UNAUTHENTICATED),
        (lambda **h: bearer(secret, **h), "/api/v1/periods/999999", 404, "not_found",
         "Not found, or not yours to see."),
        (lambda **h: bearer(secret, **h), "/api/v1/periods?page=0", 400, "invalid",
         "The request is not valid; see the fields."),
        (lambda **h: bearer(secret, **h), "/api/v1/nowhere", 404, "not_found",
         "Not found, or not yours to see."),
    ]  # fmt: skip
    for make, path, status, code, english in cases:
        answers = {}
        for language in ("en", "vi"):
            response = make(HTTP_ACCEPT_LANGUAGE=language).get(path)
            assert response.status_code == status, (path, language)
            assert response["Content-Language"] == language
            answers[language] = error_of(response)
        assert answers["en"]["message"] == english
        assert answers["en"]["code"] == answers["vi"]["code"] == code
        assert [f["field"] for f in answers["en"]["fields"]] == [
            f["field"] for f in answers["vi"]["fields"]
        ]
    invalid = bearer(secret).get("/api/v1/periods?page=0")
    assert error_of(invalid)["fields"] == [
        {"field": "query.page", "message": "The value is too small (at least 1)."}
    ]


# ---------------------------------------------------------------- reference, schema, guide


def test_the_interactive_reference_loads_only_local_files(db: None) -> None:
    response = Client().get("/api/v1/docs")
    assert response.status_code == 200
    html = response.content.decode()
    loaded = re.findall(r"<(?:script|link)\b[^>]*?(?:src|href)=[\"']([^\"']+)", html)
    assert loaded, html[:500]
    assert all(not re.match(r"(https?:)?//", url) for url in loaded), loaded
    assert any(url.startswith("/static/ninja/") and url.endswith(".js") for url in loaded)
    assert any(url.startswith("/static/ninja/") and url.endswith(".css") for url in loaded)
    assert "/api/v1/openapi.json" in html
    assert not re.search(r"https?://(?!www\.w3\.org)", html)


def test_the_schema_is_json_under_api_v1_with_a_bearer_scheme(db: None) -> None:
    response = Client().get("/api/v1/openapi.json")
    assert response.status_code == 200
    schema = json.loads(response.content)
    assert schema["openapi"].startswith("3.")
    assert schema["paths"]
    assert all(path.startswith("/api/v1/") for path in schema["paths"])
    schemes = schema["components"]["securitySchemes"]
    assert {"type": "http", "scheme": "bearer"}.items() <= next(iter(schemes.values())).items()
    # Every endpoint that needs a token says so.
    assert schema["paths"]["/api/v1/periods"]["get"]["security"]


def test_the_guide_is_public_and_shows_the_header_and_examples(db: None, settings: Any) -> None:
    settings.ALLOWED_HOSTS = ["dti.example.gov.vn", "testserver"]
    response = Client(HTTP_HOST="dti.example.gov.vn").get(
        reverse("apiweb:guide"), HTTP_COOKIE="django_language=en"
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "Authorization: Bearer dti_…" in html
    assert "Accept-Language: en" in html
    assert "http://dti.example.gov.vn/api/v1/frameworks" in html
    assert 'href="/api/v1/docs"' in html and 'href="/api/v1/openapi.json"' in html
    assert "/api/tokens/" in html
    assert "rate_limited" in html and "Retry-After" in html
    assert Client().get(reverse("apiweb:guide")).status_code == 200  # in Vietnamese too
    assert Client().post(reverse("apiweb:guide")).status_code == 405


def test_the_footer_links_to_the_guide(db: None) -> None:
    html = Client().get(reverse("home")).content.decode()
    assert f'href="{reverse("apiweb:guide")}"' in html


def test_every_example_of_the_guide_calls_an_endpoint_that_exists(db: None) -> None:
    html = Client().get(reverse("apiweb:guide")).content.decode()
    schema = Client().get("/api/v1/openapi.json").json()
    served = [
        (method.upper(), re.compile("^" + re.sub(r"\{[^/]+\}", "[^/]+", path) + "$"))
        for path, methods in schema["paths"].items()
        for method in methods
    ]
    blocks = [unescape(b) for b in re.findall(r"<pre><code>(.*?)</code></pre>", html, re.S)]
    commands = [
        c for b in blocks for c in b.replace("\\\n", " ").splitlines() if c.startswith("curl ")
    ]
    assert len(commands) >= 12
    for command in commands:
        explicit = re.search(r"-X (\w+)", command)
        method = explicit[1] if explicit else ("POST" if re.search(r" -[dF] ", command) else "GET")
        url = re.search(r"'http://testserver(/api/v1/[^'?]*)", command)
        assert url, command
        assert any(m == method and p.match(url[1]) for m, p in served), (method, url[1])
