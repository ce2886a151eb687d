"""Who may see and do what in the council's appraisal. Every appraisal view calls these first.

- An appraiser sees the units assigned to them in a period, and decides on the criteria of the
  pillars they were assigned (all, when none were named). Units not assigned to them are 404.
- The chair of the council sees every unit, decides on any criterion, and finalises.
- The administrator reads everything and decides nothing.
- A unit's people never see the council's workspace: they see the questions sent to them, and
  the appraised scores with their reasons only once the appraisal is finalised.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from dti.accounts.access import Access, access_of
from dti.appraisal.models import Assignment, Review, Round
from dti.assessments.models import Assessment
from dti.frameworks.store import to_scoring
from dti.periods.models import Period

#: Period statuses in which the council works on the units.
WORKING = (Period.Status.APPRAISAL, Period.Status.EXPLANATION, Period.Status.FINAL)
#: Period statuses in which questions can be sent to the units.
ASKING = (Period.Status.APPRAISAL, Period.Status.EXPLANATION)


def pillars_by_code(assessment: Assessment) -> dict[str, str]:
    """Each criterion code of the assessment's framework → the code of its pillar."""
    framework = to_scoring(assessment.group.framework)
    return {node.code: root.code for root in framework.criteria for node in root.walk()}


def lineage_by_code(assessment: Assessment) -> dict[str, tuple[str, ...]]:
    """Each criterion code → itself and its ancestors' codes, up to its pillar."""
    lineage: dict[str, tuple[str, ...]] = {}

    def walk(node: object, above: tuple[str, ...]) -> None:
        code = node.code  # type: ignore[attr-defined]
        lineage[code] = (code, *above)
        for child in node.children:  # type: ignore[attr-defined]
            walk(child, lineage[code])

    for root in to_scoring(assessment.group.framework).criteria:
        walk(root, ())
    return lineage


@dataclass(frozen=True)
class Appraising:
    """What one person may do on one unit's appraisal right now, and if nothing, why."""

    read: bool
    decide: bool
    #: codes of the pillars (or single criteria) the person decides on; empty with ``decide``
    #: means the whole framework
    pillars: frozenset[str]
    chair: bool
    reason: str = ""

    def may_decide(self, lineage: str | tuple[str, ...]) -> bool:
        """May the person decide on a criterion, given its code and its ancestors' codes (or
        just its pillar's code)? Assigned a pillar, they decide everything under it."""
        codes = (lineage,) if isinstance(lineage, str) else lineage
        return self.decide and (not self.pillars or any(c in self.pillars for c in codes))


def appraising_for(
    access: Access,
    assessment: Assessment,
    review: Review | None,
    now: datetime.datetime | None = None,
) -> Appraising:
    """The person's rights on the unit's appraisal; ``read`` False means they may not know it."""
    assignments = [
        a
        for a in Assignment.objects.filter(
            period_id=assessment.period_id, unit_id=assessment.unit_id
        )
        if access.user is not None and a.appraiser_id == access.user.pk
    ]
    chair = access.is_chair
    if not (assignments or chair or access.is_admin):
        return Appraising(False, False, frozenset(), False)
    pillars: set[str] = set()
    if not chair:
        for assignment in assignments:
            if not assignment.pillars:
                pillars = set()
                break
            pillars.update(assignment.pillars)
    reason = ""
    if not (assignments or chair):
        reason = _("The administrator follows the appraisal; the council decides.")
    elif review is None or assessment.status != Assessment.Status.SUBMITTED:
        reason = _("The unit has not submitted its self-assessment.")
    elif review.is_final:
        reason = _("The appraisal of this unit is finalised.")
    elif assessment.period.status not in WORKING:
        reason = _("The period is not in appraisal: “%(status)s”.") % {
            "status": assessment.period.get_status_display()
        }
    return Appraising(True, not reason, frozenset(pillars), chair, reason)


def get_review_for_user(
    request: HttpRequest, assessment_id: int
) -> tuple[Assessment, Review, Appraising]:
    """A submitted unit's appraisal, for its appraisers, the chair and the administrator; 404 for
    anyone else, and for a unit that never submitted."""
    access = access_of(request)
    assessment = (
        Assessment.objects.select_related("period", "unit", "group__framework")
        .filter(pk=assessment_id)
        .first()
    )
    if assessment is None:
        raise Http404
    review = Review.objects.filter(assessment=assessment).first()
    appraising = appraising_for(access, assessment, review)
    if not appraising.read or review is None:
        raise Http404
    return assessment, review, appraising


def assessments_for_appraiser(access: Access, period: Period) -> list[int]:
    """Ids of the units the person appraises in the period: all for the chair and the
    administrator, else those assigned."""
    if access.is_chair or access.is_admin:
        return list(period.memberships.values_list("unit_id", flat=True))
    if access.user is None:
        return []
    return list(
        Assignment.objects.filter(period=period, appraiser=access.user).values_list(
            "unit_id", flat=True
        )
    )


def require_chair(request: HttpRequest) -> Access:
    """The chair's screens: the chair of the council, and the administrator to follow them."""
    access = access_of(request)
    if not (access.is_chair or access.is_admin):
        raise PermissionDenied
    return access


# ------------------------------------------------------------ the unit's side


def open_round(review: Review, now: datetime.datetime | None = None) -> Round | None:
    """The explanation round the unit can answer now, if any."""
    now = now or timezone.now()
    latest = review.rounds.order_by("-number").first()
    return latest if latest is not None and latest.is_open(now) else None


def questioned_criteria(round_: Round) -> set[int]:
    """The criteria a round asks about: the only ones the unit may change while it is open."""
    return set(round_.messages.filter(kind="question").values_list("criterion_id", flat=True))


def unit_may_see_results(review: Review | None) -> bool:
    """The unit sees its appraised scores and the reasons only once the appraisal is final."""
    return review is not None and review.is_final


def reopened_for_unit(
    assessment: Assessment, now: datetime.datetime | None = None
) -> tuple[Round | None, set[int]]:
    """During an explanation round: the round and the criteria it reopens; else (None, ∅)."""
    if assessment.status != Assessment.Status.SUBMITTED:
        return None, set()
    review = Review.objects.filter(assessment=assessment).first()
    if review is None or review.is_final:
        return None, set()
    round_ = open_round(review, now)
    if round_ is None:
        return None, set()
    return round_, questioned_criteria(round_)
