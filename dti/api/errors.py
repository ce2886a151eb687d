"""One error format for the whole API, in the caller's language (Accept-Language: vi or en):

    {"error": {"code": "not_found", "message": "…", "fields": [{"field": "…", "message": "…"}]}}

``code`` is stable and meant for programs; ``message`` is meant for people. Every refusal of the
actions (not allowed, not valid, someone saved first, a rule of the cycle) maps to one status.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from typing import Any

from django.core.exceptions import PermissionDenied, RequestDataTooBig, SuspiciousOperation
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError, ValidationError

logger = logging.getLogger(__name__)


class FieldError(Schema):
    field: str
    message: str


class ErrorBody(Schema):
    code: str
    message: str
    fields: list[FieldError] = []


class ErrorOut(Schema):
    error: ErrorBody


class ApiError(Exception):
    """Raised by an endpoint to answer with an error; ``fields`` point at the bad inputs."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        fields: Iterable[tuple[str, str]] = (),
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message
        self.fields = list(fields)
        self.headers = headers or {}


def not_found() -> ApiError:
    return ApiError(404, "not_found", _("Not found, or not yours to see."))


def invalid(message: str, fields: Iterable[tuple[str, str]] = ()) -> ApiError:
    return ApiError(400, "invalid", message, fields)


def refused(message: str) -> ApiError:
    """A rule of the cycle refuses the change now (a round open, a period closed …)."""
    return ApiError(409, "refused", message)


def forbidden(message: str = "") -> ApiError:
    return ApiError(403, "forbidden", message or _("You may not do this."))


def error_response(api: NinjaAPI, request: HttpRequest, error: ApiError) -> HttpResponse:
    body = {
        "error": {
            "code": error.code,
            "message": error.message,
            "fields": [{"field": f, "message": m} for f, m in error.fields],
        }
    }
    response = api.create_response(request, body, status=error.status)
    for name, value in error.headers.items():
        response[name] = value
    return response


#: pydantic's error types, said in the caller's language.
def _pydantic_message(kind: str, context: dict[str, Any]) -> str:
    messages = {
        "missing": _("This field is required."),
        "int_parsing": _("Enter a whole number."),
        "int_type": _("Enter a whole number."),
        "int_from_float": _("Enter a whole number."),
        "float_parsing": _("Enter a number."),
        "decimal_parsing": _("Enter a number."),
        "decimal_type": _("Enter a number."),
        "string_type": _("Enter text."),
        "bool_parsing": _("Enter true or false."),
        "bool_type": _("Enter true or false."),
        "date_parsing": _("Enter a date as YYYY-MM-DD."),
        "date_from_datetime_parsing": _("Enter a date as YYYY-MM-DD."),
        "date_type": _("Enter a date as YYYY-MM-DD."),
        "list_type": _("Enter a list."),
        "dict_type": _("Enter an object."),
        "model_type": _("Enter an object."),
        "model_attributes_type": _("Enter an object."),
        "json_invalid": _("The request is not valid JSON."),
        "extra_forbidden": _("This field is not expected."),
        "string_too_long": _("The text is too long."),
        "string_too_short": _("This field may not be empty."),
        "too_long": _("The list is too long."),
        "value_error": _("The value is not valid."),
    }
    if kind in ("literal_error", "enum"):
        return _("Choose one of: %(choices)s.") % {"choices": context.get("expected", "")}
    if kind in ("less_than_equal", "less_than"):
        return _("The value is too large (at most %(limit)s).") % {
            "limit": context.get("le", context.get("lt", ""))
        }
    if kind in ("greater_than_equal", "greater_than"):
        return _("The value is too small (at least %(limit)s).") % {
            "limit": context.get("ge", context.get("gt", ""))
        }
    return messages.get(kind, _("The value is not valid."))


def _where(location: Sequence[Any]) -> str:
    """ "body.inputs.numerator": ninja nests the body under the parameter's name ("body")."""
    parts = [str(part) for part in location if part not in ("", None)]
    if parts and parts[0] == "form":  # a multipart form is the body too
        parts[0] = "body"
    if len(parts) > 1 and parts[0] == "body" and parts[1] in ("body", "data"):
        parts = [parts[0], *parts[2:]]
    return ".".join(parts)


def install(api: NinjaAPI) -> None:
    """Route every exception the API may meet to the one error format."""
    from dti.api.actions import TokenError
    from dti.api.ratelimit import RateLimited
    from dti.appraisal.actions import AppraisalError
    from dti.assessments import actions as assessment_actions
    from dti.periods.actions import PeriodError
    from dti.plans.actions import PlanError
    from dti.steering.actions import SteeringError

    def handle(exc_type: type[Exception]) -> Any:
        def register(build: Any) -> Any:
            def handler(request: HttpRequest, exc: Exception) -> HttpResponse:
                return error_response(api, request, build(exc))

            api.add_exception_handler(exc_type, handler)
            return build

        return register

    handle(ApiError)(lambda exc: exc)

    @handle(ValidationError)
    def _validation(exc: ValidationError) -> ApiError:
        fields = [
            (_where(e.get("loc", ())), _pydantic_message(e.get("type", ""), e.get("ctx") or {}))
            for e in exc.errors
        ]
        return invalid(_("The request is not valid; see the fields."), fields)

    @handle(AuthenticationError)
    def _unauthenticated(exc: AuthenticationError) -> ApiError:
        return ApiError(
            401,
            "unauthenticated",
            _(
                "Send a valid personal access token in the header “Authorization: Bearer dti_…”. "
                "Tokens are made on your account page."
            ),
        )

    @handle(RateLimited)
    def _limited(exc: RateLimited) -> ApiError:
        return ApiError(
            429,
            "rate_limited",
            _("Too many requests with this token; try again in %(seconds)d seconds.")
            % {"seconds": exc.retry_after},
            headers={"Retry-After": str(exc.retry_after)},
        )

    handle(Http404)(lambda exc: not_found())
    handle(PermissionDenied)(lambda exc: forbidden())
    handle(assessment_actions.NotAllowed)(lambda exc: forbidden(str(exc)))
    handle(assessment_actions.Conflict)(
        lambda exc: ApiError(
            409, "conflict", _("Someone else saved this first; nothing was overwritten.")
        )
    )
    for domain_error in (AppraisalError, PeriodError, PlanError, SteeringError, TokenError):
        handle(domain_error)(lambda exc: refused(str(exc)))

    @handle(RequestDataTooBig)
    def _too_big(exc: RequestDataTooBig) -> ApiError:
        return ApiError(413, "too_large", _("The request is too large."))

    @handle(SuspiciousOperation)
    def _suspicious(exc: SuspiciousOperation) -> ApiError:
        return invalid(_("The request is not valid."))

    @handle(HttpError)
    def _http(exc: HttpError) -> ApiError:
        if exc.status_code == 400:  # ninja could not read the body
            return invalid(_("The request body could not be read: send JSON or a form."))
        return ApiError(exc.status_code, "error", str(exc))

    @handle(Exception)
    def _unexpected(exc: Exception) -> ApiError:
        logger.exception("API error", exc_info=exc)
        return ApiError(500, "server_error", _("Something went wrong on the server; try again."))
