"""The automated checks: each one triggered and not triggered, their settings, and run_checks on a
real assessment (the engine's scores, files in storage, last year's assessment)."""

from __future__ import annotations

import dataclasses
import datetime
from decimal import Decimal
from typing import Any

import pytest
from django.core.files.base import ContentFile
from helpers import AssessmentCase

from dti.appraisal import checks
from dti.appraisal.actions import InvalidSettings, set_check_settings
from dti.appraisal.checks import EvidenceFacts, Facts, Flag, Leaf, check_facts, run_checks
from dti.appraisal.models import CheckSettings
from dti.assessments.models import Evidence
from dti.audit.models import AuditRecord
from dti.scoring.model import Rule

D = Decimal
START, END = datetime.date(2023, 10, 1), datetime.date(2024, 9, 30)
RATIO = Rule("ratio", {})
STAFF_RATIO = Rule("ratio", {"denominator_field": ["civil_servants", "public_employees"]})
YESNO = Rule("yesno", {})
TEN, TWENTY = D(10), D(20)


def leaf(
    code: str = "1.1",
    rule: Rule = RATIO,
    inputs: dict[str, Any] | None = None,
    score: Decimal | None = TEN,
    status: str = "scored",
    max: Decimal = TWENTY,
) -> Leaf:
    return Leaf(code, max, rule, inputs or {}, score, status)


def facts(*leaves: Leaf, **changes: Any) -> Facts:
    base = Facts(
        leaves=leaves,
        general={"civil_servants": 40, "public_employees": "10"},
        evidence=[],
        data_start=START,
        data_end=END,
    )
    return dataclasses.replace(base, **changes)


def run(key: str, data: Facts, **settings: Any) -> list[Flag]:
    """Only check ``key``, with its default thresholds changed by ``settings``."""
    resolved = checks.resolve({key: settings})
    for other in resolved:
        resolved[other]["enabled"] = other == key
    return check_facts(data, resolved)


def evidence(**fields: Any) -> EvidenceFacts:
    values: dict[str, Any] = {"name": "kehoach.pdf", "kind": "file", "criteria": ("1.1",)}
    values.update(fields)
    return EvidenceFacts(**values)


# ------------------------------------------------------------ numerator above denominator


def test_numerator_above_denominator_flags_an_impossible_ratio() -> None:
    [flag] = run(
        "numerator_above_denominator", facts(leaf(inputs={"numerator": 14, "denominator": "13"}))
    )
    assert (flag.check, flag.criterion_code, flag.severity) == (
        "numerator_above_denominator",
        "1.1",
        "error",
    )
    assert flag.message() == "The numerator 14 is above the denominator 13."


def test_numerator_above_denominator_passes_a_possible_ratio_and_allowed_overshoot() -> None:
    data = facts(
        leaf(inputs={"numerator": 13, "denominator": 13}),
        leaf("1.2", Rule("ratio", {"allow_over": True}), {"numerator": 15, "denominator": 13}),
        leaf("1.3", inputs={"numerator": 15, "denominator": 13, "na": True}),
    )
    assert run("numerator_above_denominator", data) == []


# ------------------------------------------------------------ ratio above 100 %


def test_ratio_above_100_with_the_denominator_from_the_general_information() -> None:
    [flag] = run("ratio_above_100", facts(leaf(rule=STAFF_RATIO, inputs={"numerator": 60})))
    assert flag.params["percent"] == D("120.00")
    assert flag.params["denominator"] == D(50)
    assert flag.message(lang="vi").startswith("The ratio is 120 %, above 100 %")


def test_ratio_above_100_not_triggered_within_the_limit_or_without_general_fields() -> None:
    data = facts(
        leaf(rule=STAFF_RATIO, inputs={"numerator": 50}),
        leaf("1.2", rule=RATIO, inputs={"numerator": 60}),
        leaf("1.3", rule=STAFF_RATIO, inputs={"numerator": 60}),
        general={"civil_servants": 40},  # the second field is missing: no denominator
    )
    assert run("ratio_above_100", data) == []
    assert run("ratio_above_100", facts(leaf(rule=STAFF_RATIO, inputs={"numerator": 50}))) == []


def test_ratio_above_100_limit_is_tunable() -> None:
    data = facts(leaf(rule=STAFF_RATIO, inputs={"numerator": 45}))  # 90 %
    assert run("ratio_above_100", data) == []
    [flag] = run("ratio_above_100", data, max_percent="80")
    assert flag.params["limit"] == D(80)


def test_ratio_above_100_also_reads_bands_on_a_ratio() -> None:
    rule = Rule(
        "bands",
        {
            "input": "ratio",
            "denominator_field": "civil_servants",
            "bands": [{"min": 80, "points": 5}],
        },
    )
    assert len(run("ratio_above_100", facts(leaf(rule=rule, inputs={"numerator": 41})))) == 1


# ------------------------------------------------------------ full marks without evidence


def test_full_marks_without_evidence() -> None:
    [flag] = run("full_marks_no_evidence", facts(leaf(rule=YESNO, score=D(20))))
    assert flag.message() == "20 of 20 points are claimed with no evidence."


def test_full_marks_with_evidence_or_below_full_marks_passes() -> None:
    data = facts(
        leaf(rule=YESNO, score=D(20)),
        leaf("1.2", score=D("19.5")),
        leaf("1.3", score=None, status="na"),
        evidence=[evidence(kind="link")],
    )
    assert run("full_marks_no_evidence", data) == []


def test_full_marks_share_is_tunable() -> None:
    data = facts(leaf(score=D(16)))
    assert run("full_marks_no_evidence", data) == []
    assert len(run("full_marks_no_evidence", data, min_percent="80")) == 1


# ------------------------------------------------------------ evidence files


@pytest.mark.parametrize(
    ("piece", "text"),
    [
        (evidence(file_state="missing"), "is missing from storage"),
        (evidence(file_state="unreadable"), "cannot be read"),
        (evidence(recorded_size=10, stored_size=7), "7 bytes in storage, 10 bytes uploaded"),
    ],
)
def test_evidence_file_missing_unreadable_or_changed(piece: EvidenceFacts, text: str) -> None:
    data = facts(leaf(), evidence=[dataclasses.replace(piece, criteria=("1.1", "1.2"))])
    flags = run("evidence_file", data)
    assert [f.criterion_code for f in flags] == ["1.1", "1.2"]
    assert text in flags[0].message()


def test_evidence_file_intact_passes() -> None:
    data = facts(
        leaf(),
        evidence=[
            evidence(recorded_size=10, stored_size=10),
            evidence(kind="document", file_state="ok"),
        ],
    )
    assert run("evidence_file", data) == []


# ------------------------------------------------------------ contradicts the general information


def test_numerator_above_the_general_information_field() -> None:
    data = facts(leaf(rule=STAFF_RATIO, inputs={"numerator": 55, "denominator": 60}))
    [flag] = run(
        "contradicts_general",
        data,
    )
    assert flag.params["value"] == D(50)
    assert "is above 50" in flag.message()


def test_denominator_that_differs_from_the_general_information() -> None:
    data = facts(
        leaf(rule=STAFF_RATIO, inputs={"numerator": 30, "denominator": 45}),
        field_labels={"civil_servants": "civil servants", "public_employees": "public employees"},
    )
    [flag] = run("contradicts_general", data)
    assert flag.message() == (
        "The denominator 45 differs from 50, the civil servants + public employees given in "
        "the general information."
    )


def test_figures_that_agree_with_the_general_information_pass() -> None:
    data = facts(
        leaf(rule=STAFF_RATIO, inputs={"numerator": 30, "denominator": 50}),
        leaf("1.2", rule=STAFF_RATIO, inputs={"numerator": 30}),
        leaf("1.3", rule=RATIO, inputs={"numerator": 30, "denominator": 45}),
    )
    assert run("contradicts_general", data) == []


# ------------------------------------------------------------ change from last year


def test_large_change_from_last_year() -> None:
    data = facts(leaf(score=D(20)), previous={"1.1": D(10)})  # threshold 30 % of 20 = 6
    [flag] = run("change_from_last_year", data)
    assert (flag.params["change"], flag.params["threshold"]) == (D(10), D("6.00"))


def test_small_change_no_previous_year_or_unmatched_criterion_passes() -> None:
    assert run("change_from_last_year", facts(leaf(score=D(15)), previous={"1.1": D(10)})) == []
    assert run("change_from_last_year", facts(leaf(score=D(20)), previous=None)) == []
    assert run("change_from_last_year", facts(leaf(score=D(20)), previous={"9.9": D(0)})) == []


def test_change_threshold_in_points_or_share_is_tunable() -> None:
    data = facts(leaf(score=D(15)), previous={"1.1": D(10)})
    assert len(run("change_from_last_year", data, percent_of_max="20")) == 1
    assert len(run("change_from_last_year", data, points="4")) == 1
    assert run("change_from_last_year", data, percent_of_max="20", points="5") == []


# ------------------------------------------------------------ documents outside the data window


def test_document_dated_outside_the_data_window() -> None:
    piece = evidence(kind="document", name="105/QĐ-STP", doc_date=datetime.date(2023, 9, 1))
    [flag] = run("document_outside_window", facts(leaf(), evidence=[piece]))
    assert flag.message() == (
        "The document “105/QĐ-STP” is dated 01/09/2023, outside the data window "
        "01/10/2023 – 30/09/2024."
    )


def test_document_dated_inside_the_window_or_within_grace_passes() -> None:
    inside = evidence(kind="document", doc_date=START)
    undated = evidence(kind="document", doc_date=None)
    assert run("document_outside_window", facts(leaf(), evidence=[inside, undated])) == []
    late = evidence(kind="document", doc_date=datetime.date(2024, 10, 5))
    assert len(run("document_outside_window", facts(leaf(), evidence=[late]))) == 1
    assert run("document_outside_window", facts(leaf(), evidence=[late]), grace_days="10") == []


# ------------------------------------------------------------ settings


def test_every_check_on_by_default_and_a_check_switched_off() -> None:
    data = facts(leaf(inputs={"numerator": 14, "denominator": 13}, score=D(20)))
    assert {f.check for f in check_facts(data)} == {
        "numerator_above_denominator",
        "full_marks_no_evidence",
    }
    off = {"full_marks_no_evidence": {"enabled": False}}
    assert {f.check for f in check_facts(data, off)} == {"numerator_above_denominator"}


def test_validate_settings_reports_every_problem() -> None:
    clean, errors = checks.validate_settings(
        {
            "nonsense": {},
            "ratio_above_100": {"enabled": "yes", "max_percent": "0"},
            "change_from_last_year": {"points": "", "percent_of_max": "ba mươi", "extra": 1},
            "document_outside_window": {"grace_days": "1.5"},
        }
    )
    assert set(errors) == {
        "nonsense",
        "ratio_above_100.enabled",
        "ratio_above_100.max_percent",
        "change_from_last_year.percent_of_max",
        "change_from_last_year.extra",
        "document_outside_window.grace_days",
    }
    assert clean["change_from_last_year"]["points"] is None


def test_set_check_settings_validates_and_audits_once(personas: Any) -> None:
    from dti.audit.trail import Actor
    from dti.periods import actions as period_actions

    admin = Actor(personas.users["admin"], "admin")
    period = period_actions.create_period(
        admin, year=2024, name="DTI 2024", data_start=START, data_end=END,
        submission_deadline=datetime.date(2024, 10, 10),
    )  # fmt: skip
    before = AuditRecord.objects.count()
    with pytest.raises(InvalidSettings) as refused:
        set_check_settings(admin, period, {"ratio_above_100": {"max_percent": "-5"}})
    assert "ratio_above_100.max_percent" in refused.value.errors
    assert AuditRecord.objects.count() == before
    set_check_settings(
        admin,
        period,
        {"ratio_above_100": {"enabled": False}, "change_from_last_year": {"points": "5"}},
    )
    resolved = CheckSettings.for_period(period)
    assert resolved["ratio_above_100"] == {"enabled": False, "max_percent": "100"}
    assert resolved["change_from_last_year"]["points"] == "5"
    assert resolved["evidence_file"]["enabled"] is True
    [entry] = AuditRecord.objects.filter(action="appraisal.check_settings")
    assert entry.before["ratio_above_100"]["enabled"] is True
    assert entry.after["ratio_above_100"]["enabled"] is False


# ------------------------------------------------------------ run_checks on a real assessment


@pytest.fixture
def case(personas: Any, builtin_frameworks: Any) -> AssessmentCase:
    return AssessmentCase(personas, builtin_frameworks)


def _file_evidence(case: AssessmentCase, code: str) -> Evidence:
    piece = Evidence(
        assessment=case.assessment, kind=Evidence.Kind.FILE, original_name="kehoach.pdf", size=9
    )
    piece.file.save("kehoach.pdf", ContentFile(b"%PDF-1.7\n"), save=True)
    piece.criteria.set([case.criterion(code)])
    return piece


def test_run_checks_on_an_assessment(case: AssessmentCase) -> None:
    case.save("officer_a", "1.1", {"yes": True})
    case.save("officer_a", "1.2", {"yes": True})
    piece = _file_evidence(case, "1.2")
    document = Evidence.objects.create(
        assessment=case.assessment,
        kind=Evidence.Kind.DOCUMENT,
        doc_number="12/KH-STP",
        doc_date=datetime.date(2022, 1, 5),
    )
    document.criteria.set([case.criterion("1.2")])
    flags = run_checks(case.assessment)
    assert [(f.check, f.criterion_code) for f in flags] == [
        ("full_marks_no_evidence", "1.1"),
        ("document_outside_window", "1.2"),
    ]

    piece.file.storage.delete(piece.file.name)
    assert ("evidence_file", "1.2") in [
        (f.check, f.criterion_code) for f in run_checks(case.assessment)
    ]

    off = {"evidence_file": {"enabled": False}, "document_outside_window": {"enabled": False}}
    assert [f.check for f in run_checks(case.assessment, off)] == ["full_marks_no_evidence"]


def test_run_checks_uses_the_period_settings(case: AssessmentCase) -> None:
    case.save("officer_a", "1.1", {"yes": True})
    assert [f.check for f in run_checks(case.assessment)] == ["full_marks_no_evidence"]
    set_check_settings(case.admin, case.period, {"full_marks_no_evidence": {"enabled": False}})
    assert run_checks(case.assessment) == []


def test_run_checks_compares_with_last_year(personas: Any, builtin_frameworks: Any) -> None:
    this_year = AssessmentCase(personas, builtin_frameworks, year=2024)
    off = {"full_marks_no_evidence": {"enabled": False}}
    this_year.save("officer_a", "1.1", {"yes": True})
    assert run_checks(this_year.assessment, off) == []  # no assessment last year

    last_year = AssessmentCase(personas, builtin_frameworks, year=2023)
    last_year.save("officer_a", "1.1", {"yes": False})
    last_year.save("officer_a", "1.2", {"yes": True})
    this_year.save("officer_a", "1.2", {"yes": True})
    [flag] = run_checks(this_year.assessment, off)
    assert (flag.check, flag.criterion_code) == ("change_from_last_year", "1.1")
    assert (flag.params["previous"], flag.params["score"]) == (D(0), D(20))
