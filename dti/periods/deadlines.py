"""Deadlines in the province's time zone (Asia/Ho_Chi_Minh), enforced on the server.

A deadline is a date: it closes at the end of that day, local time. After the
submission deadline a unit can edit only while an administrator's reopening lasts.
"""

from __future__ import annotations

import datetime
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone

from dti.periods.models import Period, Reopening
from dti.units.models import Unit


def province_zone() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def closes_at(day: datetime.date) -> datetime.datetime:
    """The instant a deadline day ends: midnight after it, in the province's time zone."""
    return datetime.datetime.combine(
        day + datetime.timedelta(days=1), datetime.time(0), tzinfo=province_zone()
    )


def submission_open(period: Period, unit: Unit, now: datetime.datetime | None = None) -> bool:
    """May the unit still edit its self-assessment of ``period`` now?"""
    now = now or timezone.now()
    if period.status != Period.Status.OPEN:
        return False
    if now < closes_at(period.submission_deadline):
        return True
    return Reopening.objects.filter(period=period, unit=unit, until__gt=now).exists()
