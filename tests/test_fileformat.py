"""Loading and validating framework files; the built-in frameworks as printed."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from dti.frameworks.fileformat import (
    builtin_codes,
    builtin_path,
    dump_yaml,
    load_file,
    load_text,
    to_document,
)

D = Decimal


def problems(text: str, strict: bool = False) -> list[tuple[str, str | None, int | None, str]]:
    result = load_text(text, strict=strict)
    return [(p.level, p.code, p.line, p.message()) for p in result.problems]


HEAD = "code: t\nname: Test\ncriteria:\n"


def test_builtin_frameworks_are_the_four_seeds() -> None:
    assert builtin_codes() == [
        "bacninh-huyen",
        "bacninh-so",
        "binhphuoc-agency",
        "binhphuoc-website",
    ]


@pytest.mark.parametrize(
    ("code", "pillars", "leaves", "pillar_points"),
    [
        ("bacninh-so", 6, 45, [100, 100, 100, 70, 100, 530]),
        ("bacninh-huyen", 8, 76, [100, 100, 100, 100, 80, 340, 100, 80]),
    ],
)
def test_bac_ninh_frameworks_are_clean(
    code: str, pillars: int, leaves: int, pillar_points: list[int]
) -> None:
    result = load_file(builtin_path(code))  # type: ignore[arg-type]
    assert result.problems == []
    fw = result.framework
    assert fw is not None
    assert fw.max == fw.total == D(1000)
    assert len(fw.criteria) == pillars
    assert len(fw.leaves) == leaves
    assert [p.effective_max for p in fw.criteria] == [D(x) for x in pillar_points]
    assert fw.legal_basis["number"] == "1187/QĐ-UBND"


def test_bac_ninh_transcription_spot_checks() -> None:
    so = load_file(builtin_path("bacninh-so")).framework  # type: ignore[arg-type]
    huyen = load_file(builtin_path("bacninh-huyen")).framework  # type: ignore[arg-type]
    assert so is not None and huyen is not None
    c = so.by_code["6.19"]
    assert (c.title, c.max, c.rule.type) == (
        "Tỷ lệ CBCCVC thuộc đối tượng đã được cấp chứng thư số chuyên dùng",
        D(30),
        "ratio",
    )  # type: ignore[union-attr]
    assert so.by_code["1.1"].rule.type == "yesno"  # type: ignore[union-attr]
    assert so.by_code["5.1"].rule.type == "count"  # type: ignore[union-attr]
    assert (
        huyen.by_code["6.10"].title
        == "Mức độ hài lòng của người dân, doanh nghiệp khi sử dụng DVCTT"
    )
    assert huyen.by_code["8.8"].max == D(10)
    assert [f.key for f in so.general_fields][:7] == [
        "name",
        "address",
        "website",
        "sub_units",
        "civil_servants",
        "public_employees",
        "procedures",
    ]


def test_binh_phuoc_agency_reports_the_announced_pillars() -> None:
    result = load_file(builtin_path("binhphuoc-agency"))  # type: ignore[arg-type]
    assert result.errors == []
    fw = result.framework
    assert fw is not None and fw.max == D(120) and len(fw.leaves) == 44
    warnings = [(p.code, p.message()) for p in result.warnings]
    assert ("1", "criterion 1 is announced as 9 points but its sub-criteria carry 13") in warnings
    assert ("5", "criterion 5 is announced as 40 points but its sub-criteria carry 42") in warnings
    assert ("7", "criterion 7 is announced as 24 points but its sub-criteria carry 34") in warnings
    assert (
        None,
        "the points announced for the pillars add up to 104, not the stated total 120",
    ) in warnings
    # Sections without printed points are derived from their criteria, and noted.
    notes = {p.code for p in result.notes}
    assert notes == {"2.1", "2.2", "5.2"}
    # Unnumbered rows get their parent's code and their position.
    assert fw.by_code["1.2.1"].printed == ""
    assert fw.by_code["1.1.1"].lead == "Phòng TT&DB"


def test_binh_phuoc_website_warns_for_every_inconsistent_section_and_the_total() -> None:
    result = load_file(builtin_path("binhphuoc-website"))  # type: ignore[arg-type]
    assert result.errors == []
    fw = result.framework
    assert fw is not None
    sections = {p.code for p in result.warnings if p.code}
    # Each section whose printed or announced points differ from its criteria, and no other.
    expected = {
        s.code
        for s in fw.criteria
        if (s.max is not None and s.max != s.effective_max)
        or (s.announced_max is not None and s.announced_max != s.effective_max)
    }
    assert sections == expected == {"2", "3", "5", "6", "7", "9", "10"}
    messages = [p.message() for p in result.warnings]
    assert "criterion 2 is announced as 6 points but its sub-criteria carry 13" in messages
    assert "criterion 6 is announced as 5.5 points but its sub-criteria carry 7" in messages
    assert "criterion 5 is printed with 11 points but its sub-criteria carry 8" in messages
    assert "the stated total is 100 points but the criteria carry 98" in messages
    assert fw.by_code["8.đ"].printed == "đ"
    assert fw.by_code["10.c"].max == D("0.5")


def test_strict_turns_warnings_into_errors() -> None:
    result = load_file(builtin_path("binhphuoc-website"), strict=True)  # type: ignore[arg-type]
    assert result.framework is None
    assert len(result.errors) == 10 and result.warnings == []


@pytest.mark.parametrize(
    "code", ["bacninh-so", "bacninh-huyen", "binhphuoc-agency", "binhphuoc-website"]
)
def test_yaml_round_trip_changes_nothing(code: str, tmp_path: Path) -> None:
    original = load_file(builtin_path(code))  # type: ignore[arg-type]
    assert original.framework is not None
    written = tmp_path / f"{code}.yaml"
    written.write_text(dump_yaml(original.framework), encoding="utf-8")
    again = load_file(written)
    assert again.framework is not None
    assert to_document(again.framework) == to_document(original.framework)
    assert [p.message() for p in again.problems] == [p.message() for p in original.problems]


# ------------------------------------------------------------ every problem has its place


def test_malformed_yaml_is_one_problem_with_its_line() -> None:
    result = load_text("code: t\nname: [unclosed\ncriteria: []\n")
    assert len(result.problems) == 1
    problem = result.problems[0]
    assert problem.level == "error" and problem.line == 3
    assert problem.message().startswith("this is not valid YAML")


def test_not_a_mapping() -> None:
    assert problems("- a\n- b\n")[0][3].startswith("a framework file must be a mapping")


def test_parent_sum_differs_is_a_warning_with_its_line() -> None:
    text = (
        HEAD
        + '  - code: "1"\n    title: P\n    max: 25\n    children:\n      - {code: "1.1", title: A, max: 10, rule: yesno}\n'
    )
    assert problems(text) == [
        ("warning", "1", 6, "criterion 1 is printed with 25 points but its sub-criteria carry 10"),
        ("note", None, 1, "the framework states no total; its criteria carry 10 points"),
    ]


def test_missing_maximum_of_a_parent_is_derived_and_noted() -> None:
    text = (
        "total: 10\n"
        + HEAD
        + '  - code: "1"\n    title: P\n    children:\n      - {code: "1.1", title: A, max: 10, rule: yesno}\n'
    )
    assert problems(text) == [
        (
            "note",
            "1",
            5,
            "criterion 1 has no maximum printed; it is the sum of its sub-criteria, 10",
        )
    ]


def test_errors_are_reported_each_with_its_place() -> None:
    text = (
        "total: 10\n"
        + HEAD
        + '  - code: "1"\n    title: P\n    children:\n'
        + '      - {code: "1.1", title: A, max: 10, rule: yesno}\n'  # line 8
        + '      - {code: "1.1", title: B, max: 5, rule: yesno}\n'  # line 9: duplicate
        + '      - {code: "1.2", title: C, max: -2, rule: manual}\n'  # line 10: negative
        + '      - {code: "1.3", title: D, max: 5, rule: magic}\n'  # line 11: unknown rule
        + '      - {code: "1.4", title: E, max: 5, rule: {type: ratio, cap: true}}\n'  # line 12: unknown param
        + '      - code: "1.5"\n        title: F\n        max: 5\n        rule:\n          type: bands\n'
        + "          bands: [{min: 50, points: 2}, {min: 80, points: 5}]\n"  # line 18 (the rule starts at 17): out of order
        + '      - {code: "1.6", title: G, rule: yesno}\n'  # line 19: no maximum
        + '      - {code: "1.7", title: H, max: 5, rule: {type: choice, options: [{key: a, label: A, points: -1}]}}\n'
    )
    found = {
        (level, code, line, message)
        for level, code, line, message in problems(text)
        if level == "error"
    }
    assert ("error", "1.1", 9, "the code “1.1” is used twice (first at line 8)") in found
    assert ("error", "1.2", 10, "“max” cannot be negative (-2)") in found
    assert (
        "error",
        "1.3",
        11,
        "unknown rule “magic” (known rules: yesno, ratio, bands, count, choice, manual, info)",
    ) in found
    assert (
        "error",
        "1.4",
        12,
        "rule “ratio” has no parameter “cap” (it takes: full_from, denominator_field, zero_denominator, allow_over)",
    ) in found
    assert (
        "error",
        "1.5",
        17,
        "bands out of order: band 2 starts at 80, not below the band before it (50)",
    ) in found
    assert ("error", "1.6", 19, "criterion 1.6 has no maximum points (“max”)") in found
    assert ("error", "1.7", 20, "option “a” gives negative points (-1)") in found
    assert load_text(text).framework is None


def test_unknown_fields_and_bad_top_level_values() -> None:
    text = "code: Bad Code\nname: X\nlevel: planet\nyear: soon\nnot_applicable: maybe\ncolour: red\ncriteria: []\n"
    messages = {m for _, _, _, m in problems(text)}
    assert "the code “Bad Code” may use only lower-case letters, digits and “-”" in messages
    assert (
        "“level” must be one of: department, district, commune, agency, website, other" in messages
    )
    assert "“year” must be a year such as 2024" in messages
    assert (
        "unknown field “colour” in the framework (allowed: code, name, level, year, legal_basis, total, not_applicable, classification, general_info, criteria, description)"
        in messages
    )
    assert "the framework has no criteria (“criteria” must be a list)" in messages


def test_ratio_denominator_must_be_a_numeric_general_field() -> None:
    text = (
        "general_info:\n  - {key: name, label: Tên, type: text}\n  - {key: staff, label: CBCC, type: integer}\n"
        + HEAD
        + '  - {code: "1", title: A, max: 10, rule: {type: ratio, denominator_field: staff}}\n'
        + '  - {code: "2", title: B, max: 10, rule: {type: ratio, denominator_field: name}}\n'
        + '  - {code: "3", title: C, max: 10, rule: {type: ratio, denominator_field: nobody}}\n'
    )
    errors = [(c, m) for level, c, _, m in problems(text) if level == "error"]
    assert errors == [
        ("2", "parameter “denominator_field” names “name”, which is not a number field"),
        (
            "3",
            "parameter “denominator_field” names “nobody”, which is not a general-information field",
        ),
    ]


def test_stated_total_differs_is_a_warning() -> None:
    text = "total: 100\n" + HEAD + '  - {code: "1", title: A, max: 10, rule: yesno}\n'
    assert problems(text) == [
        ("warning", None, 1, "the stated total is 100 points but the criteria carry 10")
    ]


def test_classification_bands_out_of_order() -> None:
    text = (
        "classification:\n  - {label: Tốt, min: 500}\n  - {label: Xuất sắc, min: 900}\n"
        + HEAD
        + '  - {code: "1", title: A, max: 10, rule: yesno}\n'
    )
    assert (
        "error",
        None,
        3,
        "classification bands out of order: “Xuất sắc” starts at 900, not below the band before it",
    ) in problems(text)


def test_codes_keep_their_printed_form() -> None:
    # 6.10 must not become 6.1, even unquoted.
    text = (
        "total: 20\n"
        + HEAD
        + "  - code: 6\n    title: P\n    children:\n      - {code: 6.1, title: A, max: 10, rule: yesno}\n      - {code: 6.10, title: B, max: 10, rule: yesno}\n"
    )
    fw = load_text(text).framework
    assert fw is not None
    assert [c.code for c in fw.walk()] == ["6", "6.1", "6.10"]


def test_the_documented_example_loads_cleanly() -> None:
    result = load_file(Path(__file__).parent.parent / "docs" / "example-framework.yaml")
    assert result.problems == []
    fw = result.framework
    assert fw is not None and fw.max == D(100) and len(fw.leaves) == 8
    assert {leaf.rule.type for leaf in fw.walk() if leaf.is_leaf} == {  # type: ignore[union-attr]
        "yesno",
        "ratio",
        "choice",
        "bands",
        "count",
        "manual",
        "info",
    }


def test_duplicate_keys_nesting_and_blank_maximum_are_reported() -> None:
    duplicate = load_text("code: a\nname: A\ncode: b\ncriteria: []\n")
    assert [(p.line, p.message()) for p in duplicate.problems] == [
        (3, "this is not valid YAML: “code” is given twice in the same mapping")
    ]
    deep = load_text("[" * 5000)
    assert [p.message() for p in deep.problems] == [
        "the file is nested too deeply to be a framework"
    ]
    blank = load_text(HEAD + '  - {code: "1", title: A, max: , rule: yesno}\n')
    assert blank.errors[0].message() == "criterion 1 has no maximum points (“max”)"
