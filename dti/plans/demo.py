"""The demo's improvement plan: Sở Tư pháp's plan after its latest published results, with a few
actions as an agency writes them — for the criteria on which it lost the most points, led by its
departments, timed over the year of the plan, some done, some under way, one late.

``load_demo_plan`` is called by the demo loader (``dti demo``) after the published periods exist;
loading it twice changes nothing.
"""

from __future__ import annotations

import datetime

from django.db import transaction

from dti.audit.trail import Actor
from dti.periods.models import Period
from dti.plans import actions
from dti.plans.material import load_material
from dti.plans.models import Plan, PlanAction
from dti.units.models import Unit

UNIT = "Sở Tư pháp"
OFFICE, INSPECTORATE, FINANCE = "Văn phòng", "Thanh tra", "Phòng Kế hoạch – Tài chính"
EVERYONE = "Các phòng, đơn vị thuộc Sở"

#: What Sở Tư pháp would do for a criterion of the department framework (bacninh-so):
#: (task, lead, coordinating units). Criteria not listed get a general task.
TASKS: dict[str, tuple[str, str, str]] = {
    "1.1": (
        "Tham mưu kiện toàn Ban Chỉ đạo chuyển đổi số của Sở, do Giám đốc Sở làm Trưởng ban; "
        "ban hành quy chế hoạt động và phân công nhiệm vụ từng thành viên.",
        OFFICE,
        EVERYONE,
    ),
    "1.3": (
        "Bố trí Lãnh đạo Sở dự đầy đủ các cuộc họp về chuyển đổi số của tỉnh; lưu giấy mời và "
        "thông báo kết luận làm tài liệu kiểm chứng.",
        OFFICE,
        "",
    ),
    "1.5": (
        "Trình Giám đốc Sở ký ban hành văn bản chỉ đạo chuyên đề về chuyển đổi số năm; lưu bản "
        "ký số trên hệ thống quản lý văn bản làm tài liệu kiểm chứng.",
        OFFICE,
        EVERYONE,
    ),
    "2.1": (
        "Rà soát, đăng ký các nhiệm vụ của Sở trong Đề án chuyển đổi số của tỉnh; gửi Sở Thông "
        "tin và Truyền thông tổng hợp đúng thời hạn.",
        FINANCE,
        OFFICE,
    ),
    "2.3": (
        "Ban hành văn bản đôn đốc các phòng, đơn vị thuộc Sở triển khai nhiệm vụ chuyển đổi số "
        "và cải thiện các chỉ số thành phần bị trừ điểm.",
        OFFICE,
        EVERYONE,
    ),
    "2.6": (
        "Bố trí dự toán chi ngân sách cho chuyển đổi số trong dự toán năm; lưu quyết định giao "
        "dự toán làm tài liệu kiểm chứng.",
        FINANCE,
        OFFICE,
    ),
    "4.1": (
        "Cử công chức kiêm nhiệm công nghệ thông tin tham gia lớp bồi dưỡng và thi lấy chứng chỉ "
        "Ứng dụng công nghệ thông tin cơ bản; nộp bản sao chứng chỉ.",
        OFFICE,
        EVERYONE,
    ),
    "4.3": (
        "Tổ chức tập huấn kiến thức cơ bản về chuyển đổi số cho toàn thể công chức, viên chức "
        "của Sở; lập danh sách tham dự.",
        OFFICE,
        EVERYONE,
    ),
    "5.1": (
        "Hoàn thiện, trình phê duyệt hồ sơ đề xuất cấp độ cho các hệ thống thông tin của Sở còn "
        "lại.",
        OFFICE,
        "Sở Thông tin và Truyền thông",
    ),
    "5.4": (
        "Cài đặt phần mềm phòng, chống mã độc tập trung của tỉnh cho toàn bộ máy tính của công "
        "chức, viên chức; báo cáo số máy đã cài đặt.",
        OFFICE,
        EVERYONE,
    ),
    "6.2": (
        "Mở kênh Zalo OA của Sở để cung cấp thông tin và hướng dẫn dịch vụ công trực tuyến cho "
        "người dân.",
        OFFICE,
        INSPECTORATE,
    ),
    "6.6": (
        "Hướng dẫn, hỗ trợ người dân nộp hồ sơ trực tuyến tại Bộ phận Một cửa; đặt chỉ tiêu tỷ lệ "
        "hồ sơ xử lý trực tuyến cho từng lĩnh vực.",
        OFFICE,
        EVERYONE,
    ),
    "6.14": (
        "Rà soát, công bố đúng hạn các thủ tục hành chính mới, sửa đổi trên Hệ thống thông tin "
        "giải quyết thủ tục hành chính của tỉnh.",
        OFFICE,
        EVERYONE,
    ),
    "6.16": (
        "Trả lời đúng hạn, đầy đủ các phản ánh, kiến nghị trên chuyên mục của Cổng thông tin điện "
        "tử tỉnh; theo dõi mức độ hài lòng hằng tháng.",
        INSPECTORATE,
        OFFICE,
    ),
}
GENERAL = (
    "Rà soát nguyên nhân bị trừ điểm, bổ sung đầy đủ tài liệu kiểm chứng và triển khai các nội "
    "dung còn thiếu của chỉ số thành phần {number}.",
    OFFICE,
    EVERYONE,
)

#: (timing, status, progress) for the actions in order: over the year of the plan.
PROGRESS = [
    (
        "Quý I/{year}",
        PlanAction.Status.DONE,
        "Đã hoàn thành; tài liệu kiểm chứng lưu tại Văn phòng.",
    ),
    (
        "Quý II/{year}",
        PlanAction.Status.IN_PROGRESS,
        "Đã xây dựng dự thảo, đang lấy ý kiến các phòng.",
    ),
    (
        "Tháng 6/{year}",
        PlanAction.Status.DELAYED,
        "Chậm do chờ hướng dẫn của Sở Thông tin và Truyền thông.",
    ),
    ("Quý III/{year}", PlanAction.Status.NOT_STARTED, ""),
    ("Năm {year}", PlanAction.Status.IN_PROGRESS, "Đã thực hiện 6 tháng đầu năm."),
]
PILLAR_TASK = (
    "Quán triệt kết quả Chỉ số chuyển đổi số năm {period} đến toàn thể công chức, viên chức; "
    "giao chỉ tiêu cải thiện cho từng phòng, đơn vị.",
    OFFICE,
    EVERYONE,
)


@transaction.atomic
def load_demo_plan(actor: Actor) -> Plan | None:
    """Sở Tư pháp's plan for the latest published period in which it has a result, with a few
    actions (the five criteria on which it lost most, and one for its weakest pillar); the plan
    as it stands when it exists already; None when the demo has no such unit or period."""
    unit = Unit.objects.filter(name=UNIT).first()
    if unit is None:
        return None
    period = (
        Period.objects.filter(status=Period.Status.PUBLISHED, results__unit=unit)
        .order_by("-year")
        .first()
    )
    if period is None:
        return None
    existing = Plan.objects.filter(unit=unit, period=period).first()
    if existing is not None:
        return existing
    plan = actions.draft_plan(actor, unit, period)
    actions.update_plan(actor, plan, issued_on=datetime.date(plan.year, 1, 15))
    material = load_material(unit, period)
    assert material is not None  # noqa: S101 - the plan was just drafted from this result
    year = plan.year
    weakest = min(material.pillars, key=lambda p: p.line.score / p.line.max if p.line.max else 1)
    task, lead, coordinating = PILLAR_TASK
    actions.add_action(
        actor,
        plan,
        code=weakest.code,
        task=task.format(period=period.year),
        lead=lead,
        coordinating=coordinating,
        timing="Thường xuyên",
        status=PlanAction.Status.IN_PROGRESS,
        progress="Đã phổ biến tại hội nghị cán bộ, công chức đầu năm.",
    )
    lost = material.analysis.lost[: len(PROGRESS)]
    for line, (timing, status, progress) in zip(lost, PROGRESS, strict=False):
        number = line.printed or line.code
        task, lead, coordinating = TASKS.get(line.code, GENERAL)
        actions.add_action(
            actor,
            plan,
            code=line.code,
            task=task.format(number=number),
            lead=lead,
            coordinating=coordinating,
            timing=timing.format(year=year),
            status=status,
            progress=progress,
        )
    return plan
