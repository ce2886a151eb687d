"""The `dti` command, run as a user runs it (a real process) and in-process for the database parts."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command

from dti.audit.models import AuditRecord
from dti.frameworks.models import Framework

ROOT = Path(__file__).parent.parent
BUILTIN = ROOT / "dti" / "frameworks" / "builtin"
DATA = Path(__file__).parent / "data"
DTI = Path(sys.executable).parent / "dti"


def dti(
    *args: str | Path, tmp_path: Path, lang: str | None = None
) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env["DTI_VAR_DIR"] = str(
        tmp_path / "var"
    )  # no database there: commands that need none must work
    command = [str(DTI), *map(str, args)]
    if lang:
        command += ["--lang", lang]
    done = subprocess.run(
        command, capture_output=True, text=True, env=env, timeout=120, check=False
    )
    assert "Traceback" not in done.stderr, done.stderr
    return done


@pytest.mark.parametrize(("name", "leaves"), [("bacninh-so", 45), ("bacninh-huyen", 76)])
def test_check_bac_ninh_is_clean(name: str, leaves: int, tmp_path: Path) -> None:
    done = dti("framework", "check", BUILTIN / f"{name}.yaml", "--json", tmp_path=tmp_path)
    assert done.returncode == 0
    report = json.loads(done.stdout)
    assert report == {
        "code": name,
        "total_max": "1000.00",
        "leaf_count": leaves,
        "errors": [],
        "warnings": [],
        "notes": [],
    }


def test_check_by_builtin_code_without_a_database(tmp_path: Path) -> None:
    done = dti("framework", "check", "bacninh-huyen", tmp_path=tmp_path, lang="en")
    assert done.returncode == 0
    assert "1000 points, 8 pillars, 76 scored criteria" in done.stdout
    assert "0 errors, 0 warnings, 0 notes" in done.stdout


def test_check_binh_phuoc_website_warns_and_strict_fails(tmp_path: Path) -> None:
    done = dti("framework", "check", "binhphuoc-website", "--json", tmp_path=tmp_path, lang="en")
    assert done.returncode == 0
    report = json.loads(done.stdout)
    wheres = [w["where"] for w in report["warnings"]]
    assert wheres[:2] == ["2 (line 43)", "3 (line 75)"]
    assert {
        "where": "line 14",
        "message": "the stated total is 100 points but the criteria carry 98",
    } in report["warnings"]
    assert len(report["warnings"]) == 10
    strict = dti("framework", "check", "binhphuoc-website", "--json", "--strict", tmp_path=tmp_path)
    assert strict.returncode == 1
    assert len(json.loads(strict.stdout)["errors"]) == 10


def test_check_malformed_yaml_is_one_clear_message(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "code: x\nname: X\ncriteria:\n  - code: '1'\n    title: [oops\n", encoding="utf-8"
    )
    done = dti("framework", "check", bad, tmp_path=tmp_path, lang="en")
    assert done.returncode == 1
    errors = [line for line in done.stdout.splitlines() if "error:" in line]
    assert len(errors) == 1
    assert "line 6" in errors[0] and "not valid YAML" in errors[0]
    as_json = json.loads(dti("framework", "check", bad, "--json", tmp_path=tmp_path).stdout)
    assert as_json["code"] == "bad" and len(as_json["errors"]) == 1


def test_check_disguised_xlsx_is_one_clear_message(tmp_path: Path) -> None:
    fake = tmp_path / "khung.xlsx"
    fake.write_text("this is not a workbook", encoding="utf-8")
    done = dti("framework", "check", fake, "--json", tmp_path=tmp_path, lang="en")
    assert done.returncode == 1
    report = json.loads(done.stdout)
    assert len(report["errors"]) == 1
    assert report["errors"][0]["message"]


def test_check_unknown_source(tmp_path: Path) -> None:
    done = dti("framework", "check", "no-such-thing", tmp_path=tmp_path, lang="en")
    assert done.returncode == 1
    assert "there is no file “no-such-thing” and no framework with that code" in done.stdout


def test_score_reproduces_the_worked_figures(tmp_path: Path) -> None:
    done = dti(
        "score", DATA / "worked.yaml", DATA / "worked-answers.yaml", "--json", tmp_path=tmp_path
    )
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["nodes"]["2.1"] == {"score": "1.54", "max": "10.00"}
    assert result["nodes"]["1.4"] == {"score": "1.67", "max": "5.00"}
    assert result["nodes"]["1"] == {"score": "46.67", "max": "50.00"}
    assert (result["total"], result["max"], result["dti"]) == ("48.21", "60.00", "0.8035")


def test_score_prints_vietnamese_figures_by_default(tmp_path: Path) -> None:
    done = dti("score", DATA / "worked.yaml", DATA / "worked-answers.yaml", tmp_path=tmp_path)
    assert done.returncode == 0
    assert "46,67" in done.stdout and "1,54" in done.stdout


def test_score_on_a_builtin_framework_with_general_information(tmp_path: Path) -> None:
    answers = tmp_path / "answers.yaml"
    answers.write_text(
        "general_info: {civil_servants: 30, public_employees: 10}\n"
        "'4.3': {numerator: 10}\n"  # 10 of 40 staff trained, 20 points -> 5
        "'1.1': {yes: true}\n"
        "'6.19': {na: true}\n",
        encoding="utf-8",
    )
    result = json.loads(dti("score", "bacninh-so", answers, "--json", tmp_path=tmp_path).stdout)
    assert result["nodes"]["4.3"]["score"] == "5.00"
    assert result["nodes"]["6.19"]["score"] is None
    assert result["total"] == "25.00"


def test_score_with_bad_inputs_fails_with_messages(tmp_path: Path) -> None:
    answers = tmp_path / "answers.yaml"
    answers.write_text(
        "'1.1': {numerator: 3}\n'9.9': {yes: true}\n'1.2': {yes: maybe}\n", encoding="utf-8"
    )
    done = dti("score", "bacninh-so", answers, tmp_path=tmp_path, lang="en")
    assert done.returncode == 1
    assert "1.1: “numerator” is not an input of rule “yesno” (it takes: yes)" in done.stderr
    assert "9.9: there is no criterion “9.9” in this framework" in done.stderr
    assert "1.2: “yes” must be true or false" in done.stderr


def test_score_with_malformed_answers_file(tmp_path: Path) -> None:
    answers = tmp_path / "answers.yaml"
    answers.write_text("'1.1': {yes: true\n", encoding="utf-8")
    done = dti("score", "bacninh-so", answers, tmp_path=tmp_path, lang="en")
    assert done.returncode == 1
    assert "not valid YAML" in done.stderr


# ------------------------------------------------------------ in-process, with the test database


def run(*args: Any) -> str:
    out = StringIO()
    call_command(*args, stdout=out, stderr=out)
    return out.getvalue()


@pytest.mark.django_db
def test_import_stores_a_version_audits_it_and_is_idempotent(tmp_path: Path) -> None:
    text = (BUILTIN / "bacninh-so.yaml").read_text(encoding="utf-8")
    source = tmp_path / "so.yaml"
    source.write_text(text, encoding="utf-8")
    assert "Imported bacninh-so as version 1." in run(
        "framework", "import", str(source), "--lang", "en"
    )
    assert "already identical" in run("framework", "import", str(source), "--lang", "en")
    source.write_text(text.replace("max: 530", "max: 530\n    notes: Sửa đổi", 1), encoding="utf-8")
    assert "Imported bacninh-so as version 2." in run(
        "framework", "import", str(source), "--lang", "en"
    )
    assert list(Framework.objects.filter(code="bacninh-so").values_list("version", flat=True)) == [
        2,
        1,
    ]
    records = AuditRecord.objects.filter(action="framework.import")
    assert records.count() == 2
    assert records.first().after["version"] == 2  # type: ignore[union-attr]
    v1 = Framework.objects.get(code="bacninh-so", version=1)
    assert v1.criteria.count() == 51 and v1.leaf_count == 45


@pytest.mark.django_db
def test_import_refuses_a_framework_with_errors(tmp_path: Path) -> None:
    source = tmp_path / "bad.yaml"
    source.write_text(
        "code: bad\nname: Bad\ncriteria:\n  - {code: '1', title: A, max: -1, rule: yesno}\n",
        encoding="utf-8",
    )
    with pytest.raises(SystemExit) as exit_info:
        run("framework", "import", str(source), "--lang", "en")
    assert exit_info.value.code == 1
    assert not Framework.objects.exists()
    assert not AuditRecord.objects.exists()


@pytest.mark.django_db
def test_list_and_export_from_the_database(
    builtin_frameworks: dict[str, Any], tmp_path: Path
) -> None:
    rows = json.loads(run("framework", "list", "--json"))
    assert [(r["code"], r["leaf_count"], r["source"]) for r in rows] == [
        ("bacninh-huyen", 76, "database"),
        ("bacninh-so", 45, "database"),
        ("binhphuoc-agency", 44, "database"),
        ("binhphuoc-website", 45, "database"),
    ]
    out = tmp_path / "huyen.yaml"
    run("framework", "export", "bacninh-huyen", "--format", "yaml", "-o", str(out))
    assert json.loads(run("framework", "check", str(out), "--json"))["leaf_count"] == 76
