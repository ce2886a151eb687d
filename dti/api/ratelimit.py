"""Requests per minute, counted per token (and per address for calls without one).

A fixed one-minute window kept in Django's cache: the local memory of one process by default,
Redis when several processes share the load (see docs/deploy.md).
"""

from __future__ import annotations

import time

from django.conf import settings
from django.core.cache import cache

WINDOW = 60


class RateLimited(Exception):
    def __init__(self, retry_after: int) -> None:
        super().__init__("rate limited")
        self.retry_after = retry_after


def check_rate(ident: str, limit: int | None = None) -> None:
    """Count one request for ``ident``; raise ``RateLimited`` beyond the limit of the minute."""
    if limit is None:
        limit = settings.DTI_API_RATE_PER_MINUTE
    if limit <= 0:
        return
    now = time.time()
    window = int(now // WINDOW)
    key = f"dti-api-rate:{ident}:{window}"
    cache.add(key, 0, WINDOW * 2)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, WINDOW * 2)
        count = 1
    if count > limit:
        raise RateLimited(max(1, int(WINDOW - now % WINDOW)))
