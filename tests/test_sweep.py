"""``dti sweep``: upload files that no record names (a worker killed between storing the file and
committing its row leaves one) are removed once older than the cut-off; named files, young files
and files outside the upload folders are left alone."""

from __future__ import annotations

import datetime
import io
import os
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone
from helpers import AssessmentCase
from test_steering import SteeringCase, local

from dti.accounts.access import Access
from dti.assessments import uploads
from dti.assessments.models import Evidence
from dti.audit.trail import Actor
from dti.steering import actions as steering_actions
from dti.web import sweep as sweep_module
from dti.web.sweep import sweep

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"
TWO_HOURS_AGO = time.time() - 2 * 3600


@pytest.fixture
def media(settings: Any, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return Path(settings.MEDIA_ROOT)


def upload(case: AssessmentCase) -> Evidence:
    """An evidence file stored through the page, as a data officer does."""
    response = case.client("officer_a").post(
        reverse("assessments:evidence", args=[case.assessment.pk]),
        {
            "kind": "file",
            "files": [SimpleUploadedFile("Quyết định 105.pdf", PDF)],
            "criteria": [case.criterion("1.1").pk],
        },
    )
    assert response.status_code == 302
    return Evidence.objects.get(assessment=case.assessment)


def left_behind(name: str, media: Path, old: bool = True) -> str:
    """A file as a killed worker leaves it: stored, with no row naming it."""
    stored = default_storage.save(name, ContentFile(b"%PDF-1.4 half an upload"))
    if old:
        os.utime(media / stored, (TWO_HOURS_AGO, TWO_HOURS_AGO))
    return stored


def age(media: Path, name: str) -> None:
    os.utime(media / name, (TWO_HOURS_AGO, TWO_HOURS_AGO))


def run(*args: str) -> str:
    out = io.StringIO()
    call_command("sweep", *args, "--lang", "en", stdout=out)
    return out.getvalue()


def test_only_old_files_that_no_record_names_are_removed(
    media: Path, personas: Any, builtin_frameworks: dict[str, Any]
) -> None:
    case = AssessmentCase(personas, builtin_frameworks)
    evidence = upload(case)
    age(media, evidence.file.name)  # named, however old: kept
    folder = f"evidence/{case.period.pk}/{case.personas.unit_a.pk}"
    orphan = left_behind(f"{folder}/0123456789abcdef", media)
    elsewhere = left_behind("evidence/99/99/fedcba9876543210", media)
    young = left_behind(f"{folder}/aaaaaaaaaaaaaaaa", media, old=False)
    report = left_behind("steering/bbbbbbbbbbbbbbbb", media)
    workbook = left_behind("imports/cccccccccccccccc.xlsx", media)  # not an upload folder

    out = run("--dry-run")
    assert f"would remove {orphan}" in out and f"would remove {report}" in out
    assert "3 that no record names would be removed" in out
    assert (media / orphan).is_file()  # a dry run removes nothing

    out = run()
    assert f"removed {orphan}" in out and f"removed {elsewhere}" in out
    assert "5 stored files checked; 3 that no record names removed" in out
    assert "1 younger than 60 minutes left alone" in out
    for name in (orphan, elsewhere, report):
        assert not (media / name).exists()
    for name in (evidence.file.name, young, workbook):
        assert (media / name).is_file()
    assert (media / evidence.file.name).read_bytes() == PDF
    # the young one goes when the cut-off says so
    assert "1 that no record names removed" in run("--older-than", "0")
    assert not (media / young).exists()
    assert (media / evidence.file.name).is_file()


def test_a_steering_report_file_is_kept(media: Path, personas: Any) -> None:
    case = SteeringCase(personas)
    lead = case.target_a.lead_member
    checked = uploads.check_upload(SimpleUploadedFile("Báo cáo.pdf", PDF), max_bytes=10**6)
    report = steering_actions.report_progress(
        Actor(lead, lead.username),
        Access(lead, []),
        case.target_a,
        quarter=1,
        narrative="Đã triển khai",
        value=Decimal("78.5"),
        evidence=checked,
        now=local(2023, 4, 20, 10, 0),
    )
    assert report.evidence_file.name.startswith("steering/")
    age(media, report.evidence_file.name)
    orphan = left_behind("steering/0000000000000000", media)
    result = sweep()
    assert [o.name for o in result.removed] == [orphan]
    assert (media / report.evidence_file.name).read_bytes() == PDF


def test_a_row_committed_while_the_sweep_lists_keeps_its_file(
    media: Path, personas: Any, builtin_frameworks: dict[str, Any], monkeypatch: Any
) -> None:
    """The folders are listed before the names are read: an upload whose row commits in between
    is named by the time the sweep decides."""
    case = AssessmentCase(personas, builtin_frameworks)
    evidence = upload(case)
    name = evidence.file.name
    age(media, name)
    evidence.delete()  # the row is not there yet when the listing starts
    listing = sweep_module.stored_names

    def list_then_commit(storage: Any, folder: str) -> Any:
        yield from listing(storage, folder)
        if folder == "evidence":
            Evidence.objects.create(
                assessment=case.assessment,
                kind=Evidence.Kind.FILE,
                file=name,
                original_name="Quyết định 105.pdf",
                size=len(PDF),
                sha256="0" * 64,
                uploaded_by=personas.users["officer_a"],
            )

    monkeypatch.setattr(sweep_module, "stored_names", list_then_commit)
    result = sweep()
    assert result.stored == 1 and result.removed == []
    assert (media / name).read_bytes() == PDF


def test_an_empty_store_and_bad_arguments(media: Path) -> None:
    assert "0 stored files checked; 0 that no record names removed" in run()
    with pytest.raises(CommandError, match="number of minutes"):
        run("--older-than", "một giờ")
    with pytest.raises(CommandError, match="number of minutes"):
        run("--older-than", "-5")


def test_the_message_is_vietnamese_by_default(media: Path) -> None:
    out = io.StringIO()
    call_command("sweep", stdout=out)
    assert "tệp" in out.getvalue()


def test_the_cut_off_is_measured_from_now(media: Path) -> None:
    orphan = left_behind("evidence/1/1/dddddddddddddddd", media, old=False)
    assert sweep(now=timezone.now() + datetime.timedelta(minutes=59)).removed == []
    assert [o.name for o in sweep(now=timezone.now() + datetime.timedelta(minutes=61)).removed] == [
        orphan
    ]
