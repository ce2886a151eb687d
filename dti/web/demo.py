"""The demo data of `dti demo`: the 25 Bắc Ninh units of Decision 1187/QĐ-UBND (Phụ lục I)
in their two groups, their departments, a person for every role, a 2024 period open on the
Bắc Ninh frameworks, and the 2022 and 2023 periods where every unit submitted plausible figures,
the council appraised them and the results are published. Loading it twice changes nothing."""

from __future__ import annotations

import datetime
import functools
import random
import unicodedata
from decimal import Decimal
from typing import Any

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

from dti.accounts.access import Access
from dti.accounts.actions import grant_role
from dti.accounts.models import Role, User
from dti.audit.trail import Actor
from dti.frameworks.models import Framework
from dti.periods import actions as period_actions
from dti.periods.models import Period, PeriodGroup
from dti.scoring.model import Rule
from dti.units.models import Department, Unit

#: The password of every demo account: for trying DTI on one's own machine, never in production.
DEMO_PASSWORD = "dti-demo-2024"  # noqa: S105 - the documented demo password

GROUP_1 = [
    "Ban Quản lý An toàn thực phẩm",
    "Ban Quản lý các khu công nghiệp",
    "Sở Công thương",
    "Sở Giáo dục và Đào tạo",
    "Sở Giao thông vận tải",
    "Sở Kế hoạch và Đầu tư",
    "Sở Khoa học và Công nghệ",
    "Sở Lao động – Thương binh và Xã hội",
    "Sở Nội vụ",
    "Sở Nông nghiệp và Phát triển nông thôn",
    "Sở Tài chính",
    "Sở Tài nguyên và Môi trường",
    "Sở Thông tin và Truyền thông",
    "Sở Tư pháp",
    "Sở Văn hoá, Thể thao và Du lịch",
    "Sở Xây dựng",
    "Sở Y tế",
]
GROUP_2 = [
    "UBND huyện Gia Bình",
    "UBND huyện Lương Tài",
    "UBND huyện Tiên Du",
    "UBND huyện Yên Phong",
    "UBND Thành phố Bắc Ninh",
    "UBND Thành phố Từ Sơn",
    "UBND Thị xã Quế Võ",
    "UBND Thị xã Thuận Thành",
]
#: Classification of the demo's results, by share of the group's maximum.
DEMO_BANDS = [
    {"label": "Xuất sắc", "min": "90"},
    {"label": "Tốt", "min": "75"},
    {"label": "Khá", "min": "65"},
    {"label": "Trung bình", "min": "50"},
    {"label": "Kém", "min": "0"},
]
DEPARTMENTS_1 = ["Văn phòng", "Thanh tra", "Phòng Kế hoạch – Tài chính"]
DEPARTMENTS_2 = ["Văn phòng HĐND và UBND", "Phòng Văn hoá và Thông tin", "Phòng Nội vụ"]


def slug(text: str) -> str:
    """ASCII code from a Vietnamese name: "Sở Tư pháp" -> "so-tu-phap"."""
    text = text.replace("Đ", "D").replace("đ", "d")
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    words = "".join(c if c.isalnum() else " " for c in ascii_text.lower()).split()
    return "-".join(words)


@functools.cache
def _demo_password_hash() -> str:
    """The demo password hashed once (argon2 takes a tenth of a second per hash): every demo
    account shares the documented password anyway."""
    return make_password(DEMO_PASSWORD)


def _person(username: str, full_name: str, position: str) -> tuple[User, bool]:
    user = User.objects.filter(username=username).first()
    if user is not None:
        return user, False
    user = User(
        username=username,
        full_name=full_name,
        position=position,
        email=f"{username}@demo.dti.local",
    )
    user.password = _demo_password_hash()
    user.save()
    return user, True


@transaction.atomic
def load_demo(actor: Actor) -> dict[str, int]:
    """Create what is missing of the demo; return how many units, people and periods were created."""
    created = {"units": 0, "people": 0, "periods": 0}
    units: dict[str, Unit] = {}
    for position, name in enumerate(GROUP_1 + GROUP_2, 1):
        kind = Unit.Kind.DEPARTMENT if name in GROUP_1 else Unit.Kind.DISTRICT
        unit, made = Unit.objects.get_or_create(
            name=name, defaults={"code": slug(name), "kind": kind, "position": position}
        )
        created["units"] += made
        units[name] = unit
        for order, department in enumerate(DEPARTMENTS_1 if name in GROUP_1 else DEPARTMENTS_2, 1):
            Department.objects.get_or_create(
                unit=unit, name=department, defaults={"position": order}
            )

    def person(
        username: str,
        full_name: str,
        position: str,
        kind: str,
        unit: Unit | None = None,
        department: Department | None = None,
        chair: bool = False,
    ) -> None:
        user, made = _person(username, full_name, position)
        created["people"] += made
        grant_role(actor, user, kind, unit=unit, department=department, is_chair=chair)

    stp = units["Sở Tư pháp"]
    person("quantri", "Trần Minh Quản", "Chuyên viên Sở Thông tin và Truyền thông", Role.Kind.ADMIN)
    person(
        "thamdinh1",
        "Lê Thị Thẩm",
        "Phó Giám đốc Sở Thông tin và Truyền thông",
        Role.Kind.APPRAISER,
        chair=True,
    )
    person("thamdinh2", "Phạm Văn Định", "Chuyên viên Tổ giúp việc", Role.Kind.APPRAISER)
    person(
        "bancd", "Nguyễn Văn Chỉ", "Thành viên Ban Chỉ đạo chuyển đổi số tỉnh", Role.Kind.STEERING
    )
    person(
        "stp.canbo",
        "Đỗ Thu Hà",
        "Chuyên viên Văn phòng Sở Tư pháp",
        Role.Kind.DATA_OFFICER,
        unit=stp,
    )
    person("stp.lanhdao", "Hoàng Văn Duyệt", "Giám đốc Sở Tư pháp", Role.Kind.LEADER, unit=stp)
    person(
        "stp.thanhtra",
        "Vũ Thị Thanh",
        "Chuyên viên Thanh tra Sở Tư pháp",
        Role.Kind.DEPARTMENT_STAFF,
        department=stp.departments.get(name="Thanh tra"),
    )
    for name, unit in units.items():
        if unit is stp:
            continue
        person(
            f"{unit.code}.canbo",
            f"Cán bộ {name}",
            "Cán bộ cung cấp thông tin",
            Role.Kind.DATA_OFFICER,
            unit=unit,
        )
        person(
            f"{unit.code}.lanhdao",
            f"Lãnh đạo {name}",
            "Lãnh đạo cơ quan duyệt",
            Role.Kind.LEADER,
            unit=unit,
        )

    if not Period.objects.filter(year=2024).exists():
        # The decision's calendar, except that the submission deadline is moved to a month from
        # today when 10/10/2024 has passed, so that the demo can be tried now.
        today = timezone.localdate()
        deadline = max(datetime.date(2024, 10, 10), today + datetime.timedelta(days=30))
        period = period_actions.create_period(
            actor,
            year=2024,
            name="Đánh giá chỉ số DTI năm 2024",
            data_start=datetime.date(2023, 10, 1),
            data_end=datetime.date(2024, 9, 30),
            submission_deadline=deadline,
            appraisal_deadline=deadline + datetime.timedelta(days=15),
            explanation_deadline=deadline + datetime.timedelta(days=25),
            final_deadline=deadline + datetime.timedelta(days=35),
            publication_date=deadline + datetime.timedelta(days=45),
        )
        so = Framework.objects.filter(code="bacninh-so").order_by("-version").first()
        huyen = Framework.objects.filter(code="bacninh-huyen").order_by("-version").first()
        assert so is not None and huyen is not None, "load the built-in frameworks first"  # noqa: S101
        period_actions.set_group(
            actor, period, 1, "Nhóm 1: Các sở, ban, ngành", so, [units[n] for n in GROUP_1]
        )
        period_actions.set_group(
            actor,
            period,
            2,
            "Nhóm 2: Các huyện, thị xã, thành phố",
            huyen,
            [units[n] for n in GROUP_2],
        )
        period_actions.move_period(actor, period, Period.Status.OPEN, reason="Dữ liệu mẫu")
        created["periods"] += 1
    for year in PAST_YEARS:
        if not Period.objects.filter(year=year).exists():
            _past_period(actor, units, year)
            created["periods"] += 1
    # The steering committee's 2023 plan, with its targets, tasks and quarterly reports.
    from dti.steering.demo import load_demo_steering

    load_demo_steering(actor)
    # Sở Tư pháp's improvement plan from its latest published results.
    from dti.plans.demo import load_demo_plan

    load_demo_plan(actor)
    return created


# ------------------------------------------------------------ 2022 and 2023: published

#: Earlier years of the demo, each submitted, appraised and published; units did a little better
#: each year, so the trends go up.
PAST_YEARS = (2022, 2023)


def _past_period(actor: Actor, units: dict[str, Unit], year: int) -> None:
    """An earlier period: every unit submitted on time; thamdinh2 appraised group 1, the chair
    (thamdinh1) every unit; the results are published."""
    from dti.appraisal.actions import assign_appraiser
    from dti.assessments import actions as assessment_actions
    from dti.assessments.models import Assessment

    period = period_actions.create_period(
        actor,
        year=year,
        name=f"Đánh giá chỉ số DTI năm {year}",
        data_start=datetime.date(year - 1, 10, 1),
        data_end=datetime.date(year, 9, 30),
        submission_deadline=datetime.date(year, 10, 10),
        appraisal_deadline=datetime.date(year, 10, 25),
        explanation_deadline=datetime.date(year, 11, 5),
        final_deadline=datetime.date(year, 11, 15),
        publication_date=datetime.date(year, 11, 30),
    )
    so = Framework.objects.filter(code="bacninh-so").order_by("-version").first()
    huyen = Framework.objects.filter(code="bacninh-huyen").order_by("-version").first()
    assert so is not None and huyen is not None  # noqa: S101 - checked by the 2024 period
    groups = [
        period_actions.set_group(
            actor, period, 1, "Nhóm 1: Các sở, ban, ngành", so, [units[n] for n in GROUP_1]
        ),
        period_actions.set_group(
            actor,
            period,
            2,
            "Nhóm 2: Các huyện, thị xã, thành phố",
            huyen,
            [units[n] for n in GROUP_2],
        ),
    ]
    period = period_actions.move_period(actor, period, Period.Status.OPEN, reason="Dữ liệu mẫu")
    during = datetime.datetime(year, 10, 5, 9, 0, tzinfo=datetime.UTC)
    for group in groups:
        for name in GROUP_1 if group.number == 1 else GROUP_2:
            unit = units[name]
            assessment = Assessment.objects.create(period=period, unit=unit, group=group)
            leader = Role.objects.filter(kind=Role.Kind.LEADER, unit=unit).first()
            if leader is None:
                continue
            # The unit's own leader fills in and submits, as the audit trail will say.
            access = Access(leader.user, [leader])
            signer = Actor(leader.user, leader.user.username, "dti demo")
            general, answers = _plausible(group, unit, year)
            assessment_actions.apply_workbook(signer, access, assessment, general, answers, during)
            _demo_documents(signer, access, assessment, during, year)
            assessment_actions.submit_assessment(signer, access, assessment, during)
    period = period_actions.move_period(
        actor, period, Period.Status.APPRAISAL, reason="Dữ liệu mẫu"
    )
    second = User.objects.get(username="thamdinh2")
    for name in GROUP_1:
        assign_appraiser(actor, period, second, units[name])
    _appraise(actor, period)


def _appraise(actor: Actor, period: Period) -> None:
    """The council's work: full marks without evidence are halved, with the reason; the
    chair finalises every unit; the results are approved, classified and published."""
    from dti.appraisal import actions as appraisal_actions
    from dti.appraisal.access import appraising_for
    from dti.appraisal.checks import flag_from_json
    from dti.appraisal.models import Review
    from dti.frameworks.models import Criterion
    from dti.results.actions import set_bands

    chair = User.objects.get(username="thamdinh1")
    chair_access = Access(chair, list(Role.objects.filter(user=chair)))
    chair_actor = Actor(chair, chair.username, "dti demo")
    for review in Review.objects.filter(assessment__period=period).select_related(
        "assessment__unit", "assessment__group__framework", "assessment__period"
    ):
        assessment = review.assessment
        appraising = appraising_for(chair_access, assessment, review)
        framework_id = assessment.group.framework_id
        for data in review.flags:
            flag = flag_from_json(data)
            if flag.check != "full_marks_no_evidence":
                continue
            criterion = Criterion.objects.get(framework_id=framework_id, code=flag.criterion_code)
            appraisal_actions.decide(
                chair_actor,
                appraising,
                review,
                criterion,
                "scored",
                points=str(criterion.effective_max / 2),
                reason="Không có tài liệu kiểm chứng; chấm một nửa số điểm theo hướng dẫn.",
            )
        appraisal_actions.finalise(chair_actor, chair_access, review)
    for status in (Period.Status.EXPLANATION, Period.Status.FINAL):
        period = period_actions.move_period(actor, period, status, reason="Dữ liệu mẫu")
    set_bands(actor, period, DEMO_BANDS)
    period = period_actions.move_period(actor, period, Period.Status.APPROVED, reason="Dữ liệu mẫu")
    period_actions.move_period(actor, period, Period.Status.PUBLISHED, reason="Dữ liệu mẫu")


def _plausible(
    group: PeriodGroup, unit: Unit, year: int = 2023
) -> tuple[dict[str, Any], dict[str, Any]]:
    """General information and figures a unit of its kind could have reported (the same every
    time for the same unit). The year before, a few answers were a little worse."""
    from dti.frameworks.store import to_scoring

    rng = random.Random(unit.code)  # noqa: S311 - demo figures, not secrets
    framework = to_scoring(group.framework)
    general: dict[str, Any] = {
        "name": unit.name,
        "address": "Bắc Ninh",
        "website": f"https://{unit.code}.bacninh.gov.vn",
        "sub_units": rng.randint(3, 20),
        "civil_servants": rng.randint(40, 160),
        "public_employees": rng.randint(20, 900),
        "officer_name": f"Cán bộ {unit.name}",
        "leader_name": f"Lãnh đạo {unit.name}",
    }
    general = {k: v for k, v in general.items() if k in framework.fields}
    answers: dict[str, Any] = {}
    worse = random.Random(f"{unit.code}-{year}")  # noqa: S311 - demo figures
    for leaf in framework.leaves:
        inputs = _plausible_inputs(leaf.rule, leaf.effective_max, general, rng)
        if inputs and year < 2023 and worse.random() < 0.12:
            inputs = _a_little_worse(inputs)
        if inputs:
            answers[leaf.code] = {"inputs": inputs, "note": ""}
    return general, answers


def _a_little_worse(inputs: dict[str, Any]) -> dict[str, Any]:
    worse = dict(inputs)
    if "yes" in worse:
        worse["yes"] = False
    if "numerator" in worse:
        worse["numerator"] = int(worse["numerator"] * 0.8)
    if "count" in worse:
        worse["count"] = max(0, int(worse["count"]) - 1)
    return worse


def _plausible_inputs(
    rule: Rule | None,
    maximum: Decimal,
    general: dict[str, Any],
    rng: random.Random,
) -> dict[str, Any]:
    if rule is None:
        return {}
    if rule.type == "yesno":
        return {"yes": rng.random() < 0.8}
    if rule.type == "ratio" or (rule.type == "bands" and rule.params.get("input") == "ratio"):
        fields = rule.params.get("denominator_field")
        if fields:
            names = [fields] if isinstance(fields, str) else list(fields)
            denominator = sum(int(general.get(n) or 0) for n in names)
            return {"numerator": rng.randint(denominator // 2, denominator)}
        denominator = rng.randint(4, 40)
        return {"numerator": rng.randint(denominator // 2, denominator), "denominator": denominator}
    if rule.type == "bands":
        bands = rule.params["bands"]
        value = rng.choice([Decimal(b["min"]) for b in bands] + [Decimal(0)])
        return {"value": str(value)}
    if rule.type == "count":
        target = int(rule.params.get("target") or 5)
        return {"count": rng.randint(target // 2, target)}
    if rule.type == "choice":
        return {"choice": rng.choice([o["key"] for o in rule.params["options"]][:2])}
    if rule.type == "manual":
        return {"score": str(maximum)}
    return {}


def _demo_documents(
    actor: Actor, access: Access, assessment: Any, now: datetime.datetime, year: int
) -> None:
    """The unit's report, supporting most criteria (not all: a check flags full marks without
    evidence), and two document references, one dated before the data window (flagged too)."""
    from dti.assessments import actions as assessment_actions
    from dti.assessments.models import Evidence
    from dti.frameworks.models import Criterion

    every = list(
        Criterion.objects.filter(framework_id=assessment.group.framework_id)
        .exclude(rule_type="")
        .order_by("position")
    )
    rng = random.Random(f"{assessment.unit.code}-evidence")  # noqa: S311 - demo data
    assessment_actions.add_evidence(
        actor,
        access,
        assessment,
        Evidence(
            kind=Evidence.Kind.DOCUMENT,
            doc_number=f"{rng.randint(100, 400)}/BC-{assessment.unit.code.upper()[:12]}",
            doc_date=datetime.date(year, 9, 25),
            doc_issuer=assessment.unit.name,
            summary=f"Báo cáo kết quả thực hiện chuyển đổi số năm {year}",
        ),
        [c for c in every if rng.random() < 0.93],
        now,
    )
    leaves = every[:2]
    for criterion, (number, day) in zip(
        leaves,
        [
            ("125/KH-UBND", datetime.date(year, 2, 15)),
            ("58/QĐ-UBND", datetime.date(year - 1, 3, 1)),
        ],
        strict=False,
    ):
        assessment_actions.add_evidence(
            actor,
            access,
            assessment,
            Evidence(
                kind=Evidence.Kind.DOCUMENT,
                doc_number=number,
                doc_date=day,
                doc_issuer=assessment.unit.name,
                summary=f"Kế hoạch chuyển đổi số năm {year}",
            ),
            [criterion],
            now,
        )
