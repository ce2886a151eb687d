"""The material of an improvement plan, quoted from the unit's appraised results.

As an agency writes its plan: for each pillar (chỉ số chính) its score out of its maximum, the
points lost and the unit's rank in its group — "Chỉ số Nhận thức số: đạt 22,5/100 điểm, bị trừ
77,5 điểm, đứng thứ 10/18 cơ quan" —; under it every criterion on which points were lost (or whose
appraised score is not the unit's own), with its score, the points lost and, where they differ,
"tự chấm 10/10; thẩm định 2,5/10" with the council's reason. Criteria at full marks are listed
compactly: the plan is about what was lost.

Everything comes from ``dti.results.analysis.build_analysis`` (the stored results and the
council's final decisions); the functions here only arrange and word it. Words are gettext with
English msgids, numbers are written for the active language (a decimal comma in Vietnamese):
render under ``translation.override("vi")`` for the official document.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.utils.translation import get_language
from django.utils.translation import gettext as _

from dti.periods.models import Period
from dti.results.analysis import (
    Analysis,
    CriterionLine,
    PillarLine,
    build_analysis,
    format_dti,
)
from dti.results.models import UnitResult
from dti.scoring.numbers import format_points
from dti.units.models import Unit

ZERO = Decimal(0)


def _lang() -> str:
    return get_language() or "vi"


def points(value: Decimal | None) -> str:
    """Points in the active language: "22,5" in Vietnamese, "22.5" in English, "—" for none."""
    return format_points(value, _lang())


def one_line(text: str) -> str:
    """A reason or a title on one line: white space collapsed."""
    return " ".join((text or "").split())


def number_of(printed: str, code: str) -> str:
    """The number to print before a criterion: as printed in the decision when that is a number
    ("1.3"), else its code (a criterion printed "a" under "5.2" is "5.2.a")."""
    return printed if any(ch.isdigit() for ch in printed) else code


# ------------------------------------------------------------ the parts of a sentence


def score_text(score: Decimal | None, maximum: Decimal) -> str:
    """ "đạt 22,5/100 điểm" """
    return _("%(score)s/%(max)s points") % {"score": points(score), "max": points(maximum)}


def lost_text(lost: Decimal) -> str:
    """ "bị trừ 77,5 điểm" """
    return _("%(lost)s points lost") % {"lost": points(lost)}


def ranked_text(rank: int | None, size: int) -> str:
    """ "đứng thứ 10/18 cơ quan" (the group's size)"""
    if rank is None:
        return _("not ranked")
    return _("ranked %(rank)s/%(size)s agencies") % {"rank": rank, "size": size}


def self_against_appraised(line: CriterionLine) -> str:
    """ "tự chấm 10/10; thẩm định 2,5/10" """
    return _("self-assessed %(own)s/%(max)s; appraised %(appraised)s/%(max)s") % {
        "own": points(line.self_score),
        "appraised": points(line.score),
        "max": points(line.max),
    }


def reason_text(reason: str) -> str:
    """ "lý do: 1/4" """
    return _("reason: %(reason)s") % {"reason": one_line(reason).rstrip(" .;")}


# ------------------------------------------------------------ criteria and pillars


@dataclass(frozen=True)
class CriterionPart:
    """One criterion of the material: the analysis' line, worded."""

    line: CriterionLine

    @property
    def code(self) -> str:
        return self.line.code

    @property
    def number(self) -> str:
        return number_of(self.line.printed, self.line.code)

    @property
    def title(self) -> str:
        return one_line(self.line.title)

    @property
    def not_applicable(self) -> bool:
        return self.line.score is None

    @property
    def figures(self) -> str:
        """ "đạt 0/20 điểm, bị trừ 20 điểm" (or "không áp dụng")"""
        if self.not_applicable:
            return _("not applicable")
        parts = [score_text(self.line.score, self.line.max)]
        if self.line.lost > 0:
            parts.append(lost_text(self.line.lost))
        return ", ".join(parts)

    @property
    def difference(self) -> str:
        """ "tự chấm 10/10; thẩm định 2,5/10; lý do: 1/4", or "" where the council kept the
        unit's own score."""
        if not self.line.differs:
            return ""
        parts = [self_against_appraised(self.line)]
        if one_line(self.line.reason):
            parts.append(reason_text(self.line.reason))
        return "; ".join(parts)

    @property
    def comparison(self) -> str:
        """ "tự chấm 10/10; thẩm định 2,5/10" where the council's score is not the unit's own."""
        return self_against_appraised(self.line) if self.line.differs else ""

    @property
    def reason(self) -> str:
        """The council's reason where it changed the unit's score, on one line."""
        return one_line(self.line.reason) if self.line.differs else ""

    @property
    def quoted(self) -> str:
        """The figures with the difference in brackets: what follows the criterion's title."""
        if self.difference:
            return f"{self.figures} ({self.difference})"
        return self.figures

    @property
    def sentence(self) -> str:
        """ "1.3. Lãnh đạo …: đạt 2,5/10 điểm, bị trừ 7,5 điểm (tự chấm 10/10; thẩm định
        2,5/10; lý do: 1/4)." """
        return f"{self.number}. {self.title}: {self.quoted}."

    @property
    def compact(self) -> str:
        """ "1.1 (20/20)": a criterion folded into a list."""
        if self.not_applicable:
            return self.number
        return f"{self.number} ({points(self.line.score)}/{points(self.line.max)})"


@dataclass(frozen=True)
class PillarPart:
    """One pillar of the material: its headline, the criteria that lost points (or were
    appraised otherwise than self-assessed) in framework order, and the rest folded."""

    line: PillarLine
    listed: list[CriterionPart]
    full: list[CriterionPart]
    not_applicable: list[CriterionPart]
    #: every criterion of the pillar, in framework order
    every: list[CriterionPart]

    @property
    def code(self) -> str:
        return self.line.code

    @property
    def number(self) -> str:
        return number_of(self.line.printed, self.line.code)

    @property
    def title(self) -> str:
        return one_line(self.line.title)

    @property
    def name(self) -> str:
        """ "Chỉ số Nhận thức số" """
        return _("Pillar “%(title)s”") % {"title": self.title}

    @property
    def figures(self) -> str:
        """ "đạt 22,5/100 điểm, bị trừ 77,5 điểm, đứng thứ 1/2 cơ quan" """
        parts = [score_text(self.line.score, self.line.max)]
        if self.line.lost > 0:
            parts.append(lost_text(self.line.lost))
        else:
            parts.append(_("at full marks"))
        parts.append(ranked_text(self.line.rank, self.line.group_size))
        return ", ".join(parts)

    @property
    def headline(self) -> str:
        """ "Chỉ số Nhận thức số: đạt 22,5/100 điểm, bị trừ 77,5 điểm, đứng thứ 1/2 cơ quan" """
        return f"{self.name}: {self.figures}"

    @property
    def folded(self) -> list[str]:
        """The compact lines: criteria at full marks, criteria that do not apply."""
        lines = []
        if self.full:
            lines.append(
                _("At full marks: %(criteria)s")
                % {"criteria": ", ".join(c.compact for c in self.full)}
            )
        if self.not_applicable:
            lines.append(
                _("Not applicable: %(criteria)s")
                % {"criteria": ", ".join(c.compact for c in self.not_applicable)}
            )
        return lines

    @property
    def criteria(self) -> list[CriterionPart]:
        """Every criterion of the pillar, in framework order."""
        return self.every


@dataclass(frozen=True)
class Material:
    """The whole material of a unit's plan, from its analysis."""

    analysis: Analysis
    pillars: list[PillarPart]

    @property
    def result(self) -> UnitResult:
        return self.analysis.result

    @property
    def lost_total(self) -> Decimal:
        return self.analysis.lost_total

    @property
    def summary(self) -> str:
        """The overall result in a sentence, as section II of the plan opens: "Kết quả đánh giá
        năm 2023 của Sở Tư pháp: đạt 22,5/1000 điểm, chỉ số DTI 0,0225, bị trừ 977,5 điểm, đứng
        thứ 2/2 cơ quan (Nhóm 1)." and the classification and the appraisal's change."""
        result = self.analysis.result
        head = _("Results of %(year)s for %(unit)s") % {
            "year": result.period.year,
            "unit": result.unit.name,
        }
        parts = [
            score_text(result.total, result.maximum),
            _("DTI value %(dti)s") % {"dti": format_dti(result.dti, _lang())},
            lost_text(self.lost_total),
            f"{ranked_text(result.rank, result.group_size)} ({one_line(result.group.name)})",
        ]
        sentences = [f"{head}: {', '.join(parts)}."]
        if result.band:
            sentences.append(_("Classification: %(band)s.") % {"band": result.band})
        if result.self_total != result.total:
            sentences.append(
                _("Self-assessed %(own)s points; appraised %(appraised)s points.")
                % {"own": points(result.self_total), "appraised": points(result.total)}
            )
        return " ".join(sentences)

    def pillar_of(self, code: str) -> PillarPart | None:
        """The pillar that is ``code`` or holds the criterion ``code``."""
        for part in self.pillars:
            if part.code == code or any(c.code == code for c in part.criteria):
                return part
        return None

    def targets(self) -> list[tuple[str, str]]:
        """What an action may address: each pillar, then its criteria, as (code, label)."""
        found: list[tuple[str, str]] = []
        for part in self.pillars:
            found.append((part.code, f"{part.number}. {part.name}"))
            found.extend((c.code, f"{c.number}. {c.title}") for c in part.criteria)
        return found


def build_material(analysis: Analysis) -> Material:
    """Arrange an analysis as a plan's material: pillars in framework order, each with the
    criteria that lost points or were appraised otherwise than self-assessed (framework order),
    the criteria at full marks and those that do not apply folded."""
    by_pillar: dict[str, list[CriterionLine]] = {}
    for line in analysis.criteria:
        by_pillar.setdefault(line.pillar, []).append(line)
    pillars = []
    for pillar in analysis.pillars:
        listed, full, not_applicable, every = [], [], [], []
        for line in by_pillar.get(pillar.code, []):
            part = CriterionPart(line)
            every.append(part)
            if line.score is None:
                not_applicable.append(part)
            elif line.lost > 0 or line.differs:
                listed.append(part)
            elif line.max > 0:
                full.append(part)
        pillars.append(PillarPart(pillar, listed, full, not_applicable, every))
    return Material(analysis, pillars)


def load_material(unit: Unit, period: Period) -> Material | None:
    """The material of the unit's plan for the period, from its stored result; None before the
    period's results are approved or when the unit has none."""
    from dti.plans.actions import result_for

    result = result_for(unit, period)
    if result is None:
        return None
    return build_material(build_analysis(result))


# ------------------------------------------------------------ the actions under the material


@dataclass
class CriterionActions:
    """A criterion of the material and the actions addressing it."""

    part: CriterionPart
    actions: list[Any] = field(default_factory=list)


@dataclass
class PillarActions:
    """A pillar of the material: the actions addressing the pillar itself, and each criterion
    that lost points (always) or that an action addresses (when folded), with its actions."""

    part: PillarPart
    actions: list[Any] = field(default_factory=list)
    criteria: list[CriterionActions] = field(default_factory=list)

    @property
    def action_count(self) -> int:
        return len(self.actions) + sum(len(c.actions) for c in self.criteria)


@dataclass
class Arranged:
    pillars: list[PillarActions]
    #: actions whose code is no longer in the material (kept, never dropped silently)
    elsewhere: list[Any]


def arrange(material: Material, actions: Sequence[Any]) -> Arranged:
    """Place each action (anything with a ``code``) under its pillar or criterion, in the
    given order. A criterion at full marks appears only when an action addresses it; a code below
    a criterion (a sub-group such as "5.2") goes to its pillar; any other code is ``elsewhere``."""
    by_code: dict[str, list[Any]] = {}
    for action in actions:
        by_code.setdefault(action.code, []).append(action)
    placed: set[str] = set()
    pillars = []
    for part in material.pillars:
        listed = {c.code for c in part.listed}
        block = PillarActions(part, actions=list(by_code.get(part.code, [])))
        placed.add(part.code)
        for criterion in part.criteria:
            found = by_code.get(criterion.code, [])
            placed.add(criterion.code)
            if criterion.code in listed or found:
                block.criteria.append(CriterionActions(criterion, list(found)))
        prefix = f"{part.code}."
        for code, found in by_code.items():
            if code not in placed and code.startswith(prefix):
                block.actions.extend(found)
                placed.add(code)
        pillars.append(block)
    elsewhere = [a for code, found in by_code.items() if code not in placed for a in found]
    return Arranged(pillars, elsewhere)
