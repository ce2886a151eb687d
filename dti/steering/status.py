"""Where a target stands: met, on track, at risk or missed — one rule, from plain values.

The rule, in this order (also in docs/steering.md):

1. **met** — the latest reported value satisfies the target (``measures.satisfies``: ≥, ≤,
   a bare value such as 100 % exactly, a range from its lower end on);
2. **missed** — otherwise, once its deadline (or the end of the plan's year) has passed;
3. **at risk** — otherwise, when the latest report is older than the last quarter whose report
   was due (or there is none while one was due), or when the deadline is at most
   ``RISK_DAYS`` (90) days away;
4. **on track** — otherwise.

A cancelled target has no status: it is left out of the counts.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from enum import StrEnum

from dti.scoring.problems import gettext_noop as _
from dti.steering.measures import Measure, satisfies

RISK_DAYS = 90


class Status(StrEnum):
    MET = "met"
    ON_TRACK = "on_track"
    AT_RISK = "at_risk"
    MISSED = "missed"

    @property
    def label(self) -> str:
        """The English label, marked for translation; translate it where it is shown."""
        return LABELS[self]

    @property
    def tone(self) -> str:
        """The ``tag`` class it is shown with."""
        return {"met": "ok", "on_track": "", "at_risk": "warning", "missed": "error"}[self.value]


LABELS = {
    Status.MET: _("Met"),
    Status.ON_TRACK: _("On track"),
    Status.AT_RISK: _("At risk"),
    Status.MISSED: _("Missed"),
}


def target_status(
    measure: Measure,
    latest_value: Decimal | None,
    latest_quarter: int | None,
    deadline: datetime.date,
    last_due_quarter: int | None,
    today: datetime.date,
) -> Status:
    """The target's status on ``today`` (a local date).

    ``latest_value`` and ``latest_quarter`` are those of its latest report (None without one);
    ``last_due_quarter`` is the latest quarter of the plan's year whose report was due by now.
    """
    if satisfies(measure, latest_value):
        return Status.MET
    if today > deadline:
        return Status.MISSED
    stale = last_due_quarter is not None and (
        latest_quarter is None or latest_quarter < last_due_quarter
    )
    if stale or (deadline - today).days <= RISK_DAYS:
        return Status.AT_RISK
    return Status.ON_TRACK
