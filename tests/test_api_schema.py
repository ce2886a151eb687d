"""Schemathesis against the live schema: every operation of /api/v1/, called with generated
queries, paths and bodies — valid ones and invalid ones — by four callers (the administrator, a
unit's data officer, an appraiser, and nobody) over the permission-matrix world. Each operation
is tried with random ids and with the ids of the world's real objects, so the answers are real
pages and refusals, not only 404s. No answer may be a server error, and every answer (status
code, content type, headers and body) must be one the schema documents.

The schema is read from the running application (its /api/v1/openapi.json), not from a file.
"""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from django.core.wsgi import get_wsgi_application
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from test_permissions import World

from dti.api.actions import create_token
from dti.audit.trail import Actor

pytestmark = pytest.mark.django_db

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]
EXAMPLES = 8


def _real_ids(world: World, path: str) -> dict[str, Any]:
    """The path's parameters filled with the world's objects (the appraisal's unit is B, the
    results' period the published one)."""
    appraisal = "/appraisal/" in path
    ids = {
        "framework_id": world.framework.pk,
        "period_id": (world.published if "/results/" in path else world.period).pk,
        "unit_id": world.personas.unit_a.pk,
        "assessment_id": (world.assessment_b if appraisal else world.assessment).pk,
        "code": (world.criterion_b if appraisal else world.criterion).code,
        "plan_id": (world.steering_plan if "/steering/" in path else world.plan).pk,
        "action_id": world.plan_action.pk,
        "target_id": world.target.pk,
    }
    return {key: value for key, value in ids.items() if "{" + key + "}" in path}


@pytest.fixture(params=["admin", "officer_a", "appraiser", "anonymous"])
def caller(request: Any, personas: Any, builtin_frameworks: Any, settings: Any) -> Any:
    settings.DTI_API_RATE_PER_MINUTE = 0  # the rate limit has its own tests
    settings.DTI_API_ANON_RATE_PER_MINUTE = 0
    world = World(personas)
    headers = {"Accept-Language": "vi" if request.param == "anonymous" else "en"}
    if request.param != "anonymous":
        user = personas.users[request.param]
        _token, secret = create_token(Actor(user, request.param), user, "schemathesis")
        headers["Authorization"] = f"Bearer {secret}"
    return world, headers


@pytest.fixture
def keep_the_test_connection() -> Any:
    """Calls go to the WSGI application in this process, as a server's would: like Django's test
    client, keep Django from closing the database connection (and the test's transaction with
    it) at the end of each request."""
    from django.core import signals
    from django.db import close_old_connections

    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


def test_api_conforms_to_its_schema(caller: Any, keep_the_test_connection: None) -> None:
    world, headers = caller
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", get_wsgi_application())
    failures: list[str] = []
    tried = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        real = _real_ids(world, operation.path)
        variants = [{}, {"path_parameters": real}] if real else [{}]
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            for variant in variants:
                strategy = operation.as_strategy(generation_mode=mode, **variant)

                @given(case=strategy)
                @hypothesis_settings(
                    max_examples=EXAMPLES,
                    deadline=None,
                    database=None,
                    suppress_health_check=list(HealthCheck),
                )
                def check(case: Any) -> None:
                    case.call_and_validate(headers=headers, checks=CHECKS)

                tried += 1
                try:
                    check()
                except Exception as failure:  # every operation is tried; all failures reported
                    failures.append(f"{operation.label} {mode.value} {variant}: {failure}")
    assert tried > 60
    assert failures == [], "\n\n".join(failures)


def test_the_schema_is_served_and_names_every_operation() -> None:
    from django.test import Client

    served = Client().get("/api/v1/openapi.json").json()
    assert served["openapi"].startswith("3.")
    operations = [
        op["operationId"] for methods in served["paths"].values() for op in methods.values()
    ]
    assert len(operations) == len(set(operations)), "operation ids must be unique"
    assert "TokenAuth" in served["components"]["securitySchemes"]


def test_schema_names_are_unique_across_the_api() -> None:
    """The schema names its components by class name: two ``CriterionOut`` in two modules would
    silently describe one endpoint with the other's fields."""
    import importlib
    import inspect
    import pkgutil

    from pydantic import BaseModel

    import dti.api.routes

    seen: dict[str, str] = {}
    clashes = []
    modules = ["dti.api.errors", "dti.api.pagination"] + [
        f"dti.api.routes.{m.name}" for m in pkgutil.iter_modules(dti.api.routes.__path__)
    ]
    for name in modules:
        module = importlib.import_module(name)
        for cls_name, cls in inspect.getmembers(module, inspect.isclass):
            if issubclass(cls, BaseModel) and cls.__module__ == name:
                if cls_name in seen:
                    clashes.append(f"{cls_name}: {seen[cls_name]} and {name}")
                seen[cls_name] = name
    assert clashes == []
