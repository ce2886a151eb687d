"""Security middleware: the Content-Security-Policy on every response, and the client's address
when DTI runs behind proxies.

The policy holds in every mode, development too, so the test suite (the browser tests among it)
proves that the pages work under it. No page has an inline script or an event-handler
attribute; scripts and style sheets are static files. What the policy allows beyond 'self':

- ``style-src-attr 'unsafe-inline'``: a few progress bars set their width in a ``style``
  attribute (assessments/departments.html, assessments/summary.html). Style attributes only:
  ``<style>`` elements and style sheets from elsewhere stay refused, and scripts are untouched.
- ``img-src data:``: small images written into style sheets (the API's interactive page).

A PDF shown in the browser (the appraisal page previews evidence in a frame) gets only
``frame-ancestors``: the browser draws it in a viewer page of its own, whose plugin and inline
styles the page policy blocks in Chromium-based browsers of before 2024 (crbug.com/271452).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import MiddlewareNotUsed
from django.http import HttpRequest, HttpResponse

POLICY: dict[str, str] = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "style-src-attr": "'unsafe-inline'",
    "img-src": "'self' data:",
    "object-src": "'none'",
    "frame-ancestors": "'self'",
    "base-uri": "'self'",
    "form-action": "'self'",
}

#: For documents the browser renders with its own viewer (PDF): only who may frame them.
VIEWER_POLICY: dict[str, str] = {"frame-ancestors": "'self'"}
VIEWER_TYPES = ("application/pdf",)

ENFORCE = "Content-Security-Policy"
REPORT_ONLY = "Content-Security-Policy-Report-Only"


def policy_text(policy: dict[str, str], report_uri: str = "") -> str:
    directives = [f"{name} {value}" for name, value in policy.items()]
    if report_uri:
        directives.append(f"report-uri {report_uri}")
    return "; ".join(directives)


class ContentSecurityPolicyMiddleware:
    """Add the policy to every response that has none yet (as report-only when
    DTI_CSP_REPORT_ONLY is set)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        report_uri = settings.DTI_CSP_REPORT_URI
        self.header = REPORT_ONLY if settings.DTI_CSP_REPORT_ONLY else ENFORCE
        self.page = policy_text(POLICY, report_uri)
        self.viewer = policy_text(VIEWER_POLICY, report_uri)

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if ENFORCE not in response.headers and REPORT_ONLY not in response.headers:
            content_type = response.headers.get("Content-Type", "").split(";")[0].strip()
            viewer = content_type in VIEWER_TYPES
            response.headers[self.header] = self.viewer if viewer else self.page
        return response


class ProxiedAddressMiddleware:
    """Behind nginx or a load balancer, REMOTE_ADDR is the proxy's address. For a request that
    comes from a trusted proxy (DTI_TRUSTED_PROXIES), REMOTE_ADDR becomes the nearest address
    in X-Forwarded-For that is not itself a trusted proxy: the client, as the audit trail and
    the API's per-address limits must see it. Anything a client wrote further left is ignored."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        if not settings.DTI_TRUSTED_PROXIES:
            raise MiddlewareNotUsed
        self.get_response = get_response
        self.trusted = [
            ipaddress.ip_network(item, strict=False) for item in settings.DTI_TRUSTED_PROXIES
        ]

    def _is_trusted(self, address: str) -> bool:
        try:
            ip = ipaddress.ip_address(address)
        except ValueError:
            return False
        return any(ip in network for network in self.trusted)

    def __call__(self, request: HttpRequest) -> HttpResponse:
        remote = request.META.get("REMOTE_ADDR", "")
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        if forwarded and self._is_trusted(remote):
            for address in reversed([a.strip() for a in forwarded.split(",")]):
                try:
                    ipaddress.ip_address(address)
                except ValueError:
                    break  # not an address: trust nothing beyond it
                remote = address
                if not self._is_trusted(address):
                    break
            request.META["REMOTE_ADDR"] = remote
        return self.get_response(request)
