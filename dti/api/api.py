"""The API's one entry point: ``/api/v1/``, its OpenAPI schema and its interactive page."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy as _
from ninja import NinjaAPI, Swagger
from ninja.renderers import JSONRenderer

from dti.api import errors
from dti.api.auth import token_auth
from dti.api.routes import appraisal, assessments, frameworks, periods, plans, results

DESCRIPTION = """\
The DTI REST API for provincial integration platforms (LGSP) and for units whose figures live in
other systems. Every call carries a personal access token, made on the owner's account page:
`Authorization: Bearer dti_…`. A token acts as its owner and can do exactly what its owner can
on the web pages; every change goes through the same rules and is written to the audit trail.
Published results and frameworks can be read without a token.

Errors always have the form `{"error": {"code", "message", "fields"}}`, with the message in the
language of `Accept-Language` (`vi` by default, or `en`). Lists come in pages
(`?page=1&page_size=50`). Each token may make a limited number of requests a minute; beyond it
the answer is 429 with `Retry-After`. Points are decimal numbers written as text ("22.50").
"""


class Utf8Renderer(JSONRenderer):
    """Vietnamese as it is written ("Sở Tư pháp"), not as \\u escapes: JSON is UTF-8."""

    json_dumps_params = {"ensure_ascii": False}


class DtiAPI(NinjaAPI):
    def get_openapi_operation_id(self, operation: Any) -> str:
        """The endpoint's function name: ``list_frameworks``, ``save_answer`` …"""
        return str(operation.view_func.__name__).rstrip("_")


api = DtiAPI(
    title="DTI API",
    version="1",
    description=DESCRIPTION,
    auth=token_auth,
    urls_namespace="api",
    docs_url="/docs",
    docs=Swagger(settings={"validatorUrl": None}),
    renderer=Utf8Renderer(),
    openapi_url="/openapi.json",
)
errors.install(api)
api.add_router("/frameworks", frameworks.router, tags=["frameworks"])
api.add_router("/", periods.router, tags=["periods and units"])
api.add_router("/assessments", assessments.router, tags=["assessments"])
api.add_router("/appraisal", appraisal.router, tags=["appraisal"])
api.add_router("/results", results.router, tags=["results"])
api.add_router("/", plans.router, tags=["plans and targets"])


def api_not_found(request: HttpRequest) -> HttpResponse:
    """Any other address under /api/v1/: the API's own 404, in its error format."""
    return errors.error_response(api, request, errors.not_found())


__all__ = ["_", "api", "api_not_found"]
