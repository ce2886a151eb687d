"""The API's own pages: the guide with worked examples (public), and the owner's personal access
tokens (mã truy cập cá nhân).

A new token's secret is shown once: it waits in the session for the next page only, which takes
it out, as the temporary passwords of the people pages do.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from dti.accounts.models import User
from dti.api.actions import MAX_NAME, TokenError, create_token, revoke_token
from dti.api.models import ApiToken
from dti.api.pagination import MAX_PAGE_SIZE
from dti.audit.trail import Actor

SHOWN_ONCE = "dti_new_api_token"  # {"id": pk, "secret": …}, taken out by the next page


class TokenForm(forms.Form):
    name = forms.CharField(
        label=gettext_lazy("Name"),
        max_length=MAX_NAME,
        error_messages={
            "required": gettext_lazy("Give the token a name, e.g. the system that will use it.")
        },
    )
    # The site's dates are dd/mm/yyyy; ISO is read too (what a date picker or a script sends).
    expires = forms.DateField(
        label=gettext_lazy("Valid until (optional)"),
        required=False,
        input_formats=["%d/%m/%Y", "%Y-%m-%d"],
        error_messages={"invalid": gettext_lazy("Enter the date as dd/mm/yyyy.")},
    )


@dataclass
class TokenRow:
    token: ApiToken
    state: str  # active, expired or revoked
    label: str
    valid_until: datetime.date | None  # the last day it works, as its owner typed it


def _rows(tokens: list[ApiToken]) -> list[TokenRow]:
    now = timezone.now()
    labels = {"active": _("active"), "expired": _("expired"), "revoked": _("revoked")}
    rows = []
    for token in tokens:
        if token.revoked_at is not None:
            state = "revoked"
        elif token.expires_at is not None and token.expires_at <= now:
            state = "expired"
        else:
            state = "active"
        last_day = None
        if token.expires_at is not None:  # it stops at the midnight that ends its last day
            last_day = timezone.localtime(token.expires_at - datetime.timedelta(microseconds=1))
        rows.append(TokenRow(token, state, labels[state], last_day and last_day.date()))
    return rows


@login_required
@require_http_methods(["GET", "POST"])
def tokens(request: HttpRequest) -> HttpResponse:
    """The signed-in person's tokens: the list, making one, the secret of the one just made."""
    user: User = request.user  # type: ignore[assignment]
    form = TokenForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            token, secret = create_token(
                Actor.from_request(request),
                user,
                form.cleaned_data["name"],
                form.cleaned_data["expires"],
            )
        except TokenError as exc:
            form.add_error(None, str(exc))
        else:
            request.session[SHOWN_ONCE] = {"id": token.pk, "secret": secret}
            messages.success(
                request, _("The token “%(name)s” has been created.") % {"name": token.name}
            )
            # The fragment is explicit, or the browser keeps the form's "#new" and scrolls past
            # the secret.
            return redirect(reverse("apiweb:tokens") + "#new-token")
    own = list(ApiToken.objects.filter(user=user))
    new = None
    shown = request.session.pop(SHOWN_ONCE, None)
    if shown:
        new = {
            "token": next((t for t in own if t.pk == shown.get("id")), None),
            "secret": shown.get("secret", ""),
        }
    context = {
        "form": form,
        "rows": _rows(own),
        "new": new,
        "guide": reverse("apiweb:guide"),
    }
    response = render(request, "api/tokens.html", context, status=400 if form.errors else 200)
    if new:
        response["Cache-Control"] = "no-store"  # the secret must not stay in a cache
    return response


@login_required
@require_POST
def revoke(request: HttpRequest, token_id: int) -> HttpResponse:
    """Revoke one of one's own tokens; anyone else's is not found."""
    user: User = request.user  # type: ignore[assignment]
    token = get_object_or_404(ApiToken, pk=token_id, user=user)
    try:
        revoke_token(Actor.from_request(request), token)
    except TokenError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request,
            _("The token “%(name)s” has been revoked; it no longer works.") % {"name": token.name},
        )
    return redirect("apiweb:tokens")


@require_GET
def guide(request: HttpRequest) -> HttpResponse:
    """How to use the API, with examples against this very server."""
    context = {
        "base": request.build_absolute_uri(reverse("api:api-root")).rstrip("/"),
        "docs_url": reverse("api:openapi-view"),
        "schema_url": reverse("api:openapi-json"),
        "tokens_url": reverse("apiweb:tokens"),
        "rate": settings.DTI_API_RATE_PER_MINUTE,
        "anon_rate": settings.DTI_API_ANON_RATE_PER_MINUTE,
        "max_page_size": MAX_PAGE_SIZE,
    }
    return render(request, "api/guide.html", context)
