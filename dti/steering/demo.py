"""The demo's steering-committee plan: the Đắk R'lấp 2023 plan adapted to Bắc Ninh.

``load_demo_steering(actor)`` creates what is missing — two more committee members, the 2023
plan, its targets (section II of the seed) and tasks (section III), and quarterly reports on
some of them, leaving others overdue — and touches nothing that is already there. It runs after
``dti.web.demo.load_demo`` (which creates ``bancd``); on its own it creates ``bancd`` too.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.contrib.auth.hashers import make_password
from django.db import transaction

from dti.accounts.access import Access
from dti.accounts.actions import grant_role
from dti.accounts.models import Role, User
from dti.audit.trail import Actor
from dti.periods.deadlines import province_zone
from dti.steering import actions, due, measures
from dti.steering.models import ProgressReport, State, SteeringPlan, Target, Task

YEAR = 2023
PLAN_NAME = "Kế hoạch hoạt động của Ban Chỉ đạo chuyển đổi số tỉnh Bắc Ninh năm 2023"

MEMBERS = {
    "bancd": ("Nguyễn Văn Chỉ", "Thành viên Ban Chỉ đạo chuyển đổi số tỉnh"),
    "bancd.congan": ("Trần Quốc Khánh", "Phó Giám đốc Công an tỉnh, thành viên Ban Chỉ đạo"),
    "bancd.yte": ("Lê Thị Minh Thu", "Phó Giám đốc Sở Y tế, thành viên Ban Chỉ đạo"),
}

STTTT = "Sở Thông tin và Truyền thông"
DISTRICTS = "UBND các huyện, thị xã, thành phố"

H1 = "1. Phát triển hạ tầng số"
H2 = "2. Phát triển chính quyền số"
H3 = "3. Phát triển kinh tế số và xã hội số"
H4 = "4. An toàn thông tin mạng"

# section, code, indicator, target, lead member, lead unit, coordinating units
TARGETS = (
    (H1, "1.a", "Tỷ lệ dân số (tính trên toàn bộ dân số) có điện thoại thông minh", "≥ 80 %", "bancd", STTTT, f"Các doanh nghiệp viễn thông; {DISTRICTS}"),
    (H1, "1.b", "Tỷ lệ hộ gia đình có đường Internet cáp quang băng rộng", "≥ 75 %", "bancd", STTTT, f"Các doanh nghiệp viễn thông; {DISTRICTS}"),
    (H1, "1.c", "Tỷ lệ phủ sóng băng rộng di động tới thôn, khu phố", "100 %", "bancd", STTTT, "Các doanh nghiệp viễn thông"),
    (H2, "2.a", "Tỷ lệ dịch vụ công trực tuyến phát sinh hồ sơ", "≥ 70 %", "bancd", STTTT, "Văn phòng UBND tỉnh; các sở, ban, ngành"),
    (H2, "2.b", "Tỷ lệ hồ sơ thủ tục hành chính tiếp nhận, giải quyết và trả kết quả trực tuyến", "≥ 50 %", "bancd", "Văn phòng UBND tỉnh", f"Các sở, ban, ngành; {DISTRICTS}"),
    (H2, "2.c", "Tỷ lệ số hóa hồ sơ, kết quả giải quyết thủ tục hành chính tại Trung tâm Phục vụ hành chính công tỉnh", "100 %", "bancd", "Văn phòng UBND tỉnh", "Các sở, ban, ngành"),
    (H2, "2.d", "Tỷ lệ báo cáo của các cơ quan hành chính nhà nước được thực hiện trực tuyến qua Hệ thống thông tin báo cáo", "≥ 50 %", "bancd", "Văn phòng UBND tỉnh", "Các sở, ban, ngành"),
    (H3, "3.a", "Tỷ lệ doanh nghiệp nhỏ và vừa sử dụng nền tảng số", "≥ 30 %", "bancd", "Sở Kế hoạch và Đầu tư", f"{STTTT}; Sở Công thương"),
    (H3, "3.b", "Tỷ lệ doanh nghiệp sử dụng hóa đơn điện tử", "100 %", "bancd", "Cục Thuế tỉnh", "Sở Kế hoạch và Đầu tư"),
    (H3, "3.e", "Tỷ lệ người dân từ 15 tuổi trở lên có tài khoản giao dịch tại ngân hàng hoặc các tổ chức được phép khác", "55–60 %", "bancd", "Ngân hàng Nhà nước chi nhánh tỉnh Bắc Ninh", DISTRICTS),
    (H3, "3.f", "Tỷ lệ người dân sử dụng ứng dụng định danh điện tử", "25–30 %", "bancd.congan", "Công an tỉnh", f"{STTTT}; {DISTRICTS}"),
    (H3, "3.g", "Tỷ lệ người dân có Hồ sơ sức khỏe điện tử, được sử dụng trong khám chữa bệnh và theo dõi sức khỏe", "≥ 90 %", "bancd.yte", "Sở Y tế", STTTT),
    (H3, "3.h", "Tỷ trọng thanh toán học phí, viện phí không dùng tiền mặt", "≥ 60 %", "bancd.yte", "Sở Y tế", "Sở Giáo dục và Đào tạo; Ngân hàng Nhà nước chi nhánh tỉnh Bắc Ninh"),
    (H4, "4.a", "Tỷ lệ máy tính đủ điều kiện được cài đặt phần mềm phòng chống mã độc tập trung", "65–70 %", "bancd", STTTT, "Các sở, ban, ngành"),
    (H4, "4.b", "Tỷ lệ hệ thống thông tin được xác định cấp độ và triển khai phương án bảo vệ", "100 %", "bancd", STTTT, f"Công an tỉnh; các sở, ban, ngành; {DISTRICTS}"),
)  # fmt: skip

# code, title, description, timing (a date, "yearly" or "roadmap"), lead member, lead unit, coordinating
TASKS = (
    ("1", "Phổ cập điện thoại thông minh và cáp quang băng rộng toàn dân", "Triển khai thực hiện mục tiêu tối thiểu 80% dân số có điện thoại thông minh; tối thiểu 75% hộ gia đình có đường Internet cáp quang băng rộng; 100% thôn, khu phố được phủ sóng băng rộng di động.", datetime.date(2023, 12, 31), "bancd", STTTT, f"Các doanh nghiệp viễn thông; {DISTRICTS}"),
    ("2", "Phổ cập danh tính điện tử toàn dân", "Triển khai Hệ thống định danh và xác thực điện tử trên nền tảng cơ sở dữ liệu quốc gia về dân cư, cơ sở dữ liệu căn cước công dân; mục tiêu 25–30% người dân sử dụng ứng dụng định danh điện tử.", datetime.date(2023, 12, 31), "bancd.congan", "Công an tỉnh", f"{STTTT}; {DISTRICTS}"),
    ("3.a", "Phổ cập an toàn thông tin mạng toàn dân", "Triển khai phần mềm phòng chống mã độc bản quyền bảo vệ thiết bị đầu cuối từ cấp tỉnh đến cấp xã; thẩm định, phê duyệt hồ sơ cấp độ các hệ thống thông tin và xây dựng phương án bảo vệ.", "yearly", "bancd", STTTT, "Văn phòng UBND tỉnh; Công an tỉnh"),
    ("4", "Phổ cập hồ sơ sức khỏe điện tử toàn dân", "Thúc đẩy triển khai hồ sơ sức khỏe điện tử cho người dân; mục tiêu trên 90% người dân có Hồ sơ sức khỏe điện tử, từng bước thay thế y bạ giấy.", datetime.date(2023, 12, 31), "bancd.yte", "Sở Y tế", f"{STTTT}; {DISTRICTS}"),
    ("7", "Phổ biến nâng cao nhận thức về chuyển đổi số", "Đẩy mạnh tuyên truyền nâng cao nhận thức về chuyển đổi số; phổ biến các mô hình chuyển đổi số điển hình trên các phương tiện truyền thông đại chúng.", "yearly", "bancd", STTTT, f"Báo Bắc Ninh; Đài Phát thanh và Truyền hình tỉnh; {DISTRICTS}"),
    ("12", "Phát triển Hệ thống thông tin báo cáo của tỉnh", "Vận hành, phát triển Hệ thống thông tin báo cáo của tỉnh, bảo đảm kết nối, tích hợp với Hệ thống thông tin báo cáo Chính phủ.", "yearly", "bancd", "Văn phòng UBND tỉnh", f"Các sở, ban, ngành; {DISTRICTS}"),
    ("16.b", "Kết nối, chia sẻ dữ liệu với Cơ sở dữ liệu quốc gia về dân cư", "Kết nối, chia sẻ dữ liệu với Cơ sở dữ liệu quốc gia về dân cư theo Quyết định số 06/QĐ-TTg ngày 06/01/2022 của Thủ tướng Chính phủ.", "roadmap", "bancd.congan", "Công an tỉnh", "Các sở, ban, ngành"),
    ("18", "Triển khai Nền tảng quản trị tổng thể", "Khảo sát, đánh giá thực trạng, đề xuất phương án và triển khai Nền tảng quản trị tổng thể: đăng nhập một lần, thư điện tử, văn bản điện tử, lịch làm việc, họp trực tuyến, nhắc việc.", datetime.date(2023, 10, 31), "bancd", STTTT, "Các sở, ban, ngành"),
)  # fmt: skip

# Reports, quarter by quarter: (value, narrative, days after the due day — positive is late), or
# None where the member has not reported (overdue). Narratives left blank take the quarter's own.
QUARTER_NARRATIVES = {
    1: "Ban hành kế hoạch thực hiện; rà soát số liệu đầu năm.",
    2: "Tiếp tục triển khai; tuyên truyền, hướng dẫn người dân và doanh nghiệp.",
    3: "Đôn đốc các đơn vị phối hợp; tháo gỡ khó khăn phát sinh.",
    4: "Tổng kết kết quả thực hiện năm.",
}
TARGET_REPORTS: dict[str, tuple[tuple[str, str, int] | None, ...]] = {
    "1.a": (("76.4", "Các doanh nghiệp viễn thông hỗ trợ chuyển đổi thuê bao 2G sang điện thoại thông minh.", -3), ("78.1", "", -2), ("80.6", "Đạt chỉ tiêu; tiếp tục duy trì.", -4), ("81.2", "", -1)),
    "1.b": (("68", "", -2), ("71.5", "Mở rộng vùng phủ cáp quang tại các xã vùng bãi.", -1), ("73.9", "Một số thôn vùng bãi chưa có hạ tầng; đề nghị doanh nghiệp đẩy nhanh tiến độ.", 5), None),
    "1.c": (("96.5", "Còn 18 thôn, khu phố có vùng lõm sóng.", -3), ("100", "Đã xóa toàn bộ vùng lõm sóng.", -2), ("100", "", -2), ("100", "", -1)),
    "2.a": (("52", "Rà soát, cắt giảm thành phần hồ sơ của dịch vụ công trực tuyến.", -2), ("61", "", -1), ("68.5", "Triển khai thanh toán trực tuyến phí, lệ phí.", -3), ("72.3", "", -2)),
    "2.b": (("31", "Nhiều thủ tục chưa được người dân sử dụng trực tuyến.", -1), ("38", "Tập huấn cho cán bộ một cửa cấp xã.", 3), ("44", "", -2), ("48.6", "Chưa đạt; đề nghị các huyện tăng cường hướng dẫn tại bộ phận một cửa.", -1)),
    "2.c": (("70", "", -2), ("82", "", -2), ("95", "", -1), ("100", "", -2)),
    "2.d": (("35", "", -2), ("42", "", -1), None, None),
    "3.a": (("18", "", -1), ("22", "Phối hợp triển khai chương trình SMEdx.", -2), ("27", "", -2), ("31.5", "", -1)),
    "3.b": (("96", "", -2), ("98.5", "", -1), ("99.2", "", -2), ("100", "", -3)),
    "3.e": (("48", "Phối hợp các ngân hàng thương mại mở tài khoản tại địa bàn nông thôn.", -2), ("52", "", -1), ("55.4", "Đạt mức dưới của chỉ tiêu.", -2), ("57", "", -1)),
    "3.f": (("12", "Cấp tài khoản định danh điện tử tại các điểm cấp căn cước công dân.", -2), ("18.5", "", -1), ("24", "Tiếp tục đẩy mạnh kích hoạt tài khoản mức 2.", -3), None),
    "3.g": (("41", "Các cơ sở khám chữa bệnh cập nhật dữ liệu khám sức khỏe.", -1), ("58", "", 4), ("71", "", -2), ("84", "Chưa đạt do dữ liệu tuyến xã chưa đồng bộ.", -1)),
    "3.h": (None, ("35", "", 6), ("47", "", -1), ("62", "", -2)),
    "4.a": (("50", "", -3), ("58", "", -2), ("64", "", -1), ("68", "", -2)),
    "4.b": (("85", "Rà soát, lập hồ sơ đề xuất cấp độ các hệ thống còn thiếu.", -2), ("92", "", -2), ("100", "Toàn bộ hệ thống thông tin đã được phê duyệt cấp độ.", -1), ("100", "", -1)),
}  # fmt: skip
TASK_REPORTS: dict[str, tuple[tuple[str, int] | None, ...]] = {
    "1": (("Ban hành kế hoạch phổ cập điện thoại thông minh năm 2023.", -2), ("Phối hợp doanh nghiệp viễn thông tặng máy cho hộ nghèo.", -1), ("", -2), ("Hoàn thành nhiệm vụ.", -3)),
    "2": (("Cấp 120.000 tài khoản định danh điện tử.", -2), ("Cấp thêm 95.000 tài khoản.", -1), ("", -2), None),
    "3.a": (("Triển khai phần mềm phòng chống mã độc tập trung cho các sở, ngành.", -1), ("Mở rộng đến cấp xã.", -2), ("Tổ chức diễn tập an toàn thông tin.", -1), ("", -2)),
    "4": (("", -1), ("", 2), ("", -2), ("", -1)),
    "7": (("", -2), ("", -1), ("", -1), ("", -3)),
    "12": (("", -1), ("", -2), ("", -2), ("", -1)),
    "16.b": (("", -2), None, ("", -1), ("", -2)),
    "18": (("Khảo sát thực trạng tại 5 đơn vị thí điểm.", -2), ("Đề xuất phương án triển khai, chờ phê duyệt kinh phí.", 2), ("Đang lựa chọn nhà cung cấp.", -1), None),
}  # fmt: skip
FINISHED_TASKS = ("1", "4")


def _member(actor: Actor, username: str) -> User:
    user = User.objects.filter(username=username).first()
    if user is None:
        from dti.web.demo import DEMO_PASSWORD

        full_name, position = MEMBERS[username]
        user = User(
            username=username,
            full_name=full_name,
            position=position,
            email=f"{username}@demo.dti.local",
            password=make_password(DEMO_PASSWORD),
        )
        user.save()
    grant_role(actor, user, Role.Kind.STEERING)
    return user


def _at(quarter: int, delay_days: int, report_day: int) -> datetime.datetime:
    """A report's time: nine in the morning, ``delay_days`` after the quarter's due day."""
    day = due.due_date(YEAR, quarter, report_day) + datetime.timedelta(days=delay_days)
    return datetime.datetime.combine(day, datetime.time(9), tzinfo=province_zone())


@transaction.atomic
def load_demo_steering(actor: Actor) -> dict[str, int]:
    """Create what is missing of the demo plan; return how many targets, tasks and reports were
    created."""
    created = {"targets": 0, "tasks": 0, "reports": 0}
    people = {username: _member(actor, username) for username in MEMBERS}
    plan = SteeringPlan.objects.filter(year=YEAR).first() or actions.create_plan(
        actor, PLAN_NAME, YEAR, 10
    )
    targets = {t.code: t for t in Target.objects.filter(plan=plan)}
    for position, (section, code, indicator, text, lead, unit, coordinating) in enumerate(
        TARGETS, 1
    ):
        if code in targets:
            continue
        measure = measures.parse_measure(text)
        targets[code] = actions.create_target(
            actor,
            plan,
            section=section,
            code=code,
            position=position,
            indicator=indicator,
            comparator=measure.comparator.value,
            value=measure.value,
            value_max=measure.value_max,
            unit=measure.unit,
            lead_member=people[lead],
            lead_unit=unit,
            coordinating=coordinating,
        )
        created["targets"] += 1
    tasks = {t.code: t for t in Task.objects.filter(plan=plan)}
    for position, (code, title, description, timing, lead, unit, coordinating) in enumerate(
        TASKS, 1
    ):
        if code in tasks:
            continue
        dated = isinstance(timing, datetime.date)
        tasks[code] = actions.create_task(
            actor,
            plan,
            code=code,
            position=position,
            title=title,
            description=description,
            timing=Task.Timing.DATE if dated else timing,
            deadline=timing if dated else None,
            lead_member=people[lead],
            lead_unit=unit,
            coordinating=coordinating,
        )
        created["tasks"] += 1
    have = set(
        ProgressReport.objects.filter(year=YEAR, target__plan=plan).values_list(
            "target__code", "quarter"
        )
    )
    for code, reports in TARGET_REPORTS.items():
        for quarter, report in enumerate(reports, 1):
            if report is not None and (code, quarter) not in have:
                value, narrative, delay = report
                narrative = narrative or QUARTER_NARRATIVES[quarter]
                _report(plan, targets[code], quarter, narrative, Decimal(value), delay)
                created["reports"] += 1
    have = set(
        ProgressReport.objects.filter(year=YEAR, task__plan=plan).values_list(
            "task__code", "quarter"
        )
    )
    for code, task_reports in TASK_REPORTS.items():
        for quarter, task_report in enumerate(task_reports, 1):
            if task_report is not None and (code, quarter) not in have:
                narrative, delay = task_report
                narrative = narrative or QUARTER_NARRATIVES[quarter]
                _report(plan, tasks[code], quarter, narrative, None, delay)
                created["reports"] += 1
    for code in FINISHED_TASKS:
        task = tasks[code]
        if task.state == State.ACTIVE and created["tasks"]:  # only when the demo creates it
            actions.update_task(actor, task, state=State.DONE)
    return created


def _report(
    plan: SteeringPlan,
    item: Target | Task,
    quarter: int,
    narrative: str,
    value: Decimal | None,
    delay: int,
) -> Any:
    lead = item.lead_member
    member = Actor(lead, lead.username, "dti demo")
    return actions.report_progress(
        member,
        Access(lead, []),
        item,
        quarter=quarter,
        narrative=narrative,
        value=value,
        now=_at(quarter, delay, plan.report_day),
    )
