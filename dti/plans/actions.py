"""Every change to improvement plans goes through these actions: each runs in one transaction and
writes exactly one audit record. Views validate the input with ``dti.plans.forms``, call one
action, say what happened and redirect; the actions check again what must hold whoever calls
them (a known criterion, a timing that reads, a period whose results are approved).
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from dti.accounts.models import Role
from dti.audit.trail import Actor, record
from dti.frameworks.models import Criterion
from dti.periods.models import Period, PeriodUnit
from dti.plans.models import Plan, PlanAction
from dti.plans.timing import TimingError, parse_timing
from dti.results.models import UnitResult
from dti.units.models import Unit

#: Period statuses in which a period's results exist: a plan can be drafted from them.
WITH_RESULTS = (Period.Status.APPROVED, Period.Status.PUBLISHED)

PLAN_FIELDS = (
    "year",
    "superior",
    "number",
    "symbol",
    "place",
    "issued_on",
    "signer_title",
    "signer_name",
)
ACTION_FIELDS = ("code", "task", "lead", "coordinating", "timing", "status", "progress")

#: Small words left out of an abbreviation: "Sở Giáo dục và Đào tạo" → "SGDĐT".
_SKIPPED = {"và", "các", "của", "–", "-", "&"}
_PROVINCE = re.compile(r"\b(tỉnh|thành phố)\s+(.+)$", re.IGNORECASE)


class PlanError(Exception):
    """A change the rules do not allow; the message says why, in the user's language."""


# ------------------------------------------------------------ the plan's particulars


def abbreviation(name: str) -> str:
    """The initials a unit's document symbols use: "Sở Tư pháp" → "STP", "Sở Lao động – Thương
    binh và Xã hội" → "SLĐTBXH", "UBND huyện Gia Bình" → "UBND"."""
    words = [w for w in re.split(r"[\s,]+", name.strip()) if w and w.lower() not in _SKIPPED]
    if words and words[0].upper() == "UBND":
        return "UBND"
    letters = []
    for word in words:
        first = word[0]
        if first == "đ" or first == "Đ":
            letters.append("Đ")
            continue
        folded = unicodedata.normalize("NFD", first)[0]
        if folded.isalnum():
            letters.append(folded.upper())
    return "".join(letters)


def _province(issuer: str) -> tuple[str, str]:
    """ "Chủ tịch UBND tỉnh Bắc Ninh" → ("UBND TỈNH BẮC NINH", "Bắc Ninh"); ("", "") if unknown."""
    found = _PROVINCE.search(issuer or "")
    if found is None:
        return "", ""
    kind, name = found.group(1), found.group(2).strip(" .")
    return f"UBND {kind} {name}".upper(), name


def _leader(unit: Unit, result: UnitResult | None) -> tuple[str, str]:
    """The position and name of the unit's approving leader: from the general information of its
    assessment when both are filled in, else from its leader's account; the unit's name is
    dropped from the position ("Giám đốc Sở Tư pháp" → "Giám đốc")."""
    info: dict[str, Any] = (result.assessment.general_info or {}) if result else {}
    title = str(info.get("leader_position") or "").strip()
    name = str(info.get("leader_name") or "").strip()
    if not (title and name):
        role = (
            Role.objects.filter(unit=unit, kind=Role.Kind.LEADER, user__is_active=True)
            .select_related("user")
            .order_by("pk")
            .first()
        )
        if role is not None and (role.user.position or role.user.full_name):
            title, name = role.user.position.strip(), role.user.full_name.strip()
    if title.lower().endswith(unit.name.lower()) and len(title) > len(unit.name):
        title = title[: -len(unit.name)].strip()
    return title, name


def particulars(unit: Unit, period: Period, result: UnitResult | None) -> dict[str, Any]:
    """What a drafted plan starts with: the year after the period's, the province from the
    framework's issuer, the unit's initials in the symbol, the leader as the signer."""
    superior, place = "", ""
    if result is not None:
        superior, place = _province(result.group.framework.legal_issuer)
    if unit.kind in (Unit.Kind.DISTRICT, Unit.Kind.COMMUNE):
        superior = ""  # a district's or commune's People's Committee heads its own documents
    title, name = _leader(unit, result)
    return {
        "year": period.year + 1,
        "superior": superior[:200],
        "number": "",
        "symbol": f"KH-{abbreviation(unit.name)}"[:60],
        "place": place[:100],
        "issued_on": None,
        "signer_title": title[:200],
        "signer_name": name[:200],
    }


def _plan_state(plan: Plan) -> dict[str, Any]:
    state: dict[str, Any] = {"unit": plan.unit.code, "period": plan.period.year}
    for name in PLAN_FIELDS:
        value = getattr(plan, name)
        state[name] = value.isoformat() if hasattr(value, "isoformat") else value
    return state


def result_for(unit: Unit, period: Period) -> UnitResult | None:
    """The unit's appraised result in the period, once the period's results exist."""
    if period.status not in WITH_RESULTS:
        return None
    return (
        UnitResult.objects.filter(period=period, unit=unit)
        .select_related("group__framework", "assessment", "unit", "period")
        .first()
    )


@transaction.atomic
def draft_plan(actor: Actor, unit: Unit, period: Period) -> Plan:
    """Draft the unit's plan for the period from its appraised result (kế hoạch cải thiện).

    Refused before the period's results are approved, for a unit with no result, and when the
    plan exists already."""
    if period.status not in WITH_RESULTS:
        raise PlanError(_("A plan can be drafted once the period's results are approved."))
    result = result_for(unit, period)
    if result is None:
        raise PlanError(
            _("Your unit has no appraised result in this period: there is nothing to plan from.")
        )
    if Plan.objects.filter(period=period, unit=unit).exists():
        raise PlanError(_("The plan of this period has already been drafted."))
    try:
        with transaction.atomic():
            plan = Plan.objects.create(
                period=period,
                unit=unit,
                created_by=actor.user,
                **particulars(unit, period, result),
            )
    except IntegrityError:  # drafted at the same moment by someone else
        raise PlanError(_("The plan of this period has already been drafted.")) from None
    record(actor, "plan.draft", plan, before=None, after=_plan_state(plan))
    return plan


@transaction.atomic
def update_plan(actor: Actor, plan: Plan, **fields: Any) -> Plan:
    """Change the plan's particulars: year, governing body, number and symbol, place and date,
    the signer's position and name."""
    unknown = set(fields) - set(PLAN_FIELDS)
    if unknown:
        raise TypeError(f"update_plan() cannot change {', '.join(sorted(unknown))}")
    before = _plan_state(plan)
    for name, value in fields.items():
        setattr(plan, name, value.strip() if isinstance(value, str) else value)
    plan.save()
    record(actor, "plan.update", plan, before=before, after=_plan_state(plan))
    return plan


# ------------------------------------------------------------ actions of the plan


def known_codes(plan: Plan) -> set[str]:
    """The criteria and pillars an action of the plan may address: every scored node of the
    framework the unit was assessed on in the plan's period."""
    membership = (
        PeriodUnit.objects.filter(period_id=plan.period_id, unit_id=plan.unit_id)
        .select_related("group")
        .first()
    )
    if membership is None:
        return set()
    return set(
        Criterion.objects.filter(framework_id=membership.group.framework_id).values_list(
            "code", flat=True
        )
    )


def _action_state(action: PlanAction) -> dict[str, Any]:
    state: dict[str, Any] = {name: getattr(action, name) for name in ACTION_FIELDS}
    state["due"] = action.due.isoformat() if action.due else None
    state["position"] = action.position
    return state


def _clean_action(plan: Plan, fields: dict[str, Any]) -> dict[str, Any]:
    """Check and normalise an action's fields; raise ``PlanError`` with the first problem."""
    clean = {k: (v.strip() if isinstance(v, str) else v) for k, v in fields.items()}
    if "code" in clean and clean["code"] not in known_codes(plan):
        raise PlanError(
            _("“%(code)s” is not a criterion of this plan's framework.") % {"code": clean["code"]}
        )
    for name, message in (
        ("task", _("Say what will be done.")),
        ("lead", _("Name the lead unit or department.")),
    ):
        if name in clean and not clean[name]:
            raise PlanError(message)
    if "timing" in clean:
        try:
            timing = parse_timing(clean["timing"])
        except TimingError as error:
            raise PlanError(str(error.message)) from None
        clean["timing"], clean["due"] = timing.text, timing.last_day
    if "status" in clean and clean["status"] not in PlanAction.Status.values:
        raise PlanError(_("Choose one of the statuses offered."))
    return clean


@transaction.atomic
def add_action(
    actor: Actor,
    plan: Plan,
    *,
    code: str,
    task: str,
    lead: str,
    timing: str,
    coordinating: str = "",
    status: str = PlanAction.Status.NOT_STARTED,
    progress: str = "",
) -> PlanAction:
    """Add an action for a criterion or pillar at the end of the plan."""
    clean = _clean_action(
        plan,
        {
            "code": code,
            "task": task,
            "lead": lead,
            "coordinating": coordinating,
            "timing": timing,
            "status": status,
            "progress": progress,
        },
    )
    highest = plan.actions.aggregate(top=Max("position"))["top"]
    action = PlanAction.objects.create(plan=plan, position=(highest or 0) + 1, **clean)
    record(actor, "plan.action.add", action, before=None, after=_action_state(action))
    return action


@transaction.atomic
def update_action(actor: Actor, action: PlanAction, **fields: Any) -> PlanAction:
    """Change an action: what it addresses, what will be done, by whom, when, status, progress."""
    unknown = set(fields) - set(ACTION_FIELDS)
    if unknown:
        raise TypeError(f"update_action() cannot change {', '.join(sorted(unknown))}")
    clean = _clean_action(action.plan, fields)
    before = _action_state(action)
    for name, value in clean.items():
        setattr(action, name, value)
    action.save()
    record(actor, "plan.action.update", action, before=before, after=_action_state(action))
    return action


@transaction.atomic
def report_progress(actor: Actor, action: PlanAction, status: str, progress: str) -> PlanAction:
    """Record how far an action has got: its status and the progress notes."""
    clean = _clean_action(action.plan, {"status": status, "progress": progress})
    before = _action_state(action)
    action.status, action.progress = clean["status"], clean["progress"]
    action.save(update_fields=["status", "progress", "updated_at"])
    record(actor, "plan.action.progress", action, before=before, after=_action_state(action))
    return action


@transaction.atomic
def remove_action(actor: Actor, action: PlanAction) -> None:
    """Remove an action from its plan."""
    record(actor, "plan.action.remove", action, before=_action_state(action), after=None)
    action.delete()


@transaction.atomic
def move_action(actor: Actor, action: PlanAction, up: bool) -> PlanAction:
    """Swap an action with the one before it (``up``) or after it among the actions addressing
    the same pillar or criterion; nothing to swap with leaves the order as it is (no record)."""
    siblings = list(PlanAction.objects.filter(plan_id=action.plan_id, code=action.code))
    index = next(i for i, a in enumerate(siblings) if a.pk == action.pk)
    other_index = index - 1 if up else index + 1
    if not 0 <= other_index < len(siblings):
        return action
    other = siblings[other_index]
    before = _action_state(action)
    # positions are unique in a plan (each new action goes after the last), so a swap keeps the
    # order of everything else
    action.position, other.position = other.position, action.position
    PlanAction.objects.bulk_update([action, other], ["position"])
    record(actor, "plan.action.move", action, before=before, after=_action_state(action))
    return action
