"""Frameworks as Excel workbooks: export, import, and every way an import can go wrong."""

from __future__ import annotations

import datetime
import io
import zipfile
from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from dti.frameworks.fileformat import (
    build,
    builtin_codes,
    builtin_path,
    load_file,
    to_document,
)
from dti.frameworks.spreadsheet import (
    MAX_ROWS,
    SHEET_CRITERIA,
    SHEET_INFO,
    read_workbook,
    write_workbook,
)
from dti.scoring.model import Criterion, Framework, Rule
from dti.scoring.problems import Problem

HEADER = (
    "STT",
    "Chỉ số / chỉ số thành phần",
    "Điểm tối đa",
    "Cấp",
    "Cách tính",
    "Tham số",
    "Điểm công bố",
    "Không áp dụng",
)


INFO = (("code", "thu-nghiem"), ("name", "Bộ chỉ số thử nghiệm"), ("level", "department"))


@pytest.fixture(autouse=True)
def fast_settings() -> None:
    """No Django here: replaces conftest's fixture of that name so ``-p no:django`` works."""


def _workbook(
    path: Path,
    rows: Sequence[Sequence[Any]],
    *,
    header: Sequence[str] = HEADER,
    info: Sequence[tuple[str, Any]] | None = INFO,
    sheet: str = SHEET_CRITERIA,
) -> Path:
    """A workbook as an officer would type it: the criteria sheet and, usually, the info sheet."""
    workbook = openpyxl.Workbook()
    criteria = workbook.active
    criteria.title = sheet
    criteria.append(list(header))
    for row in rows:
        criteria.append(list(row))
    if info is not None:
        sheet_info = workbook.create_sheet(SHEET_INFO)
        sheet_info.append(["Trường", "Giá trị"])
        for key, value in info:
            sheet_info.append([key, value])
    workbook.save(path)
    return path


def _only_problem(path: Path) -> Problem:
    document, problems = read_workbook(path)
    assert document is None
    assert len(problems) == 1, [p.message() for p in problems]
    assert problems[0].level == "error"
    return problems[0]


def _key(problems: Sequence[Problem]) -> list[tuple[Any, ...]]:
    return [(p.level, p.template, dict(p.params), p.code) for p in problems]


# ---------------------------------------------------------------- round trip


@pytest.mark.parametrize("code", builtin_codes())
def test_builtin_frameworks_round_trip(code: str, tmp_path: Path) -> None:
    path = builtin_path(code)
    assert path is not None
    original = load_file(path)
    assert original.framework is not None
    target = tmp_path / f"{code}.xlsx"
    write_workbook(original.framework, target)

    document, problems = read_workbook(target)
    assert problems == []
    again = build(document)
    assert again.framework is not None
    assert to_document(again.framework) == to_document(original.framework)
    # The validator says the same things, now about cells instead of lines.
    assert _key(again.problems) == _key(original.problems)
    for problem in again.problems:
        assert problem.line is None
        assert problem.cell

    # load_file reads the workbook too.
    loaded = load_file(target)
    assert loaded.ok
    assert loaded.framework is not None
    assert to_document(loaded.framework) == to_document(original.framework)


def test_warnings_point_at_the_cells(tmp_path: Path) -> None:
    path = builtin_path("binhphuoc-website")
    assert path is not None
    original = load_file(path)
    assert original.framework is not None
    target = tmp_path / "website.xlsx"
    write_workbook(original.framework, target)
    result = load_file(target)
    printed = next(p for p in result.warnings if p.code == "5" and "printed with" in p.template)
    sheet = openpyxl.load_workbook(target)[SHEET_CRITERIA]
    assert printed.cell is not None and printed.cell.startswith("C")
    assert sheet[printed.cell].value == 11  # the max cell of criterion 5
    total = next(p for p in result.warnings if "stated total" in p.template)
    assert total.cell == f"'{SHEET_INFO}'!B10"


def test_round_trip_through_a_stream() -> None:
    path = builtin_path("bacninh-so")
    assert path is not None
    original = load_file(path).framework
    assert original is not None
    buffer = io.BytesIO()
    write_workbook(original, buffer)
    buffer.seek(0)
    document, problems = read_workbook(buffer)
    assert problems == []
    again = build(document).framework
    assert again is not None
    assert to_document(again) == to_document(original)


def test_export_layout(tmp_path: Path) -> None:
    framework = Framework(
        code="mau",
        name="Mẫu",
        criteria=[
            Criterion(
                code="6",
                printed="6",
                title="Trụ cột",
                children=[
                    Criterion(
                        code="6.10",
                        printed="6.10",
                        title="=không phải công thức",
                        max=Decimal("2.5"),
                        rule=Rule("ratio", {"full_from": Decimal(80)}),
                        na_allowed=True,
                    ),
                    Criterion(
                        code="6.a",
                        printed="a",
                        title="Một phần ba",
                        max=Decimal("0.3333333333333333333"),
                        rule=Rule("yesno"),
                    ),
                ],
            )
        ],
    )
    target = tmp_path / "mau.xlsx"
    write_workbook(framework, target)
    workbook = openpyxl.load_workbook(target)
    assert SHEET_INFO in workbook.sheetnames
    assert "Xếp loại" not in workbook.sheetnames  # no classification bands
    sheet = workbook[SHEET_CRITERIA]
    assert [cell.value for cell in sheet[1]][:6] == list(HEADER[:6])
    assert sheet["A1"].font.bold
    assert sheet.freeze_panes == "A2"
    assert sheet["A2"].font.bold  # a pillar row
    assert not sheet["A3"].font.bold
    assert sheet["A3"].value == "6.10"
    assert sheet["A3"].number_format == "@"
    assert sheet["B3"].value == "=không phải công thức"
    assert sheet["B3"].data_type == "s"
    assert sheet["B3"].alignment.wrap_text
    assert sheet["C3"].value == 2.5
    assert sheet["D3"].value == 2
    assert sheet["E3"].value == "ratio"
    assert sheet["F3"].value == "{full_from: 80}"
    assert sheet["H3"].value == "x"
    assert sheet["A4"].value == "a"

    document, problems = read_workbook(target)
    assert problems == []
    again = build(document).framework
    assert again is not None
    assert to_document(again) == to_document(framework)
    assert again.by_code["6.a"].max == Decimal("0.3333333333333333333")  # kept as text, exact


# ---------------------------------------------------------------- an officer's workbook


def test_officer_workbook_imports_to_the_expected_tree(tmp_path: Path) -> None:
    rows = [
        # STT, title, max, Cấp (blank), rule in Vietnamese, params, announced, N/A
        (1, "Nhận thức số", 30),
        ("1.1", "Lãnh đạo đơn vị là Trưởng Ban chỉ đạo CĐS", 20, None, "Có/Không"),
        (1.2, "Tỷ lệ cán bộ được tập huấn", 10, None, "Tỷ lệ", "{full_from: 80}", None, "x"),
        ("2", "Thể chế số", 25),
        (
            "a",
            "Kế hoạch ứng dụng CNTT",
            10,
            None,
            "Lựa chọn",
            "{options: [{key: co, label: Đúng hạn, points: 10},"
            " {key: khong, label: Không, points: 0}]}",
        ),
        ("b", "Văn bản đôn đốc", 5, None, "chấm trực tiếp"),
        ("2.1", "Ngân sách cho CĐS", 10),
        (None, "Có bố trí ngân sách", 6, None, "Có / Không"),
        (
            None,
            "Giải ngân đúng kế hoạch",
            4,
            None,
            "Ngưỡng",
            "{bands: [{min: 90, points: 4}, {min: 50, points: 2}]}",
        ),
        (None, "Tổng cộng", 55),
    ]
    target = _workbook(tmp_path / "can-bo.xlsx", rows)
    document, problems = read_workbook(target)
    assert problems == []
    result = build(document)
    assert result.ok, [p.message() for p in result.errors]
    framework = result.framework
    assert framework is not None
    assert [node.code for node in framework.walk()] == [
        "1",
        "1.1",
        "1.2",
        "2",
        "2.a",
        "2.b",
        "2.1",
        "2.1.1",
        "2.1.2",
    ]
    by_code = framework.by_code
    assert by_code["1"].printed == "1"  # an int STT reads as "1", not "1.0"
    assert by_code["1.2"].printed == "1.2"  # a float STT as Excel shows it
    assert by_code["1.1"].rule == Rule("yesno")
    assert by_code["1.2"].rule == Rule("ratio", {"full_from": Decimal(80)})
    assert by_code["1.2"].na_allowed
    assert by_code["2.a"].printed == "a"
    assert by_code["2.a"].rule is not None and by_code["2.a"].rule.type == "choice"
    assert by_code["2.b"].rule == Rule("manual")
    unnumbered = by_code["2.1.1"]
    assert unnumbered.printed == ""
    assert unnumbered.title == "Có bố trí ngân sách"
    assert unnumbered.rule == Rule("yesno")
    assert by_code["2.1.2"].rule is not None and by_code["2.1.2"].rule.type == "bands"
    assert framework.total == Decimal(55)  # from the “Tổng cộng” row
    assert framework.max == Decimal(55)
    assert result.warnings == []
    # Each row remembers its cells.
    row_b = document["criteria"][1]["children"][1]
    assert row_b["code"] == "b"
    assert row_b.cell == "A7"
    assert row_b.key_places["max"] == (None, "C7")


def test_level_column_makes_the_tree_explicit(tmp_path: Path) -> None:
    rows = [
        ("I", "Chính quyền số", None, 1),
        ("1", "Nhận thức", None, 2),
        ("a", "Chuyên mục CĐS", 5, 3, "yesno"),
        ("", "Tài liệu tuyên truyền", 5, 3, "yesno"),
        ("II", "Kinh tế số", None, 1),
        ("1", "Doanh nghiệp số", 4, 2, "manual"),
    ]
    document, problems = read_workbook(_workbook(tmp_path / "cap.xlsx", rows))
    assert problems == []
    framework = build(document).framework
    assert framework is not None
    assert [node.code for node in framework.walk()] == [
        "I",
        "I.1",
        "I.1.a",
        "I.1.2",
        "II",
        "II.1",
    ]


def test_headers_found_below_a_title_and_with_other_spellings(tmp_path: Path) -> None:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "bộ chỉ số"
    sheet.append(["BỘ CHỈ SỐ DTI CẤP SỞ"])
    sheet.append([])
    sheet.append(["TT", "Chỉ số/Chỉ số thành phần", "Điểm\ntối đa"])
    sheet.append(["1", "Nhận thức số", 10])
    sheet.append(["1.1", "Có chuyên mục", 10])
    info = workbook.create_sheet(SHEET_INFO)
    info.append(["Trường", "Giá trị"])
    info.append(["Mã", "so"])
    info.append(["Tên", "Cấp sở"])
    info.append(["year", "2024"])
    info.append(["legal_basis.date", datetime.datetime(2023, 10, 6)])
    info.append(["legal_basis.number", "1187/QĐ-UBND"])
    target = tmp_path / "so.xlsx"
    workbook.save(target)
    document, problems = read_workbook(target)
    assert problems == []
    result = build(document)
    assert result.framework is not None
    assert result.framework.year == 2024
    assert result.framework.legal_basis == {"number": "1187/QĐ-UBND", "date": "2023-10-06"}
    assert result.framework.by_code["1.1"].rule == Rule("manual")  # no rule: scored manually
    assert result.notes  # … which the validator notes


# ---------------------------------------------------------------- malformed workbooks


def test_a_text_file_renamed_xlsx(tmp_path: Path) -> None:
    target = tmp_path / "bo-chi-so.xlsx"
    target.write_text("STT;Chỉ số;Điểm\n1;Nhận thức số;100\n", encoding="utf-8")
    problem = _only_problem(target)
    assert "not an Excel workbook" in problem.message()
    assert problem.cell is None
    result = load_file(target)
    assert not result.ok
    assert result.framework is None


def test_a_zip_that_is_not_a_workbook(tmp_path: Path) -> None:
    target = tmp_path / "nen.xlsx"
    with zipfile.ZipFile(target, "w") as archive:
        archive.writestr("readme.txt", "không phải bảng tính")
    assert "not an Excel workbook" in _only_problem(target).message()


def test_a_damaged_workbook(tmp_path: Path) -> None:
    target = tmp_path / "hong.xlsx"
    with zipfile.ZipFile(target, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types")
        archive.writestr("xl/workbook.xml", "<not xml")
    assert "not a readable Excel workbook" in _only_problem(target).message()


def test_a_truncated_workbook(tmp_path: Path) -> None:
    whole = _workbook(tmp_path / "du.xlsx", [("1", "Nhận thức số", 10, None, "yesno")])
    target = tmp_path / "cut.xlsx"
    target.write_bytes(whole.read_bytes()[:1000])
    _only_problem(target)


def test_an_old_xls_or_an_empty_or_a_missing_file(tmp_path: Path) -> None:
    old = tmp_path / "cu.xlsx"
    old.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 512)
    assert ".xls" in _only_problem(old).message()
    empty = tmp_path / "rong.xlsx"
    empty.write_bytes(b"")
    assert "empty" in _only_problem(empty).message()
    assert "cannot read the file" in _only_problem(tmp_path / "khong-co.xlsx").message()


def test_a_workbook_without_the_criteria_sheet(tmp_path: Path) -> None:
    target = _workbook(tmp_path / "sai-ten.xlsx", [("1", "Nhận thức số", 10)], sheet="Sheet1")
    problem = _only_problem(target)
    assert problem.params["sheet"] == SHEET_CRITERIA
    assert "“Sheet1”" in problem.params["sheets"]
    # An empty workbook, as openpyxl or Excel makes it, is refused the same way.
    blank = tmp_path / "trang.xlsx"
    openpyxl.Workbook().save(blank)
    assert _only_problem(blank).params["sheet"] == SHEET_CRITERIA


def test_a_sheet_without_a_header_row(tmp_path: Path) -> None:
    target = _workbook(
        tmp_path / "khong-tieu-de.xlsx", [("1", "Nhận thức số", 10)], header=("Số", "Tên")
    )
    problem = _only_problem(target)
    assert "no header row" in problem.message()
    assert problem.cell == "A1"


def test_a_non_number_maximum(tmp_path: Path) -> None:
    rows = [
        ("1", "Nhận thức số", 30),
        ("1.1", "Trưởng Ban chỉ đạo", 20, None, "yesno"),
        ("1.2", "Chủ trì họp", 5, None, "yesno"),
        ("1.3", "Chuyên mục CĐS", "năm điểm", None, "yesno"),
    ]
    problem = _only_problem(_workbook(tmp_path / "diem.xlsx", rows))
    assert problem.cell == "C5"
    assert problem.code == "1.3"
    assert problem.message() == "“Điểm tối đa” must be a number, not “năm điểm”"


def test_a_decimal_comma_is_a_number(tmp_path: Path) -> None:
    rows = [("1", "Nhận thức số"), ("1.1", "Chuyên mục CĐS", "5,5", None, "yesno")]
    document, problems = read_workbook(_workbook(tmp_path / "phay.xlsx", rows))
    assert problems == []
    assert document["criteria"][0]["children"][0]["max"] == Decimal("5.5")


def test_bad_yaml_in_the_parameters(tmp_path: Path) -> None:
    rows = [
        ("1", "Nhận thức số", 10),
        ("1.1", "Tỷ lệ tập huấn", 10, None, "ratio", "{full_from: 80"),
    ]
    problem = _only_problem(_workbook(tmp_path / "yaml.xlsx", rows))
    assert problem.cell == "F3"
    assert problem.code == "1.1"
    assert "not valid YAML" in problem.message()


def test_parameters_that_are_not_a_mapping(tmp_path: Path) -> None:
    rows = [("1", "Nhận thức số", 10), ("1.1", "Tỷ lệ", 10, None, "ratio", "[80]")]
    problem = _only_problem(_workbook(tmp_path / "list.xlsx", rows))
    assert problem.cell == "F3"
    assert "must be a mapping" in problem.message()


def test_parameters_nested_too_deeply(tmp_path: Path) -> None:
    rows = [("1", "Nhận thức số", 10), ("1.1", "Tỷ lệ", 10, None, "ratio", "[" * 1500)]
    assert _only_problem(_workbook(tmp_path / "deep.xlsx", rows)).cell == "F3"


def test_rows_whose_level_cannot_be_worked_out(tmp_path: Path) -> None:
    letter_first = _workbook(tmp_path / "chu.xlsx", [("a", "Không có chỉ số cha", 10)])
    problem = _only_problem(letter_first)
    assert problem.cell == "A2"
    assert "fill in “Cấp”" in problem.message()

    jump = _workbook(
        tmp_path / "nhay.xlsx", [("1", "Nhận thức số"), ("1.1.1", "Quá sâu", 5, None, "yesno")]
    )
    problem = _only_problem(jump)
    assert problem.cell == "D3"
    assert problem.params == {"level": 3, "previous": 1}

    bad_level = _workbook(tmp_path / "cap.xlsx", [("1", "Nhận thức số", 10, "một")])
    assert _only_problem(bad_level).cell == "D2"


def test_an_stt_excel_turned_into_a_date(tmp_path: Path) -> None:
    rows = [("1", "Nhận thức số"), (datetime.datetime(2024, 10, 6), "Chỉ số", 5, None, "yesno")]
    problem = _only_problem(_workbook(tmp_path / "ngay.xlsx", rows))
    assert problem.cell == "A3"
    assert "date" in problem.message()


def test_huge_numbers_do_not_break_the_reader(tmp_path: Path) -> None:
    rows = [("1", "Nhận thức số"), (1e30, "Chỉ số", 5, "1e999999999", "yesno")]
    problem = _only_problem(_workbook(tmp_path / "lon.xlsx", rows))
    assert problem.cell == "D3"
    framework = Framework(
        code="lon",
        name="Lớn",
        criteria=[Criterion("1", "1", "Chỉ số", max=Decimal("1E+40"), rule=Rule("manual"))],
    )
    target = tmp_path / "lon-2.xlsx"
    write_workbook(framework, target)
    document, problems = read_workbook(target)
    assert problems == []
    assert document["criteria"][0]["max"] == Decimal("1E+40")


def test_an_unknown_not_applicable_mark(tmp_path: Path) -> None:
    rows = [("1", "Nhận thức số"), ("1.1", "Chỉ số", 5, None, "yesno", None, None, "có thể")]
    assert _only_problem(_workbook(tmp_path / "na.xlsx", rows)).cell == "H3"


def test_too_many_rows_are_refused(tmp_path: Path) -> None:
    rows = [("1", "Trụ cột")] + [
        (f"1.{n}", "Chỉ số", 1, None, "yesno") for n in range(1, MAX_ROWS + 1)
    ]
    problem = _only_problem(_workbook(tmp_path / "lon.xlsx", rows))
    assert problem.params["limit"] == MAX_ROWS


# ---------------------------------------------------------------- what build finds, at a cell


def test_a_duplicate_code_is_reported_at_its_row(tmp_path: Path) -> None:
    rows = [
        ("1", "Nhận thức số", 20),
        ("1.1", "Trưởng Ban chỉ đạo", 10, None, "yesno"),
        ("1.1", "Chủ trì họp", 10, None, "yesno"),
    ]
    document, problems = read_workbook(_workbook(tmp_path / "trung.xlsx", rows))
    assert problems == []
    result = build(document)
    assert result.framework is None
    duplicate = next(p for p in result.errors if "used twice" in p.template)
    assert duplicate.code == "1.1"
    assert duplicate.cell == "A4"


def test_an_unknown_rule_is_reported_at_its_cell(tmp_path: Path) -> None:
    rows = [
        ("1", "Nhận thức số", 20),
        ("1.1", "Trưởng Ban chỉ đạo", 10, None, "Tự chọn"),
        ("1.2", "Tỷ lệ", 10, None, "count", "{target: 0}"),
    ]
    document, problems = read_workbook(_workbook(tmp_path / "luat.xlsx", rows))
    assert problems == []
    errors = build(document).errors
    unknown = next(p for p in errors if p.code == "1.1")
    assert unknown.cell == "E3"
    assert unknown.params["rule"] == "Tự chọn"
    target = next(p for p in errors if p.code == "1.2")
    assert target.cell == "F4"


def test_a_missing_info_sheet(tmp_path: Path) -> None:
    target = _workbook(
        tmp_path / "thieu.xlsx", [("1", "Nhận thức số", 10, None, "yesno")], info=None
    )
    assert _only_problem(target).params["sheet"] == SHEET_INFO
