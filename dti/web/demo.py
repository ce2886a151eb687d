"""The demo data of `dti demo`: the 25 Bắc Ninh units of Decision 1187/QĐ-UBND (Phụ lục I)
in their two groups, their departments, a person for every role, and a 2024 period open on
the Bắc Ninh frameworks. Loading it twice changes nothing."""

from __future__ import annotations

import datetime
import unicodedata

from django.db import transaction
from django.utils import timezone

from dti.accounts.actions import grant_role
from dti.accounts.models import Role, User
from dti.audit.trail import Actor
from dti.frameworks.models import Framework
from dti.periods import actions as period_actions
from dti.periods.models import Period
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
DEPARTMENTS_1 = ["Văn phòng", "Thanh tra", "Phòng Kế hoạch – Tài chính"]
DEPARTMENTS_2 = ["Văn phòng HĐND và UBND", "Phòng Văn hoá và Thông tin", "Phòng Nội vụ"]


def slug(text: str) -> str:
    """ASCII code from a Vietnamese name: "Sở Tư pháp" -> "so-tu-phap"."""
    text = text.replace("Đ", "D").replace("đ", "d")
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    words = "".join(c if c.isalnum() else " " for c in ascii_text.lower()).split()
    return "-".join(words)


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
    user.set_password(DEMO_PASSWORD)
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
    return created
