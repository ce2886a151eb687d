"""The improvement plan (kế hoạch cải thiện): the timing parser, the material quoted from the
results, the actions and their audit records, the pages and who may see and change what.

Hand-computed results (tests/helpers.results_case): unit A (Sở Tư pháp) 1.1 yes (20), 1.2 no (0),
1.3 self-assessed 4/4 (10) corrected by the council to 1/4 (2,5) with the reason "1/4": 22,5 of
1000, self-assessed 30, rank 2/2; its pillar 1 (Nhận thức số) 22,5/100, first of the group of 2
(unit B, Sở Y tế, has 1.1 and 2.1 yes: 20 in pillar 1, 40 in all).

The official wording is Vietnamese; the catalogue of the project is translated after the code is
written, so ``proposed_vietnamese`` adds the proposed translations of the plan's msgids (those
missing from the catalogue only) for the tests that read the Vietnamese text.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation
from helpers import AppraisalCase, results_case

from dti.audit.models import AuditRecord
from dti.audit.trail import Actor
from dti.periods import actions as period_actions
from dti.plans import actions
from dti.plans.material import arrange, build_material, load_material
from dti.plans.models import Plan, PlanAction
from dti.plans.timing import TimingError, parse_timing
from dti.results.analysis import Analysis, CriterionLine, GroupFigures, PillarLine
from dti.results.models import UnitResult

pytestmark = pytest.mark.django_db

D = Decimal

#: The proposed Vietnamese of the plan's official wording (dti/plans/material.py, document.py).
VIETNAMESE = {
    "%(score)s/%(max)s points": "đạt %(score)s/%(max)s điểm",
    "%(lost)s points lost": "bị trừ %(lost)s điểm",
    "not ranked": "chưa được xếp hạng",
    "ranked %(rank)s/%(size)s agencies": "đứng thứ %(rank)s/%(size)s cơ quan",
    "self-assessed %(own)s/%(max)s; appraised %(appraised)s/%(max)s": (
        "tự chấm %(own)s/%(max)s; thẩm định %(appraised)s/%(max)s"
    ),
    "reason: %(reason)s": "lý do: %(reason)s",
    "Pillar “%(title)s”": "Chỉ số %(title)s",
    "at full marks": "đạt điểm tối đa",
    "At full marks: %(criteria)s": "Các chỉ số thành phần đạt điểm tối đa: %(criteria)s",
    "Not applicable: %(criteria)s": "Không áp dụng: %(criteria)s",
    "Results of %(year)s for %(unit)s": "Kết quả đánh giá năm %(year)s của %(unit)s",
    "DTI value %(dti)s": "giá trị DTI %(dti)s",
    "Classification: %(band)s.": "Xếp loại: %(band)s.",
    "Self-assessed %(own)s points; appraised %(appraised)s points.": (
        "Tự chấm %(own)s điểm; thẩm định %(appraised)s điểm."
    ),
    "- Lead unit: %(units)s": "- Đơn vị thực hiện: %(units)s",
    "- Coordinating units: %(units)s": "- Đơn vị phối hợp: %(units)s",
    "- Timing: %(timing)s": "- Thời gian thực hiện: %(timing)s",
    "No.: %(number)s/%(symbol)s": "Số: %(number)s/%(symbol)s",
    "No.: %(number)s": "Số: %(number)s",
    "SOCIALIST REPUBLIC OF VIETNAM": "CỘNG HOÀ XÃ HỘI CHỦ NGHĨA VIỆT NAM",
    "Independence - Freedom - Happiness": "Độc lập - Tự do - Hạnh phúc",
    "%(place)s, %(day)s/%(month)s/%(year)s": "%(place)s, ngày %(day)s tháng %(month)s năm %(year)s",
    "PLAN": "KẾ HOẠCH",
    "Improving the Digital Transformation Index (DTI) in %(year)s": (
        "Cải thiện, nâng cao Chỉ số chuyển đổi số (DTI) năm %(year)s"
    ),
    "Improvement plan of %(unit)s after the DTI assessment of %(year)s": (
        "Kế hoạch cải thiện Chỉ số DTI của %(unit)s sau kết quả đánh giá năm %(year)s"
    ),
    "Based on the results of the assessment and ranking of the Digital Transformation Index "
    "(DTI) of %(year)s, %(unit)s issues its plan to improve the index in %(plan_year)s as "
    "follows:": (
        "Căn cứ kết quả đánh giá, xếp hạng Chỉ số chuyển đổi số (DTI) năm %(year)s, %(unit)s ban "
        "hành Kế hoạch cải thiện, nâng cao Chỉ số DTI năm %(plan_year)s như sau:"
    ),
    "I. PURPOSE AND REQUIREMENTS": "I. MỤC ĐÍCH, YÊU CẦU",
    "II. RESULTS OF THE ASSESSMENT IN %(year)s": "II. KẾT QUẢ ĐÁNH GIÁ NĂM %(year)s",
    "III. TASKS AND SOLUTIONS": "III. NHIỆM VỤ, GIẢI PHÁP",
    "IV. ORGANISATION OF THE IMPLEMENTATION": "IV. TỔ CHỨC THỰC HIỆN",
    "No task has been planned yet.": "Chưa có nhiệm vụ nào được xây dựng.",
    "Other tasks": "Nhiệm vụ khác",
    "Recipients:": "Nơi nhận:",
    "- Archive: VT.": "- Lưu: VT.",
    "HEAD OF THE UNIT": "THỦ TRƯỞNG CƠ QUAN",
}


@contextmanager
def proposed_vietnamese() -> Iterator[None]:
    """Vietnamese rendering with the proposed translations of ``VIETNAMESE`` added where the
    project's catalogue has none yet (the catalogue's own translations win)."""
    from django.utils.translation import trans_real

    catalog = trans_real.translation("vi")._catalog
    added = [msgid for msgid in VIETNAMESE if not catalog.get(msgid)]
    for msgid in added:
        catalog[msgid] = VIETNAMESE[msgid]
    try:
        with translation.override("vi"):
            yield
    finally:
        for msgid in added:
            catalog._catalogs[0].pop(msgid, None)


@pytest.fixture
def case(personas: Any, builtin_frameworks: dict[str, Any]) -> AppraisalCase:
    """Both units appraised and finalised, the period approved: results computed."""
    return results_case(personas, builtin_frameworks, approve=True)


def actor(case: AppraisalCase, name: str = "officer_a") -> Actor:
    return Actor(case.personas.users[name], name)


def plan_of(case: AppraisalCase) -> Plan:
    return actions.draft_plan(actor(case), case.personas.unit_a, case.period)


def add(plan: Plan, case: AppraisalCase, code: str = "1.2", **fields: Any) -> PlanAction:
    values = {
        "code": code,
        "task": "Giám đốc Sở trực tiếp chủ trì, chỉ đạo thực hiện chuyển đổi số",
        "lead": "Văn phòng",
        "coordinating": "Các phòng thuộc Sở",
        "timing": "Quý IV/2025",
        **fields,
    }
    return actions.add_action(actor(case), plan, **values)


# ------------------------------------------------------------ the timing parser


@pytest.mark.parametrize(
    ("text", "normalised", "last_day"),
    [
        ("Thường xuyên", "Thường xuyên", None),
        ("thuong xuyen", "Thường xuyên", None),
        ("Thực hiện hàng năm.", "Hằng năm", None),
        ("Năm 2024", "Năm 2024", datetime.date(2024, 12, 31)),
        ("2024", "Năm 2024", datetime.date(2024, 12, 31)),
        ("Quý IV/2024", "Quý IV/2024", datetime.date(2024, 12, 31)),
        ("Quý 4/2024", "Quý IV/2024", datetime.date(2024, 12, 31)),
        ("quý  iv  năm 2024", "Quý IV/2024", datetime.date(2024, 12, 31)),
        ("Q1 2025", "Quý I/2025", datetime.date(2025, 3, 31)),
        ("trong quý II/2024", "Quý II/2024", datetime.date(2024, 6, 30)),
        ("Tháng 12/2024", "Tháng 12/2024", datetime.date(2024, 12, 31)),
        ("tháng 2 năm 2024", "Tháng 2/2024", datetime.date(2024, 2, 29)),
        ("02/2023", "Tháng 2/2023", datetime.date(2023, 2, 28)),
        ("31/12/2024", "31/12/2024", datetime.date(2024, 12, 31)),
        ("5/6/2024", "05/06/2024", datetime.date(2024, 6, 5)),
        ("ngày 5 tháng 6 năm 2024", "05/06/2024", datetime.date(2024, 6, 5)),
        ("2024-06-05", "05/06/2024", datetime.date(2024, 6, 5)),
        ("Trước ngày 15/6/2024", "Trước ngày 15/06/2024", datetime.date(2024, 6, 15)),
        ("29/02/2024", "29/02/2024", datetime.date(2024, 2, 29)),
    ],
)
def test_the_timings_plans_write_are_read_and_normalised(
    text: str, normalised: str, last_day: datetime.date | None
) -> None:
    timing = parse_timing(text)
    assert (timing.text, timing.last_day) == (normalised, last_day)
    assert parse_timing(timing.text) == timing  # the normalised text reads back the same


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "Write when the action will be done."),
        ("sớm nhất có thể", "Write the timing as a date (31/12/2024)"),
        ("Quý V/2024", "A quarter is I, II, III or IV (or 1 to 4), not V."),
        ("Quý 0/2024", "not 0."),
        ("Tháng 13/2024", "A month is numbered 1 to 12, not 13."),
        ("31/02/2024", "There is no day 31 in month 2 of 2024."),
        ("29/02/2023", "There is no day 29 in month 2 of 2023."),
        ("12/31/2024", "write a date as day/month/year (31/12/2024)"),
        ("Năm 24", "Write the year in full, from 2000 to 2099 (not “24”)."),
        ("Năm 2150", "(not “2150”)"),
        ("Trước quý IV/2024", "Write the timing as a date"),
    ],
)
def test_nonsense_is_refused_with_a_clear_message(text: str, message: str) -> None:
    with translation.override("en"):
        with pytest.raises(TimingError) as refused:
            parse_timing(text)
        assert message in str(refused.value.message)


def test_timings_sort_by_their_last_day_and_fall_due_after_it() -> None:
    texts = ["Thường xuyên", "Năm 2024", "Quý I/2024", "15/02/2024", "Tháng 1/2024"]
    ordered = sorted((parse_timing(t) for t in texts), key=lambda t: t.sort_key)
    assert [t.text for t in ordered] == [
        "Tháng 1/2024",
        "15/02/2024",
        "Quý I/2024",
        "Năm 2024",
        "Thường xuyên",
    ]
    quarter = parse_timing("Quý I/2024")
    assert not quarter.is_overdue(datetime.date(2024, 3, 31))
    assert quarter.is_overdue(datetime.date(2024, 4, 1))
    assert not parse_timing("Thường xuyên").is_overdue(datetime.date(2100, 1, 1))


# ------------------------------------------------------------ the material


def test_the_material_quotes_unit_as_results_exactly(case: AppraisalCase) -> None:
    with proposed_vietnamese():
        material = load_material(case.personas.unit_a, case.period)
        assert material is not None
        first = material.pillars[0]
        assert first.headline == (
            "Chỉ số Nhận thức số: đạt 22,5/100 điểm, bị trừ 77,5 điểm, đứng thứ 1/2 cơ quan"
        )
        listed = {c.code: c for c in first.listed}
        assert list(listed) == ["1.2", "1.3", "1.4", "1.5", "1.6"]  # framework order
        assert listed["1.2"].quoted == "đạt 0/20 điểm, bị trừ 20 điểm"
        assert listed["1.3"].quoted == (
            "đạt 2,5/10 điểm, bị trừ 7,5 điểm (tự chấm 10/10; thẩm định 2,5/10; lý do: 1/4)"
        )
        assert listed["1.3"].comparison == "tự chấm 10/10; thẩm định 2,5/10"
        assert listed["1.3"].reason == "1/4"
        assert listed["1.3"].sentence == (
            "1.3. Lãnh đạo đơn vị tham gia đầy đủ các cuộc họp về CĐS của tỉnh: đạt 2,5/10 điểm, "
            "bị trừ 7,5 điểm (tự chấm 10/10; thẩm định 2,5/10; lý do: 1/4)."
        )
        assert listed["1.4"].quoted == "đạt 0/10 điểm, bị trừ 10 điểm"
        assert not listed["1.2"].comparison  # the council kept the unit's own zero
        assert first.folded == ["Các chỉ số thành phần đạt điểm tối đa: 1.1 (20/20)"]
        # what is listed and folded is the whole pillar, and its losses add up to the pillar's
        assert sum((c.line.lost for c in first.listed), D(0)) == first.line.lost == D("77.5")
        assert [c.code for c in first.criteria] == ["1.1", "1.2", "1.3", "1.4", "1.5", "1.6"]
        # unit B earned 2.1: unit A is second of two on pillar 2, first equal on pillar 3
        assert (
            material.pillars[1].figures == "đạt 0/100 điểm, bị trừ 100 điểm, đứng thứ 2/2 cơ quan"
        )
        assert material.pillars[2].figures.endswith("đứng thứ 1/2 cơ quan")
        assert material.summary == (
            "Kết quả đánh giá năm 2024 của Sở Tư pháp: đạt 22,5/1000 điểm, giá trị DTI 0,0225, "
            "bị trừ 977,5 điểm, đứng thứ 2/2 cơ quan (Nhóm 1). Xếp loại: Khá. "
            "Tự chấm 30 điểm; thẩm định 22,5 điểm."
        )
        assert material.lost_total == D("977.5")


def test_the_material_in_english_reads_the_msgids_with_decimal_points(case: AppraisalCase) -> None:
    with translation.override("en"):
        material = load_material(case.personas.unit_a, case.period)
        assert material is not None
        assert material.pillars[0].headline == (
            "Pillar “Nhận thức số”: 22.5/100 points, 77.5 points lost, ranked 1/2 agencies"
        )
        assert material.pillars[0].listed[1].difference == (
            "self-assessed 10/10; appraised 2.5/10; reason: 1/4"
        )


def test_no_material_before_the_results_are_approved(
    personas: Any, builtin_frameworks: dict[str, Any]
) -> None:
    case = results_case(personas, builtin_frameworks, approve=False)
    assert case.period.status == "final"
    assert load_material(personas.unit_a, case.period) is None


def _line(code: str, maximum: str, score: str | None, own: str | None, **more: Any) -> Any:
    decision = SimpleNamespace(reason=more.pop("reason")) if "reason" in more else None
    return CriterionLine(
        code=code,
        printed=more.pop("printed", code),
        title=f"Tiêu chí {code}",
        pillar=code.split(".")[0],
        max=D(maximum),
        score=None if score is None else D(score),
        self_score=None if own is None else D(own),
        decision=decision,  # type: ignore[arg-type]
        group=GroupFigures(),
    )


def test_the_material_of_an_analysis_built_by_hand() -> None:
    """Pure: a criterion raised by the council is listed though nothing was lost; one that does
    not apply is folded as such; a sub-criterion printed "a" is numbered by its code; an unranked
    pillar says so."""
    pillar = PillarLine(
        code="2",
        printed="II",
        title="Thể chế số",
        score=D("25"),
        max=D("40"),
        rank=None,
        group_size=18,
        group=GroupFigures(),
    )
    lines = [
        _line("2.1", "10", "10", "5", reason="Có quyết định kèm theo.\n"),
        _line("2.2", "10", "10", "10"),
        _line("2.3", "10", None, None),
        _line("2.4.a", "10", "5", "5", printed="a"),
    ]
    analysis = Analysis(result=UnitResult(), pillars=[pillar], criteria=lines)
    with translation.override("en"):
        part = build_material(analysis).pillars[0]
        assert part.headline == "Pillar “Thể chế số”: 25/40 points, 15 points lost, not ranked"
        assert [c.code for c in part.listed] == ["2.1", "2.4.a"]
        assert part.listed[0].quoted == (
            "10/10 points (self-assessed 5/10; appraised 10/10; reason: Có quyết định kèm theo)"
        )
        assert part.listed[1].number == "2.4.a" and part.number == "2"
        assert part.folded == ["At full marks: 2.2 (10/10)", "Not applicable: 2.3"]


def test_actions_are_arranged_under_their_pillar_and_criterion(case: AppraisalCase) -> None:
    material = load_material(case.personas.unit_a, case.period)
    assert material is not None

    def act(code: str) -> Any:
        return SimpleNamespace(code=code)

    on_1_3, on_1, on_1_1, on_2_1, sub, gone = (
        act(c) for c in ("1.3", "1", "1.1", "2.1", "1.9.x", "9.9")
    )
    arranged = arrange(material, [on_1_3, on_1, on_1_1, on_2_1, sub, gone])
    first = arranged.pillars[0]
    assert first.actions == [on_1, sub]  # the pillar's own, then a code below it
    by_code = {c.part.code: c.actions for c in first.criteria}
    # every criterion that lost points, and 1.1 (full marks) only because an action is for it
    assert list(by_code) == ["1.1", "1.2", "1.3", "1.4", "1.5", "1.6"]
    assert by_code["1.1"] == [on_1_1] and by_code["1.3"] == [on_1_3] and by_code["1.2"] == []
    assert first.action_count == 4
    assert arranged.elsewhere == [gone]
    assert arranged.pillars[1].criteria[0].actions == [on_2_1]


# ------------------------------------------------------------ actions, each audited


def records(action: str) -> list[AuditRecord]:
    return list(AuditRecord.objects.filter(action=action).order_by("pk"))


def test_drafting_the_plan_fills_in_its_particulars_once(case: AppraisalCase) -> None:
    plan = plan_of(case)
    assert (plan.year, plan.symbol, plan.superior, plan.place) == (
        2025,
        "KH-STP",
        "UBND TỈNH BẮC NINH",  # from the framework's issuer, "Chủ tịch UBND tỉnh Bắc Ninh"
        "Bắc Ninh",
    )
    assert (plan.signer_title, plan.signer_name) == ("", "Leader_A")  # the leader's account
    (record,) = records("plan.draft")
    assert record.object_id == str(plan.pk) and record.actor_label == "officer_a"
    assert record.after["symbol"] == "KH-STP" and record.before is None
    with pytest.raises(actions.PlanError):
        plan_of(case)
    assert Plan.objects.count() == 1 and len(records("plan.draft")) == 1


def test_the_leader_named_in_the_general_information_signs(case: AppraisalCase) -> None:
    case.assessment.general_info = {
        "leader_name": "Hoàng Văn Duyệt",
        "leader_position": "Giám đốc Sở Tư pháp",
    }
    case.assessment.save()
    plan = plan_of(case)
    assert (plan.signer_title, plan.signer_name) == ("Giám đốc", "Hoàng Văn Duyệt")


@pytest.mark.parametrize(
    ("name", "initials"),
    [
        ("Sở Tư pháp", "STP"),
        ("Sở Lao động – Thương binh và Xã hội", "SLĐTBXH"),
        ("Sở Văn hoá, Thể thao và Du lịch", "SVHTTDL"),
        ("Ban Quản lý các khu công nghiệp", "BQLKCN"),
        ("UBND huyện Gia Bình", "UBND"),
    ],
)
def test_document_symbols_use_the_units_initials(name: str, initials: str) -> None:
    assert actions.abbreviation(name) == initials


def test_no_plan_before_approval_nor_without_a_result(
    personas: Any, builtin_frameworks: dict[str, Any]
) -> None:
    case = results_case(personas, builtin_frameworks, approve=False)
    with translation.override("en"):  # the refusals, asserted in English
        with pytest.raises(actions.PlanError, match="approved"):
            actions.draft_plan(actor(case), personas.unit_a, case.period)
        case.period = period_actions.move_period(case.admin, case.period, "approved")
        UnitResult.objects.filter(unit=personas.unit_a).delete()
        with pytest.raises(actions.PlanError, match="no appraised result"):
            actions.draft_plan(actor(case), personas.unit_a, case.period)
    assert not Plan.objects.exists() and not records("plan.draft")


def test_an_action_is_added_edited_reported_moved_and_removed_each_with_one_record(
    case: AppraisalCase,
) -> None:
    plan = plan_of(case)
    first = add(plan, case, timing="quý 4/2025")
    assert (first.timing, first.due, first.status) == (
        "Quý IV/2025",
        datetime.date(2025, 12, 31),
        PlanAction.Status.NOT_STARTED,
    )
    (added,) = records("plan.action.add")
    assert added.after["timing"] == "Quý IV/2025" and added.after["due"] == "2025-12-31"

    second = add(plan, case, task="Ban hành văn bản chỉ đạo", timing="Thường xuyên")
    actions.update_action(actor(case, "leader_a"), first, timing="30/6/2025", lead="Thanh tra")
    first.refresh_from_db()
    assert (first.timing, first.due, first.lead) == (
        "30/06/2025",
        datetime.date(2025, 6, 30),
        "Thanh tra",
    )
    (updated,) = records("plan.action.update")
    assert updated.before["timing"] == "Quý IV/2025" and updated.after["timing"] == "30/06/2025"
    assert updated.actor_label == "leader_a"

    actions.report_progress(actor(case), first, "in_progress", "Đã dự thảo văn bản.")
    first.refresh_from_db()
    assert (first.status, first.progress) == ("in_progress", "Đã dự thảo văn bản.")
    (reported,) = records("plan.action.progress")
    assert reported.before["status"] == "not_started" and reported.after["status"] == "in_progress"

    assert [a.pk for a in plan.actions.all()] == [first.pk, second.pk]
    actions.move_action(actor(case), second, up=True)
    assert [a.pk for a in plan.actions.all()] == [second.pk, first.pk]
    actions.move_action(actor(case), second, up=True)  # already first: nothing to do
    assert len(records("plan.action.move")) == 1

    actions.remove_action(actor(case), first)
    assert list(plan.actions.all()) == [second]
    (removed,) = records("plan.action.remove")
    assert removed.before["task"].startswith("Giám đốc Sở") and removed.after is None


def test_a_bad_timing_or_an_unknown_criterion_writes_nothing(case: AppraisalCase) -> None:
    plan = plan_of(case)
    action = add(plan, case)
    before = AuditRecord.objects.count()
    with translation.override("en"):
        with pytest.raises(actions.PlanError, match="A quarter is I, II, III or IV"):
            add(plan, case, timing="Quý V/2025")
        with pytest.raises(actions.PlanError, match="not a criterion"):
            add(plan, case, code="9.9")
        with pytest.raises(actions.PlanError, match="lead unit"):
            add(plan, case, lead="  ")
        with pytest.raises(actions.PlanError, match="There is no day 31"):
            actions.update_action(actor(case), action, timing="31/02/2025", task="Khác")
        with pytest.raises(actions.PlanError, match="statuses"):
            actions.report_progress(actor(case), action, "finished", "")
    action.refresh_from_db()
    assert (action.timing, action.task[:8]) == ("Quý IV/2025", "Giám đốc")
    assert plan.actions.count() == 1 and AuditRecord.objects.count() == before


# ------------------------------------------------------------ the pages


def url(case: AppraisalCase, name: str = "plans:plan", **more: Any) -> str:
    kwargs = {"unit_id": case.personas.unit_a.pk, "period_id": case.period.pk, **more}
    return reverse(name, kwargs=kwargs)


def client(case: AppraisalCase, name: str = "officer_a", language: str = "en") -> Any:
    browser = case.personas.client(name)
    browser.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return browser


def form(code: str = "1.2", **more: str) -> dict[str, str]:
    return {
        "code": code,
        "task": "Giám đốc Sở trực tiếp chủ trì",
        "lead": "Văn phòng",
        "coordinating": "Các phòng thuộc Sở",
        "timing": "Quý IV/2025",
        **more,
    }


def test_before_approval_the_page_says_so_and_shows_no_figures(
    personas: Any, builtin_frameworks: dict[str, Any]
) -> None:
    case = results_case(personas, builtin_frameworks, approve=False)
    response = client(case).get(url(case))
    assert response.status_code == 200
    text = response.content.decode()
    assert "There is no plan yet: the results of this period are not approved." in text
    assert "22.5" not in text and "22,5" not in text and "Draft the plan" not in text
    response = client(case).post(url(case, "plans:draft"), follow=True)
    assert "once the period&#x27;s results are approved" in response.content.decode()
    assert not Plan.objects.exists()


def test_the_officer_drafts_the_plan_and_sees_the_material(case: AppraisalCase) -> None:
    page = client(case).get(url(case))
    assert page.status_code == 200
    text = page.content.decode()
    assert "Draft the plan" in text and "22.5/100 points, 77.5 points lost" in text
    response = client(case).post(url(case, "plans:draft"))
    assert response.status_code == 302 and response["Location"] == url(case)
    plan = Plan.objects.get()
    text = client(case).get(url(case)).content.decode()
    assert "self-assessed 10/10; appraised 2.5/10" in text and "1/4" in text
    assert "At full marks: 1.1 (20/20)" in text
    # an add form under each of the 6 pillars and each of the 44 criteria that lost points
    assert text.count('name="task"') == 6 + 44
    assert plan.actions.count() == 0


def test_the_page_in_vietnamese_quotes_with_decimal_commas(case: AppraisalCase) -> None:
    plan_of(case)
    with proposed_vietnamese():
        text = client(case, language="vi").get(url(case)).content.decode()
    assert "đạt 22,5/100 điểm, bị trừ 77,5 điểm, đứng thứ 1/2 cơ quan" in text
    assert "tự chấm 10/10; thẩm định 2,5/10" in text


def test_adding_editing_reporting_and_removing_through_the_pages(case: AppraisalCase) -> None:
    plan = plan_of(case)
    browser = client(case)
    response = browser.post(url(case, "plans:action_add"), form(timing="Q4 2025"))
    assert response.status_code == 302 and response["Location"].endswith("#c-1-2")
    action = plan.actions.get()
    assert (action.code, action.timing) == ("1.2", "Quý IV/2025")
    text = browser.get(url(case)).content.decode()
    assert "Giám đốc Sở trực tiếp chủ trì" in text and "Quý IV/2025" in text

    edit = url(case, "plans:action_edit", action_id=action.pk)
    assert browser.get(edit).status_code == 200
    changed = {**form(code="1.3", timing="Tháng 3/2026"), "status": "done", "progress": "Xong"}
    assert browser.post(edit, changed).status_code == 302
    action.refresh_from_db()
    assert (action.code, action.timing, action.status, action.progress) == (
        "1.3",
        "Tháng 3/2026",
        "done",
        "Xong",
    )
    progress = url(case, "plans:action_progress", action_id=action.pk)
    response = browser.post(progress, {"status": "delayed", "progress": "Chờ hướng dẫn"})
    assert response.status_code == 302
    action.refresh_from_db()
    assert (action.status, action.progress) == ("delayed", "Chờ hướng dẫn")
    response = browser.post(url(case, "plans:action_remove", action_id=action.pk))
    assert response.status_code == 302 and not plan.actions.exists()
    kinds = (
        AuditRecord.objects.filter(action__startswith="plan.").order_by("pk").values_list("action")
    )
    assert [k for (k,) in kinds] == [
        "plan.draft",
        "plan.action.add",
        "plan.action.update",
        "plan.action.progress",
        "plan.action.remove",
    ]


def test_a_bad_timing_is_shown_under_its_field_and_nothing_is_written(case: AppraisalCase) -> None:
    plan = plan_of(case)
    before = AuditRecord.objects.count()
    response = client(case).post(url(case, "plans:action_add"), form(timing="Quý V/2025"))
    assert response.status_code == 400
    text = response.content.decode()
    assert "A quarter is I, II, III or IV (or 1 to 4), not V." in text
    assert 'value="Quý V/2025"' in text  # what was typed is kept
    assert '<details class="pl-add" open>' in text  # the form stays open under its criterion
    response = client(case).post(url(case, "plans:action_add"), form(code="9.9"))
    assert response.status_code == 400
    assert "Choose the pillar or criterion the action is for." in response.content.decode()
    assert not plan.actions.exists() and AuditRecord.objects.count() == before


def test_department_staff_and_the_administrator_read_but_do_not_change(
    case: AppraisalCase,
) -> None:
    plan = plan_of(case)
    action = add(plan, case)
    before = AuditRecord.objects.count()
    for name in ("staff_a", "admin"):
        browser = client(case, name)
        page = browser.get(url(case))
        assert page.status_code == 200
        text = page.content.decode()
        assert "Giám đốc Sở trực tiếp chủ trì" in text and 'name="task"' not in text
        assert "the unit's data officer and leader change it" in text
        assert browser.get(url(case, "plans:docx")).status_code == 200
        assert browser.get(url(case, "plans:action_edit", action_id=action.pk)).status_code == 403
        for name_, data in _posts(action):
            assert browser.post(url(case, name_, **_kw(name_, action)), data).status_code == 403
    action.refresh_from_db()
    assert action.timing == "Quý IV/2025" and plan.actions.count() == 1
    assert AuditRecord.objects.count() == before


def _kw(name: str, action: PlanAction) -> dict[str, int]:
    return (
        {"action_id": action.pk}
        if name.startswith("plans:action_") and name != ("plans:action_add")
        else {}
    )


def _posts(action: PlanAction) -> list[tuple[str, dict[str, str]]]:
    return [
        ("plans:draft", {}),
        ("plans:particulars", {"year": "2030", "symbol": "KH-X"}),
        ("plans:action_add", form()),
        ("plans:action_edit", {**form(timing="2030"), "status": "done"}),
        ("plans:action_progress", {"status": "done", "progress": "!"}),
        ("plans:action_move", {"to": "up"}),
        ("plans:action_remove", {}),
    ]


def test_another_units_officer_gets_404_everywhere_and_changes_nothing(
    case: AppraisalCase,
) -> None:
    plan = plan_of(case)
    action = add(plan, case)
    before = AuditRecord.objects.count()
    for name in ("officer_b", "appraiser"):
        browser = client(case, name)
        for get in ("plans:plan", "plans:docx", "plans:pdf"):
            assert browser.get(url(case, get)).status_code == 404, (name, get)
        assert browser.get(url(case, "plans:action_edit", action_id=action.pk)).status_code == 404
        for post, data in _posts(action):
            response = browser.post(url(case, post, **_kw(post, action)), data)
            assert response.status_code == 404, (name, post)
    action.refresh_from_db()
    plan.refresh_from_db()
    assert (action.timing, plan.year, plan.actions.count()) == ("Quý IV/2025", 2025, 1)
    assert AuditRecord.objects.count() == before
    anonymous = case.personas.client("anonymous")
    assert anonymous.get(url(case))["Location"].startswith(reverse("accounts:login"))


def test_an_action_of_another_plan_is_not_found_through_this_one(case: AppraisalCase) -> None:
    plan = plan_of(case)
    other = actions.draft_plan(
        Actor(case.personas.users["officer_b"], "officer_b"), case.personas.unit_b, case.period
    )
    foreign = actions.add_action(
        Actor(case.personas.users["officer_b"], "officer_b"),
        other,
        code="2.1",
        task="Của đơn vị B",
        lead="Văn phòng",
        timing="Năm 2025",
    )
    browser = client(case)
    assert browser.get(url(case, "plans:action_edit", action_id=foreign.pk)).status_code == 404
    response = browser.post(url(case, "plans:action_remove", action_id=foreign.pk))
    assert response.status_code == 404 and PlanAction.objects.filter(pk=foreign.pk).exists()
    assert plan.actions.count() == 0


def test_wrong_methods_are_refused(case: AppraisalCase) -> None:
    plan = plan_of(case)
    action = add(plan, case)
    browser = client(case)
    for name in ("plans:draft", "plans:particulars", "plans:action_add"):
        assert browser.get(url(case, name)).status_code == 405
    for name in ("plans:action_progress", "plans:action_move", "plans:action_remove"):
        assert browser.get(url(case, name, action_id=action.pk)).status_code == 405
    assert browser.post(url(case, "plans:docx")).status_code == 405


def test_the_particulars_are_saved_and_a_wrong_date_is_refused(case: AppraisalCase) -> None:
    plan = plan_of(case)
    data = {
        "year": "2025",
        "superior": "UBND TỈNH BẮC NINH",
        "number": "15",
        "symbol": "KH-STP",
        "place": "Bắc Ninh",
        "issued_on": "2025-01-15",
        "signer_title": "Giám đốc",
        "signer_name": "Hoàng Văn Duyệt",
    }
    response = client(case).post(url(case, "plans:particulars"), {**data, "year": "25"})
    assert response.status_code == 400
    plan.refresh_from_db()
    assert plan.number == ""
    response = client(case).post(url(case, "plans:particulars"), data)
    assert response.status_code == 302
    plan.refresh_from_db()
    assert (plan.number, plan.issued_on, plan.signer_name) == (
        "15",
        datetime.date(2025, 1, 15),
        "Hoàng Văn Duyệt",
    )
    (record,) = records("plan.update")
    assert record.before["number"] == "" and record.after["number"] == "15"


def test_overdue_actions_are_counted_and_marked(case: AppraisalCase) -> None:
    plan = plan_of(case)
    add(plan, case, timing="Quý I/2020")  # long past, not done
    done = add(plan, case, timing="Năm 2020")
    actions.report_progress(actor(case), done, "done", "")
    add(plan, case, timing="Thường xuyên")
    text = client(case).get(url(case)).content.decode()
    assert text.count('class="pl-action pl-late"') == 1
    assert '<div class="pl-overdue-fact"><dt>Overdue</dt><dd>1</dd>' in text


def test_the_page_costs_the_same_queries_for_few_or_many_actions(
    case: AppraisalCase, django_assert_num_queries: Any
) -> None:
    plan = plan_of(case)
    add(plan, case)
    browser = client(case)
    browser.get(url(case))  # warm the framework cache
    with django_assert_num_queries(QUERIES) as counted:
        assert browser.get(url(case)).status_code == 200
    for code in ("1", "1.1", "1.3", "2.1", "6.19", "1.3", "1.3"):
        add(plan, case, code=code)
    with django_assert_num_queries(len(counted.captured_queries)):
        assert browser.get(url(case)).status_code == 200


#: signing in (session, user, security policy, roles), the unit, the period, its membership with
#: the group and framework, the result, the plan; the analysis (the group's results, the council's
#: decisions, last year's period, the results of earlier years: 5); the actions, the assignments,
#: the departments (the session is not saved again within minutes)
QUERIES = 17


# ------------------------------------------------------------ the demo


def test_the_demo_plan_is_sts_latest_published_and_loads_once() -> None:
    from io import StringIO

    from django.core.management import call_command

    from dti.plans.demo import load_demo_plan

    call_command("demo", stdout=StringIO())
    system = Actor(label="test")
    plan = load_demo_plan(system)
    assert plan is not None
    assert (plan.unit.name, plan.period.year, plan.period.status) == (
        "Sở Tư pháp",
        2023,
        "published",
    )
    codes = list(plan.actions.values_list("code", flat=True))
    assert len(codes) == 6
    material = load_material(plan.unit, plan.period)
    assert material is not None
    biggest = [c.code for c in material.analysis.lost[:5]]
    assert codes[1:] == biggest  # the five criteria that lost most, after one for a pillar
    assert {a.status for a in plan.actions.all()} == set(PlanAction.Status.values)
    assert all(a.timing and a.lead for a in plan.actions.all())
    assert (plan.signer_title, plan.signer_name) == ("Giám đốc", "Hoàng Văn Duyệt")
    count = AuditRecord.objects.count()
    assert load_demo_plan(system) == plan
    assert AuditRecord.objects.count() == count and plan.actions.count() == 6


# ------------------------------------------------------------ the permission matrix's entries
