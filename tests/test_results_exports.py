"""The results as files: the workbook (numbers as numbers, formats, layout, opened by LibreOffice),
open data (CSV, JSON against its schema), formula injection, and who may download what when.

Hand-computed results (as in test_results.py): unit A (Sở Tư pháp) 1.1 yes (20), 1.2 no (0),
1.3 self-assessed 4/4 (10) corrected by the council to 1/4 (2,5): 22,5, self-assessed 30.
Unit B (Sở Y tế) 1.1 and 2.1 yes: 40. One group of two on the department framework.
"""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
import subprocess
import sys
import time
import types
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.urls import reverse
from helpers import AppraisalCase, results_case
from openpyxl import load_workbook

from dti.periods import actions as period_actions
from dti.results import exports
from dti.results.models import UnitResult
from dti.results.views_export import content_disposition
from dti.units.models import Unit

pytestmark = pytest.mark.django_db

D = Decimal
DOCS = Path(__file__).resolve().parent.parent / "docs"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
A, B = "Sở Tư pháp", "Sở Y tế"


@pytest.fixture
def case(personas: Any, builtin_frameworks: dict[str, Any]) -> AppraisalCase:
    """Both units appraised and finalised, bands set, the period approved: results computed."""
    case = results_case(personas, builtin_frameworks, approve=True)
    return case


def publish(case: AppraisalCase) -> None:
    case.period = period_actions.move_period(case.admin, case.period, "published")


def results(case: AppraisalCase) -> dict[str, UnitResult]:
    return {r.unit.name: r for r in UnitResult.objects.filter(period=case.period)}


def workbook(case: AppraisalCase, **kwargs: Any) -> Any:
    return load_workbook(io.BytesIO(exports.results_workbook(case.period, **kwargs)))


def rows_by_name(sheet: Any, column: int = 2) -> dict[str, tuple[Any, ...]]:
    """The sheet's cells by row, keyed by the text in ``column`` (1-based)."""
    found = {}
    for row in sheet.iter_rows():
        key = row[column - 1].value
        if isinstance(key, str):
            found.setdefault(key, tuple(row))
    return found


def is_number(cell: Any) -> bool:
    return cell.data_type == "n" and isinstance(cell.value, (int, float))


# ------------------------------------------------------------------ the workbook


def test_the_workbook_has_a_ranking_a_matrix_and_a_sheet_per_unit(case: AppraisalCase) -> None:
    book = workbook(case)
    assert book.sheetnames == ["Xếp hạng nhóm 1", "Ma trận nhóm 1", "Sở Y tế", "Sở Tư pháp"]
    ranking = book["Xếp hạng nhóm 1"]
    assert ranking["A1"].value.endswith("NĂM 2024")
    assert ranking["A2"].value == "Nhóm 1"
    assert "chưa công bố" in ranking["A3"].value  # approved, not published: a draft
    header = [c.value for c in ranking[exports.RANKING_HEADER_ROW]]
    assert header[:3] == ["Xếp hạng", "Đơn vị", "1. Nhận thức số\n(tối đa 100)"]
    assert header[-3:] == ["Tổng điểm\n(tối đa 1000)", "Chỉ số DTI", "Xếp loại"]
    assert len(header) == 2 + 6 + 3  # six pillars
    assert ranking.freeze_panes == "C6"
    assert ranking.print_title_rows == "$5:$5"
    assert ranking.page_setup.orientation == "landscape"
    assert ranking.column_dimensions["B"].width == 40


def test_ranking_cells_are_numbers_with_the_results_values(case: AppraisalCase) -> None:
    stored = results(case)
    ranking = workbook(case)["Xếp hạng nhóm 1"]
    first, second = ranking[6], ranking[7]
    assert [first[0].value, first[1].value, second[0].value, second[1].value] == [1, B, 2, A]
    total, dti, band = second[8], second[9], second[10]
    assert is_number(total) and D(str(total.value)) == stored[A].total == D("22.5")
    assert total.number_format == "0.00"
    assert is_number(dti) and D(str(dti.value)) == stored[A].dti == D("0.0225")
    assert dti.number_format == "0.0000"
    assert band.value == "Khá" and first[10].value == "Xuất sắc"
    pillars = [c for c in second[2:8]]
    assert all(is_number(c) and c.number_format == "0.00" for c in pillars)
    assert [D(str(c.value)) for c in pillars] == [D("22.5"), 0, 0, 0, 0, 0]
    assert D(str(first[3].value)) == D(20)  # unit B's pillar 2


def test_a_unit_sheet_has_every_criterion_with_self_and_appraised_scores(
    case: AppraisalCase,
) -> None:
    from dti.frameworks.store import to_scoring

    sheet = workbook(case)[A]
    assert sheet["A1"].value == A
    header = [c.value for c in sheet[exports.UNIT_HEADER_ROW]]
    assert header == [
        "Mã",
        "Tiêu chí",
        "Điểm tối đa",
        "Điểm tự đánh giá",
        "Điểm thẩm định",
        "Chênh lệch",
        "Xếp hạng",
    ]
    framework = to_scoring(case.framework)
    codes = [
        sheet.cell(row=row, column=1).value
        for row in range(exports.UNIT_HEADER_ROW + 1, sheet.max_row + 1)
    ]
    assert codes[: len(list(framework.walk()))] == [node.code for node in framework.walk()]
    by_code = rows_by_name(sheet, column=1)
    code, title, maximum, own, appraised, difference, rank = by_code["1.3"]
    assert title.value.startswith("Lãnh đạo đơn vị tham gia")
    assert [D(str(c.value)) for c in (maximum, own, appraised, difference)] == [
        D(10),
        D(10),
        D("2.5"),
        D("-7.5"),
    ]
    assert all(is_number(c) for c in (maximum, own, appraised, difference))
    assert difference.number_format.startswith("+0.00;")
    assert code.data_type == "s" and not code.font.b and rank.value is None
    pillar = by_code["1"]
    assert all(c.font.b for c in pillar[:6])  # pillar subtotals in bold
    assert [D(str(c.value)) for c in pillar[2:6]] == [D(100), D(30), D("22.5"), D("-7.5")]
    assert pillar[6].value == "1/2"  # unit A leads pillar 1
    total = rows_by_name(sheet)["Tổng cộng"]
    assert [D(str(c.value)) for c in total[2:6]] == [D(1000), D(30), D("22.5"), D("-7.5")]
    summary = rows_by_name(sheet)
    assert D(str(summary["Chỉ số DTI"][2].value)) == D("0.0225")
    assert summary["Chỉ số DTI"][2].number_format == "0.0000"
    assert summary["Xếp hạng trong nhóm"][2].value == "2/2"
    assert sheet.freeze_panes == f"A{exports.UNIT_HEADER_ROW + 1}"


def test_the_matrix_has_a_column_per_scored_leaf(case: AppraisalCase) -> None:
    from dti.frameworks.store import to_scoring

    sheet = workbook(case)["Ma trận nhóm 1"]
    leaves = [leaf.code for leaf in to_scoring(case.framework).leaves]
    header = [c.value for c in sheet[exports.MATRIX_HEADER_ROW]]
    assert header == ["Xếp hạng", "Đơn vị", *leaves, "Tổng điểm"]
    assert sheet.cell(row=exports.MATRIX_HEADER_ROW, column=3).comment is not None
    rows = rows_by_name(sheet)
    maxima = rows["Điểm tối đa"]
    assert D(str(maxima[2].value)) == D(20) and D(str(maxima[-1].value)) == D(1000)
    unit_a = rows[A]
    scores = dict(zip(leaves, (c.value for c in unit_a[2:-1]), strict=True))
    assert (scores["1.1"], scores["1.2"], D(str(scores["1.3"]))) == (20, 0, D("2.5"))
    assert all(is_number(c) for c in unit_a[2:])
    assert unit_a[0].value == 2 and D(str(unit_a[-1].value)) == D("22.5")


def test_the_public_copy_leaves_the_self_assessment_out(case: AppraisalCase) -> None:
    sheet = workbook(case, self_assessment=False)[A]
    header = [c.value for c in sheet[exports.UNIT_HEADER_ROW]]
    assert header == ["Mã", "Tiêu chí", "Điểm tối đa", "Điểm thẩm định", "Xếp hạng"]
    assert "Tổng điểm tự đánh giá" not in rows_by_name(sheet)


def test_sheet_names_are_what_excel_accepts() -> None:
    taken: set[str] = set()
    assert exports.sheet_title("Sở Tư pháp", taken) == "Sở Tư pháp"
    assert exports.sheet_title("sở tư pháp", taken) == "sở tư pháp (2)"  # Excel ignores case
    assert exports.sheet_title("a[b]:c*d?e/f\\g", taken) == "a b c d e f g"
    long = "Ban Quản lý các khu công nghiệp tỉnh Bắc Ninh"
    first, second = exports.sheet_title(long, taken), exports.sheet_title(long, taken)
    assert len(first) <= 31 and len(second) <= 31 and second.endswith("(2)") and first != second
    assert exports.sheet_title("'quoted'", taken) == "quoted"
    assert exports.sheet_title("History", taken) == "History 1"
    assert exports.sheet_title("", taken) == "Trang"


def test_names_that_look_like_formulas_stay_text(case: AppraisalCase) -> None:
    Unit.objects.filter(name=A).update(name="=1+2")
    Unit.objects.filter(name=B).update(name="@SUM(A1)")
    book = workbook(case)
    assert "=1+2" in book.sheetnames and "@SUM(A1)" in book.sheetnames
    ranking = book["Xếp hạng nhóm 1"]
    names = {ranking.cell(row=row, column=2).value for row in (6, 7)}
    assert names == {"'=1+2", "'@SUM(A1)"}
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (sheet.title, cell.coordinate, cell.value)
    assert book["=1+2"]["A1"].value == "'=1+2"
    rows = list(csv.DictReader(io.StringIO(exports.results_csv(case.period).decode("utf-8-sig"))))
    assert {r["unit_name"] for r in rows} == {"'=1+2", "'@SUM(A1)"}
    # JSON is not a spreadsheet: names stay as entered
    assert {u["name"] for u in exports.results_json(case.period)["units"]} == {"=1+2", "@SUM(A1)"}


def _libreoffice_profile(folder: Path) -> str:
    """A private LibreOffice profile whose locale is Vietnamese, as an officer's would be."""
    user = folder / "user"
    user.mkdir(parents=True)
    (user / "registrymodifications.xcu").write_text(
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<oor:items xmlns:oor="http://openoffice.org/2001/registry" '
        'xmlns:xs="http://www.w3.org/2001/XMLSchema" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">\n'
        '<item oor:path="/org.openoffice.Setup/L10N">'
        '<prop oor:name="ooSetupSystemLocale" oor:op="fuse"><value>vi-VN</value></prop></item>\n'
        "</oor:items>\n",
        encoding="utf-8",
    )
    return folder.as_uri()


def _vi(value: Decimal, places: int = 2) -> str:
    return f"{value:.{places}f}".replace(".", ",")


def test_the_workbook_opens_in_libreoffice_with_the_results_numbers(
    case: AppraisalCase, tmp_path: Path
) -> None:
    """LibreOffice (headless, Vietnamese locale) reads every sheet and shows the numbers the
    results hold, with a decimal comma; a name that looks like a formula is not computed."""
    Unit.objects.filter(name=B).update(name="=1+2")
    stored = {r.unit.name: r for r in UnitResult.objects.filter(period=case.period)}
    data = exports.results_workbook(case.period)
    source = tmp_path / "ket-qua.xlsx"
    source.write_bytes(data)
    out = tmp_path / "csv"
    soffice = shutil.which("soffice") or "/usr/bin/soffice"
    # Text CSV filter: “;” separated, “"” quoted, UTF-8, cells as shown (formatted), every sheet
    # to its own file (token 12 = -1): <name>-<sheet>.csv.
    options = "59,34,76,1,,0,false,true,true,false,false,-1"
    started = time.perf_counter()
    done = subprocess.run(
        [
            soffice,
            f"-env:UserInstallation={_libreoffice_profile(tmp_path / 'profile')}",
            "--headless",
            "--norestore",
            "--convert-to",
            f"csv:Text - txt - csv (StarCalc):{options}",
            "--outdir",
            str(out),
            str(source),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    seconds = time.perf_counter() - started
    print(f"LibreOffice converted the workbook in {seconds:.1f} s")
    assert done.returncode == 0, done.stderr

    def sheet(name: str) -> list[list[str]]:
        path = out / f"ket-qua-{name}.csv"
        return list(csv.reader(io.StringIO(path.read_text(encoding="utf-8")), delimiter=";"))

    sheet_names = load_workbook(io.BytesIO(data)).sheetnames
    assert sorted(p.name for p in out.iterdir()) == sorted(
        f"ket-qua-{name}.csv" for name in sheet_names
    )
    ranking = {row[1]: row for row in sheet("Xếp hạng nhóm 1") if len(row) > 10}
    for name, shown in (("'=1+2", stored["=1+2"]), (A, stored[A])):
        row = ranking[name]  # the apostrophe is text, not a formula computed to 3
        assert row[0] == str(shown.rank)
        assert row[8] == _vi(shown.total) and row[9] == _vi(shown.dti, 4)
        assert row[2:8] == [_vi(D(p["score"])) for p in shown.pillars]
        assert row[10] == shown.band
    assert ranking[A][8] == "22,50" and ranking[A][9] == "0,0225"
    matrix = {row[1]: row for row in sheet("Ma trận nhóm 1") if len(row) > 2}
    codes = next(row for row in sheet("Ma trận nhóm 1") if row[:2] == ["Xếp hạng", "Đơn vị"])
    for name, shown in (("'=1+2", stored["=1+2"]), (A, stored[A])):
        cells = dict(zip(codes, matrix[name], strict=True))
        for code in codes[2:-1]:
            assert cells[code] == _vi(D(shown.scores[code])), code
        assert cells["Tổng điểm"] == _vi(shown.total)
    unit = {row[0]: row for row in sheet(A) if row and row[0]}
    assert unit["1.3"][2:6] == ["10,00", "10,00", "2,50", "-7,50"]
    assert unit["1"][6] == "1/2"
    summary = {row[1]: row[2] for row in sheet(A) if len(row) > 2 and row[1]}
    assert summary["Tổng điểm thẩm định"] == "22,50" and summary["Chỉ số DTI"] == "0,0225"
    assert summary["Xếp hạng trong nhóm"] == "2/2"


# ------------------------------------------------------------------ open data


def test_the_csv_has_a_row_per_unit_with_a_decimal_point(case: AppraisalCase) -> None:
    data = exports.results_csv(case.period)
    assert data.startswith(b"\xef\xbb\xbf")  # UTF-8 with a byte-order mark, for Excel
    assert b"\r\n" in data
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
    assert list(rows[0]) == [
        *exports.CSV_FIELDS,
        *(f"pillar_{n}" for n in range(1, 7)),
    ]
    assert [r["unit_name"] for r in rows] == [B, A]
    a = rows[1]
    assert a == {
        "period_year": "2024",
        "group_number": "1",
        "group_name": "Nhóm 1",
        "unit_code": "stp",
        "unit_name": A,
        "rank": "2",
        "group_size": "2",
        "total": "22.50",
        "maximum": "1000.00",
        "dti": "0.0225",
        "band": "Khá",
        "pillar_1": "22.50",
        "pillar_2": "0.00",
        "pillar_3": "0.00",
        "pillar_4": "0.00",
        "pillar_5": "0.00",
        "pillar_6": "0.00",
    }
    assert (rows[0]["rank"], rows[0]["total"], rows[0]["pillar_2"]) == ("1", "40.00", "20.00")


SUPPORTED = {
    "$schema",
    "$id",
    "$defs",
    "$ref",
    "title",
    "description",
    "type",
    "const",
    "enum",
    "properties",
    "required",
    "additionalProperties",
    "items",
    "anyOf",
    "pattern",
    "minLength",
    "minimum",
    "maximum",
}
JSON_TYPES: dict[str, Any] = {
    "object": dict,
    "array": list,
    "string": str,
    "boolean": bool,
    "null": type(None),
}


def _is(value: Any, kind: str) -> bool:
    if kind == "integer":
        return isinstance(value, int) and not isinstance(value, bool)
    if kind == "number":
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    return isinstance(value, JSON_TYPES[kind])


def validate(
    value: Any, schema: dict[str, Any], root: dict[str, Any], path: str = "$"
) -> list[str]:
    """The subset of JSON Schema 2020-12 that docs/open-data.schema.json uses; the errors."""
    errors: list[str] = []
    if "$ref" in schema:
        target: Any = root
        for part in schema["$ref"].removeprefix("#/").split("/"):
            target = target[part]
        errors += validate(value, target, root, path)
    if "const" in schema and value != schema["const"]:
        errors.append(f"{path}: {value!r} is not {schema['const']!r}")
    if "enum" in schema and value not in schema["enum"]:
        errors.append(f"{path}: {value!r} not in {schema['enum']}")
    if "type" in schema:
        kinds = schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
        if not any(_is(value, kind) for kind in kinds):
            return [*errors, f"{path}: {value!r} is not {kinds}"]
    if "anyOf" in schema and all(validate(value, s, root, path) for s in schema["anyOf"]):
        errors.append(f"{path}: {value!r} matches none of anyOf")
    if isinstance(value, str):
        if "pattern" in schema and not re.search(schema["pattern"], value):
            errors.append(f"{path}: {value!r} does not match {schema['pattern']}")
        if len(value) < schema.get("minLength", 0):
            errors.append(f"{path}: too short")
    if _is(value, "number"):
        if "minimum" in schema and value < schema["minimum"]:
            errors.append(f"{path}: {value} < {schema['minimum']}")
        if "maximum" in schema and value > schema["maximum"]:
            errors.append(f"{path}: {value} > {schema['maximum']}")
    if isinstance(value, dict):
        errors += [
            f"{path}: {key} missing" for key in schema.get("required", []) if key not in value
        ]
        properties = schema.get("properties", {})
        extra = schema.get("additionalProperties", True)
        for key, item in value.items():
            if key in properties:
                errors += validate(item, properties[key], root, f"{path}.{key}")
            elif extra is False:
                errors.append(f"{path}: unexpected {key}")
            elif isinstance(extra, dict):
                errors += validate(item, extra, root, f"{path}.{key}")
    if isinstance(value, list) and "items" in schema:
        for number, item in enumerate(value):
            errors += validate(item, schema["items"], root, f"{path}[{number}]")
    return errors


def _keywords(schema: Any) -> set[str]:
    if isinstance(schema, list):
        return set().union(*(_keywords(s) for s in schema)) if schema else set()
    if not isinstance(schema, dict):
        return set()
    found = set(schema)
    for key, value in schema.items():
        if key in ("properties", "$defs"):
            found |= set().union(*(_keywords(v) for v in value.values()))
        elif key in ("items", "additionalProperties", "anyOf"):
            found |= _keywords(value)
    return found


@pytest.fixture(scope="module")
def schema() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((DOCS / "open-data.schema.json").read_text("utf-8"))
    return loaded


def test_the_json_matches_its_schema_and_the_results(
    case: AppraisalCase, schema: dict[str, Any]
) -> None:
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert _keywords(schema) <= SUPPORTED  # the validator below knows every keyword used
    publish(case)
    document = json.loads(json.dumps(exports.results_json(case.period)))
    assert validate(document, schema, schema) == []
    assert document["schema"] == schema["$id"] == exports.SCHEMA_ID
    assert document["period"]["status"] == "published" and document["period"]["year"] == 2024
    assert document["period"]["bands"][0] == {"label": "Xuất sắc", "min_percent": "3"}
    (group,) = document["groups"]
    assert (group["number"], group["maximum"], group["units_ranked"]) == (1, "1000.00", 2)
    assert group["pillars"][0] == {"code": "1", "title": "Nhận thức số", "max": "100.00"}
    criteria = {c["code"]: c for c in group["criteria"]}
    assert criteria["1.3"]["parent"] == "1" and criteria["1.3"]["leaf"] is True
    assert criteria["1"]["parent"] is None and criteria["1"]["leaf"] is False
    b, a = document["units"]
    assert (a["name"], a["rank"], a["total"], a["dti"], a["band"]) == (
        A,
        2,
        "22.50",
        "0.0225",
        "Khá",
    )
    assert a["pillars"][0] == {"code": "1", "score": "22.50", "max": "100.00", "rank": 1}
    assert a["criteria"]["1.3"] == "2.50" and a["criteria"]["1"] == "22.50"
    assert set(a["criteria"]) == set(criteria)
    assert (b["rank"], b["total"], b["band"]) == (1, "40.00", "Xuất sắc")
    # the validator is not a rubber stamp
    broken = json.loads(json.dumps(document))
    broken["units"][0]["total"] = 40
    broken["units"][1]["criteria"]["1.3"] = "2,50"
    broken["groups"][0]["extra"] = True
    del broken["period"]["year"]
    assert len(validate(broken, schema, schema)) == 4


def _names(value: Any) -> set[str]:
    if isinstance(value, list):
        return set().union(*(_names(v) for v in value)) if value else set()
    if isinstance(value, dict):
        return set().union(
            *(
                {key} | (set() if key == "criteria" and isinstance(item, dict) else _names(item))
                for key, item in value.items()
            )
        )
    return set()


def test_every_field_is_documented(case: AppraisalCase) -> None:
    text = (DOCS / "open-data.md").read_text("utf-8")
    header = exports.results_csv(case.period).decode("utf-8-sig").splitlines()[0].split(",")
    fields = {f for f in header if not f.startswith("pillar_")} | {"pillar_<code>"}
    fields |= _names(exports.results_json(case.period))
    missing = sorted(f for f in fields if f"`{f}`" not in text)
    assert missing == []


def test_open_data_costs_the_same_queries_whatever_the_units(
    case: AppraisalCase, django_assert_num_queries: Any
) -> None:
    exports.results_workbook(case.period)  # the framework's scoring model, cached once
    with django_assert_num_queries(3):  # groups, results, bands
        exports.results_workbook(case.period)
    with django_assert_num_queries(2):
        exports.results_csv(case.period)
    with django_assert_num_queries(3):
        exports.results_json(case.period)


# ------------------------------------------------------------------ downloads


def _urls(case: AppraisalCase) -> dict[str, str]:
    kwargs = {"period_id": case.period.pk}
    return {
        name: reverse(name, kwargs=kwargs)
        for name in (
            "public:csv",
            "public:json",
            "public:workbook",
            "public:annex",
            "results:workbook",
            "results:annex",
        )
    }


def test_public_downloads_exist_only_once_published(case: AppraisalCase) -> None:
    urls = _urls(case)
    public = [url for name, url in urls.items() if name.startswith("public:")]
    anonymous, admin = case.client("anonymous"), case.client("admin")
    for url in public:  # approved, not yet published: nobody gets it, not even the admin
        assert anonymous.get(url).status_code == 404, url
        assert admin.get(url).status_code == 404, url
    publish(case)
    for name in ("public:csv", "public:json", "public:workbook"):
        response = anonymous.get(urls[name])
        assert response.status_code == 200, name
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["Content-Disposition"].startswith('attachment; filename="dti-2024-ket-qua.')
    csv_response = anonymous.get(urls["public:csv"])
    assert csv_response["Content-Type"] == "text/csv; charset=utf-8"
    assert csv_response.content == exports.results_csv(case.period)
    assert csv_response["Access-Control-Allow-Origin"] == "*"
    json_response = anonymous.get(urls["public:json"])
    assert json_response["Content-Type"] == "application/json"
    assert json_response.json()["units"][1]["total"] == "22.50"
    book = anonymous.get(urls["public:workbook"])
    assert book["Content-Type"] == XLSX
    headers = [c.value for c in load_workbook(io.BytesIO(book.content))[A][exports.UNIT_HEADER_ROW]]
    assert "Điểm tự đánh giá" not in headers  # the public copy: appraised scores only
    assert anonymous.post(urls["public:csv"]).status_code == 405


def test_a_period_not_yet_approved_has_no_downloads(
    personas: Any, builtin_frameworks: dict[str, Any]
) -> None:
    case = AppraisalCase(personas, builtin_frameworks)
    urls = _urls(case)
    for url in urls.values():
        assert case.client("admin").get(url).status_code == 404, url


def test_the_administrator_downloads_the_workbook_before_publication(
    case: AppraisalCase,
) -> None:
    url = _urls(case)["results:workbook"]
    for persona in ("appraiser", "officer_a", "leader_a", "staff_a", "officer_b"):
        assert case.client(persona).get(url).status_code == 403, persona
    assert case.client("anonymous").get(url).status_code == 302
    response = case.client("admin").get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == XLSX
    assert response["Content-Disposition"] == (
        'attachment; filename="dti-2024-ket-qua-du-thao.xlsx"; '
        "filename*=UTF-8''dti-2024-k%E1%BA%BFt-qu%E1%BA%A3-d%E1%BB%B1-th%E1%BA%A3o.xlsx"
    )
    assert response["Cache-Control"] == "private, no-store"
    assert response["X-Content-Type-Options"] == "nosniff"
    sheet = load_workbook(io.BytesIO(response.content))[A]
    assert "Điểm tự đánh giá" in [c.value for c in sheet[exports.UNIT_HEADER_ROW]]
    assert case.client("admin").post(url).status_code == 405
    publish(case)
    response = case.client("admin").get(url)
    assert response["Content-Disposition"].startswith(
        'attachment; filename="dti-2024-ket-qua.xlsx"; '
    )
    assert "Cache-Control" not in response or "no-store" not in response["Cache-Control"]


def test_the_annex_comes_from_the_annex_module(case: AppraisalCase, monkeypatch: Any) -> None:
    urls = _urls(case)
    admin_url, public_url = urls["results:annex"], urls["public:annex"]
    assert case.client("officer_a").get(admin_url).status_code == 403
    asked = []
    annex = types.ModuleType("dti.results.annex")

    def annex_pdf(period: Any) -> bytes:
        asked.append(period.pk)
        return b"%PDF-1.7 annex"

    annex.annex_pdf = annex_pdf  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "dti.results.annex", annex)
    response = case.client("admin").get(admin_url)
    assert response.status_code == 200 and response.content == b"%PDF-1.7 annex"
    assert response["Content-Type"] == "application/pdf"
    assert "dti-2024-phu-luc-du-thao.pdf" in response["Content-Disposition"]
    assert case.client("anonymous").get(public_url).status_code == 404  # not published
    publish(case)
    response = case.client("anonymous").get(public_url)
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith('attachment; filename="dti-2024-phu-luc.pdf"')
    assert asked == [case.period.pk, case.period.pk]
    monkeypatch.setitem(sys.modules, "dti.results.annex", None)  # not written yet: a 404
    assert case.client("anonymous").get(public_url).status_code == 404


def test_content_disposition_names_the_file_in_ascii_and_in_vietnamese() -> None:
    assert content_disposition("dti-2023-ket-qua.csv", "dti-2023-kết-quả.csv") == (
        'attachment; filename="dti-2023-ket-qua.csv"; '
        "filename*=UTF-8''dti-2023-k%E1%BA%BFt-qu%E1%BA%A3.csv"
    )
