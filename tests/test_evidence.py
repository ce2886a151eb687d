"""Evidence (tài liệu kiểm chứng): uploads checked by content, links, document references,
criteria, removal, download, and who may do what."""

from __future__ import annotations

import datetime
import hashlib
import io
import struct
import zipfile
import zlib
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation
from helpers import AssessmentCase

from dti.assessments import actions, uploads
from dti.assessments.models import Assessment, Evidence
from dti.audit.models import AuditRecord
from dti.frameworks.models import Criterion

pytestmark = pytest.mark.django_db

# ------------------------------------------------------------------ sample files

PDF = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"
JPG = (
    b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
    + b"\x00" * 64
    + b"\xff\xd9"
)
EXE = (
    b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00"
    + b"\x00" * 200
    + b"This program cannot be run in DOS mode."
)
ELF = b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 100


def png() -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00\xff\x00\x00")
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


WORD_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>'
    "</Types>"
)


def docx(document: bytes = b"<w:document/>") -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", WORD_TYPES)
        archive.writestr("_rels/.rels", "<Relationships/>")
        archive.writestr("word/document.xml", document)
    return out.getvalue()


def xlsx() -> bytes:
    from openpyxl import Workbook

    workbook = Workbook()
    workbook.active["A1"] = "Số liệu"
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def odt() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            zipfile.ZipInfo("mimetype"),
            "application/vnd.oasis.opendocument.text",
            zipfile.ZIP_STORED,
        )
        archive.writestr("content.xml", "<office:document-content/>")
        archive.writestr("META-INF/manifest.xml", "<manifest:manifest/>")
    return out.getvalue()


def zip_bomb() -> bytes:
    """A .docx whose document part expands from a few kB to 11 MB."""
    return docx(b"\x00" * (11 * 1024 * 1024))


def stored_files() -> list[Path]:
    root = Path(settings.MEDIA_ROOT)
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


# ------------------------------------------------------------------ the case


class Case(AssessmentCase):
    """Unit A's assessment on bacninh-so in an open 2024 period, and unit B's as ``other``."""

    def __init__(self, personas: Any, frameworks: dict[str, Any]) -> None:
        super().__init__(personas, frameworks)
        self.other = Assessment.objects.create(
            period=self.period, unit=personas.unit_b, group=self.group
        )

    def url(self, name: str = "evidence", *args: Any, assessment: Assessment | None = None) -> str:
        return reverse(f"assessments:{name}", args=[(assessment or self.assessment).pk, *args])

    def upload(
        self, who: str, *files: SimpleUploadedFile, codes: tuple[str, ...] = ("1.1",), **extra: Any
    ) -> Any:
        data = {
            "kind": "file",
            "files": list(files),
            "criteria": [self.criterion(c).pk for c in codes],
            **extra,
        }
        return self.client(who).post(self.url(), data)

    def add_document(
        self, who: str = "officer_a", assessment: Assessment | None = None
    ) -> Evidence:
        actor, access = self.who(who)
        return actions.add_evidence(
            actor,
            access,
            assessment or self.assessment,
            Evidence(
                kind=Evidence.Kind.DOCUMENT,
                doc_number="105/QĐ-STP",
                doc_date=datetime.date(2022, 6, 13),
                summary="Thành lập Ban Chỉ đạo chuyển đổi số",
            ),
            [self.criterion("1.1")],
        )

    def submit(self) -> None:
        actor, access = self.who("leader_a")
        actions.submit_assessment(actor, access, self.assessment)


@pytest.fixture(autouse=True)
def english() -> Any:
    with translation.override("en"):
        yield


@pytest.fixture
def case(personas: Any, builtin_frameworks: dict[str, Any]) -> Case:
    return Case(personas, builtin_frameworks)


def text(response: Any) -> str:
    return response.content.decode()


# ------------------------------------------------------------------ uploads accepted


@pytest.mark.parametrize(
    ("name", "content", "content_type"),
    [
        ("Báo cáo chuyển đổi số.pdf", PDF, "application/pdf"),
        ("anh-chup.png", png(), "image/png"),
        ("ảnh hội nghị.JPG", JPG, "image/jpeg"),
        ("ke-hoach.jpeg", JPG, "image/jpeg"),
        (
            "Kế hoạch.docx",
            docx(),
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        ),
        (
            "so-lieu.xlsx",
            xlsx(),
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        ),
        ("bao-cao.odt", odt(), "application/vnd.oasis.opendocument.text"),
    ],
)
def test_an_accepted_file_is_stored_under_a_random_name(
    case: Case, name: str, content: bytes, content_type: str
) -> None:
    response = case.upload("officer_a", SimpleUploadedFile(name, content), codes=("1.1", "1.2"))
    assert response.status_code == 302
    evidence = Evidence.objects.get()
    assert (evidence.kind, evidence.original_name, evidence.content_type) == (
        "file",
        name,
        content_type,
    )
    assert evidence.size == len(content)
    assert evidence.sha256 == hashlib.sha256(content).hexdigest()
    assert evidence.uploaded_by == case.personas.users["officer_a"]
    prefix = f"evidence/{case.period.pk}/{case.personas.unit_a.pk}/"
    assert evidence.file.name.startswith(prefix)
    stored_as = evidence.file.name.removeprefix(prefix)
    assert len(stored_as) == 32 and all(ch in "0123456789abcdef" for ch in stored_as)
    assert stored_files() == [Path(settings.MEDIA_ROOT) / evidence.file.name]
    assert stored_files()[0].read_bytes() == content
    assert sorted(evidence.criteria.values_list("code", flat=True)) == ["1.1", "1.2"]
    record = AuditRecord.objects.get(action="evidence.add")
    assert record.before is None
    assert record.after == {
        "kind": "file",
        "name": name,
        "sha256": hashlib.sha256(content).hexdigest(),
        "criteria": ["1.1", "1.2"],
    }


def test_a_large_upload_waits_in_a_file_without_a_name(
    case: Case, settings: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Over FILE_UPLOAD_MAX_MEMORY_SIZE the upload is spooled to disk: to a file with no name,
    which a worker killed during the upload cannot leave behind (dti.web.uploads)."""
    spool = tmp_path / "spool"
    spool.mkdir()
    settings.FILE_UPLOAD_TEMP_DIR = str(spool)
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 100
    content = PDF + b"0" * 5000
    seen: list[Any] = []
    check = uploads.check_upload

    def watching(upload: Any, max_bytes: int) -> Any:
        seen.append(
            (type(upload).__name__, hasattr(upload, "temporary_file_path"), [*spool.iterdir()])
        )
        return check(upload, max_bytes)

    monkeypatch.setattr(uploads, "check_upload", watching)
    response = case.upload("officer_a", SimpleUploadedFile("lon.pdf", content))
    assert response.status_code == 302
    assert seen == [("UploadedFile", False, [])]  # on disk while checked, under no name
    evidence = Evidence.objects.get()
    assert evidence.size == len(content)
    assert (Path(settings.MEDIA_ROOT) / evidence.file.name).read_bytes() == content
    assert [*spool.iterdir()] == []


def test_several_files_at_once(case: Case) -> None:
    response = case.upload(
        "officer_a",
        SimpleUploadedFile("a.pdf", PDF),
        SimpleUploadedFile("b.png", png()),
        summary="Ảnh chụp màn hình",
    )
    assert response.status_code == 302
    assert sorted(Evidence.objects.values_list("original_name", "summary")) == [
        ("a.pdf", "Ảnh chụp màn hình"),
        ("b.png", "Ảnh chụp màn hình"),
    ]
    assert len(stored_files()) == 2
    assert AuditRecord.objects.filter(action="evidence.add").count() == 2
    page = text(case.client("officer_a").get(case.url()))
    for evidence in Evidence.objects.all():
        assert f'href="{case.url("evidence_file", evidence.pk)}"' in page
        assert f">{evidence.original_name}</a>" in page
    assert "Officer_A" in page


# ------------------------------------------------------------------ uploads refused


def assert_nothing_stored() -> None:
    assert stored_files() == []
    assert not Evidence.objects.exists()
    assert not AuditRecord.objects.filter(action="evidence.add").exists()


def test_an_executable_renamed_pdf_is_refused_and_nothing_stored(case: Case) -> None:
    response = case.upload("officer_a", SimpleUploadedFile("report.pdf", EXE))
    assert response.status_code == 400
    assert (
        "The file “report.pdf” is not a PDF file: its content is a program (executable)."
        in text(response)
    )
    assert_nothing_stored()


def test_a_linux_program_renamed_pdf_is_refused(case: Case) -> None:
    client = case.client("officer_a")
    data = {
        "kind": "file",
        "files": [SimpleUploadedFile("x.pdf", ELF)],
        "criteria": [case.criterion("1.1").pk],
    }
    response = client.post(case.url(), data)
    assert response.status_code == 400
    assert "is not a PDF file: its content is a program (executable)" in text(response)
    assert_nothing_stored()


def test_one_bad_file_refuses_the_whole_upload(case: Case) -> None:
    response = case.upload(
        "officer_a", SimpleUploadedFile("good.pdf", PDF), SimpleUploadedFile("bad.pdf", EXE)
    )
    assert response.status_code == 400
    assert "“bad.pdf”" in text(response)
    assert_nothing_stored()


def test_an_oversized_file_is_refused(case: Case, settings: Any) -> None:
    settings.DTI_EVIDENCE_MAX_BYTES = 1000
    response = case.upload("officer_a", SimpleUploadedFile("big.pdf", PDF + b"0" * 1000))
    assert response.status_code == 400
    assert "The file “big.pdf” is too large" in text(response)
    assert_nothing_stored()


def test_the_size_is_checked_before_the_content_is_read() -> None:
    class Untouchable(SimpleUploadedFile):
        def chunks(self, chunk_size: int | None = None) -> Any:
            raise AssertionError("read although too large")

    with pytest.raises(uploads.Rejected, match="too large"):
        uploads.check_upload(Untouchable("big.pdf", PDF * 100), max_bytes=100)


def test_an_empty_file_is_refused() -> None:
    with pytest.raises(uploads.Rejected, match=r"“empty\.pdf” is empty"):
        uploads.check_upload(SimpleUploadedFile("empty.pdf", b""), max_bytes=1000)


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("scan.pdf", png(), "is not a PDF file: its content is a PNG file"),
        ("photo.png", JPG, "is not a PNG file: its content is a JPG file"),
        ("plan.docx", xlsx(), "is not a DOCX file: its content is a XLSX file"),
        ("plan.xlsx", docx(), "is not a XLSX file: its content is a DOCX file"),
        ("plan.odt", docx(), "is not a ODT file: its content is a DOCX file"),
        (
            "notes.pdf",
            b"just some text",
            "is not a PDF file: its content is of an unrecognised type",
        ),
        ("run.pdf", b"#!/bin/sh\nrm -rf /\n", "its content is a script"),
        ("setup.exe", EXE, "is not an accepted type"),
        ("page.html", b"<html></html>", "is not an accepted type"),
        ("noextension", PDF, "is not an accepted type"),
        ("archive.docx", b"PK\x03\x04broken", "its content is a damaged zip archive"),
    ],
)
def test_content_must_agree_with_the_extension(
    case: Case, name: str, content: bytes, message: str
) -> None:
    response = case.upload("officer_a", SimpleUploadedFile(name, content))
    assert response.status_code == 400
    assert message in text(response)
    assert_nothing_stored()


def test_a_plain_zip_or_a_macro_document_named_docx_is_refused(case: Case) -> None:
    plain = io.BytesIO()
    with zipfile.ZipFile(plain, "w") as archive:
        archive.writestr("readme.txt", "hello")
    with pytest.raises(uploads.Rejected, match="zip archive that is not a DOCX"):
        uploads.check_upload(SimpleUploadedFile("a.docx", plain.getvalue()), 10**6)
    macro = io.BytesIO()
    with zipfile.ZipFile(macro, "w") as archive:
        archive.writestr("[Content_Types].xml", WORD_TYPES)
        archive.writestr("word/document.xml", "<w:document/>")
        archive.writestr("word/vbaProject.bin", b"\x00" * 10)
    with pytest.raises(uploads.Rejected, match="a document with macros"):
        uploads.check_upload(SimpleUploadedFile("a.docx", macro.getvalue()), 10**6)


def test_a_zip_bomb_is_refused(case: Case) -> None:
    bomb = zip_bomb()
    assert len(bomb) < 100_000
    response = case.upload("officer_a", SimpleUploadedFile("bao-cao.docx", bomb))
    assert response.status_code == 400
    assert "refused as a possible zip bomb" in text(response)
    assert_nothing_stored()


def test_a_document_expanding_beyond_the_total_limit_is_refused(monkeypatch: Any) -> None:
    monkeypatch.setattr(uploads, "ZIP_MAX_UNCOMPRESSED", 1024 * 1024)
    big = docx(bytes(range(256)) * 8192)  # 2 MB, well under the ratio limit
    with pytest.raises(uploads.Rejected, match="zip bomb"):
        uploads.check_upload(SimpleUploadedFile("big.docx", big), 10**7)


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("../../etc/passwd.pdf", "passwd.pdf"),
        ("..\\..\\windows\\x.pdf", "x.pdf"),
        ("/var/www/report.pdf", "report.pdf"),
        ("bad\x00na\x07me\n.pdf", "badname.pdf"),
        ("report\u202efdp.exe", "reportfdp.exe"),
        ("..", "file"),
        ("", "file"),
        ("  .hidden.pdf ", "hidden.pdf"),
        ("Quyết định số 105.pdf", "Quyết định số 105.pdf"),
        ("a" * 300 + ".pdf", "a" * 196 + ".pdf"),
    ],
)
def test_display_names_are_sanitised(raw: str, shown: str) -> None:
    assert uploads.display_name(raw) == shown
    assert len(uploads.display_name(raw)) <= uploads.MAX_NAME_CHARS


def test_a_path_traversal_name_is_stored_safely(case: Case) -> None:
    """Sent as a raw multipart body, so that the test client does not clean the name first."""
    boundary = "dti-boundary"
    fields = [
        ("kind", "file"),
        ("criteria", str(case.criterion("1.1").pk)),
    ]
    body = b""
    for key, value in fields:
        body += f'--{boundary}\r\nContent-Disposition: form-data; name="{key}"\r\n\r\n{value}\r\n'.encode()
    body += (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="files"; '
            f'filename="../../../etc/cron.d/passwd.pdf"\r\nContent-Type: application/pdf\r\n\r\n'
        ).encode()
        + PDF
        + f"\r\n--{boundary}--\r\n".encode()
    )
    response = case.client("officer_a").generic(
        "POST", case.url(), body, content_type=f"multipart/form-data; boundary={boundary}"
    )
    assert response.status_code == 302
    evidence = Evidence.objects.get()
    assert evidence.original_name == "passwd.pdf"
    media = Path(settings.MEDIA_ROOT).resolve()
    [stored] = stored_files()
    assert stored.resolve().is_relative_to(media / "evidence")
    assert "passwd" not in stored.name
    assert not (media.parent / "etc").exists()


def test_check_upload_strips_directories_itself() -> None:
    checked = uploads.check_upload(SimpleUploadedFile("..\\..\\x.pdf", PDF), 10**6)
    assert (checked.name, checked.type.key, checked.size) == ("x.pdf", "pdf", len(PDF))
    with pytest.raises(uploads.Rejected, match=r"“passwd\.pdf” is not a PDF"):
        uploads.check_upload(SimpleUploadedFile("../../etc/passwd.pdf", EXE), 10**6)


# ------------------------------------------------------------------ links and document references


def test_a_link_is_added(case: Case) -> None:
    client = case.client("officer_a")
    data = {
        "kind": "link",
        "url": "https://stp.bacninh.gov.vn/chuyen-doi-so",
        "summary": "Chuyên mục chuyển đổi số trên cổng thông tin",
        "criteria": [case.criterion("2.1").pk],
    }
    response = client.post(case.url(), data)
    assert response.status_code == 302
    evidence = Evidence.objects.get()
    assert (evidence.kind, evidence.url, evidence.summary) == ("link", data["url"], data["summary"])
    assert stored_files() == []
    page = text(client.get(case.url()))
    assert 'href="https://stp.bacninh.gov.vn/chuyen-doi-so"' in page
    assert "Chuyên mục chuyển đổi số trên cổng thông tin" in page


@pytest.mark.parametrize("url", ["javascript:alert(1)", "ftp://example.org/x", "not a url"])
def test_only_web_links_are_accepted(case: Case, url: str) -> None:
    data = {"kind": "link", "url": url, "summary": "x", "criteria": [case.criterion("2.1").pk]}
    response = case.client("officer_a").post(case.url(), data)
    assert response.status_code == 400
    assert not Evidence.objects.exists()


def test_a_document_reference_is_added_and_shown_as_officially_written(case: Case) -> None:
    client = case.client("officer_a")
    data = {
        "kind": "document",
        "doc_number": "105/QĐ-STP",
        "doc_date": "13/06/2022",
        "doc_issuer": "Sở Tư pháp",
        "summary": "Thành lập Ban Chỉ đạo chuyển đổi số",
        "criteria": [case.criterion("1.1").pk, case.criterion("1.2").pk],
    }
    response = client.post(case.url(), data)
    assert response.status_code == 302
    evidence = Evidence.objects.get()
    assert (evidence.doc_number, evidence.doc_date, evidence.doc_issuer) == (
        "105/QĐ-STP",
        datetime.date(2022, 6, 13),
        "Sở Tư pháp",
    )
    page = text(client.get(case.url()))
    assert "Decision No. 105/QĐ-STP of 13/6/2022" in page
    assert "Thành lập Ban Chỉ đạo chuyển đổi số" in page
    assert AuditRecord.objects.get(action="evidence.add").after["criteria"] == ["1.1", "1.2"]


@pytest.mark.parametrize(
    ("changes", "field_error"),
    [
        ({"doc_date": "2022-06-13"}, "Enter the date as dd/mm/yyyy"),
        ({"doc_date": "31/02/2022"}, "Enter the date as dd/mm/yyyy"),
        ({"doc_date": "01/01/2999"}, "The date cannot be in the future."),
        ({"doc_number": ""}, "This field is required."),
        ({"criteria": []}, "Choose at least one criterion."),
        ({"criteria": ["999999"]}, "Choose criteria of this assessment"),
    ],
)
def test_a_bad_document_reference_is_refused(
    case: Case, changes: dict[str, Any], field_error: str
) -> None:
    data = {
        "kind": "document",
        "doc_number": "105/QĐ-STP",
        "doc_date": "13/06/2022",
        "summary": "Thành lập BCĐ",
        "criteria": [case.criterion("1.1").pk],
        **changes,
    }
    response = case.client("officer_a").post(case.url(), data)
    assert response.status_code == 400
    assert field_error in text(response)
    assert not Evidence.objects.exists()


def test_criteria_of_another_framework_are_refused(case: Case) -> None:
    foreign = Criterion.objects.exclude(framework=case.framework).exclude(rule_type="").first()
    response = case.upload("officer_a", SimpleUploadedFile("a.pdf", PDF), codes=())
    assert response.status_code == 400
    data = {"kind": "file", "files": [SimpleUploadedFile("a.pdf", PDF)], "criteria": [foreign.pk]}
    response = case.client("officer_a").post(case.url(), data)
    assert response.status_code == 400
    assert_nothing_stored()


# ------------------------------------------------------------------ criteria of a piece


def test_one_piece_supports_several_criteria_and_they_can_be_changed(case: Case) -> None:
    evidence = case.add_document()
    client = case.client("officer_a")
    codes = ["1.1", "1.3", "2.1"]
    response = client.post(
        case.url("evidence_link", evidence.pk), {"criteria": [case.criterion(c).pk for c in codes]}
    )
    assert response.status_code == 302
    assert sorted(evidence.criteria.values_list("code", flat=True)) == codes
    record = AuditRecord.objects.get(action="evidence.link")
    assert (record.before["criteria"], record.after["criteria"]) == (["1.1"], codes)
    page = text(client.get(case.url()))
    for code in codes:
        assert f">{code}</a>" in page
    response = client.post(case.url("evidence_link", evidence.pk), {"criteria": []})
    assert response.status_code == 400
    assert evidence.criteria.count() == 3


def test_the_criterion_in_the_address_is_preselected(case: Case) -> None:
    criterion = case.criterion("3.3")
    page = text(case.client("officer_a").get(case.url() + f"?criterion={criterion.pk}"))
    assert page.count(f'value="{criterion.pk}" checked') == 3  # in each of the three add forms
    assert text(case.client("officer_a").get(case.url() + "?criterion=x")).count(" checked>") == 0


def test_department_staff_attach_only_to_their_criteria(case: Case) -> None:
    client = case.client("staff_a")
    response = case.upload("staff_a", SimpleUploadedFile("a.pdf", PDF))
    assert response.status_code == 403
    assert "No criterion is assigned to your department yet." in text(response)
    case.assign(["1.1", "1.2"])
    assert case.upload("staff_a", SimpleUploadedFile("a.pdf", PDF)).status_code == 302
    response = case.upload("staff_a", SimpleUploadedFile("b.pdf", PDF), codes=("1.1", "1.3"))
    assert response.status_code == 403
    assert "You may attach evidence only to the criteria you may edit." in text(response)
    assert Evidence.objects.count() == 1 and len(stored_files()) == 1
    page = text(client.get(case.url()))
    assert f'name="criteria" value="{case.criterion("1.1").pk}"' in page
    assert f'name="criteria" value="{case.criterion("1.3").pk}"' not in page
    # A piece of the officer's supporting 1.1 and 3.3: the staffer may add 1.2 but 3.3 stays.
    mine = Evidence.objects.get()
    shared = case.add_document()
    shared.criteria.add(case.criterion("3.3"))
    response = client.post(
        case.url("evidence_link", shared.pk),
        {"criteria": [case.criterion("1.1").pk, case.criterion("1.2").pk]},
    )
    assert response.status_code == 302
    assert sorted(shared.criteria.values_list("code", flat=True)) == ["1.1", "1.2", "3.3"]
    response = client.post(
        case.url("evidence_link", shared.pk), {"criteria": [case.criterion("4.1").pk]}
    )
    assert response.status_code == 403
    # … and may not remove it, since 3.3 is not theirs; their own piece they may.
    assert client.post(case.url("evidence_remove", shared.pk)).status_code == 403
    assert client.post(case.url("evidence_remove", mine.pk)).status_code == 302
    assert list(Evidence.objects.all()) == [shared]


def test_after_submission_everything_is_refused(case: Case) -> None:
    evidence = case.add_document()
    case.submit()
    client = case.client("officer_a")
    page = client.get(case.url())
    assert page.status_code == 200
    assert "read-only" in text(page)
    assert 'name="kind"' not in text(page)
    forged = [
        (
            case.url(),
            {
                "kind": "file",
                "files": [SimpleUploadedFile("a.pdf", PDF)],
                "criteria": [case.criterion("1.1").pk],
            },
        ),
        (
            case.url(),
            {
                "kind": "link",
                "url": "https://a.vn",
                "summary": "x",
                "criteria": [case.criterion("1.1").pk],
            },
        ),
        (
            case.url(),
            {
                "kind": "document",
                "doc_number": "1/KH",
                "doc_date": "01/01/2024",
                "summary": "x",
                "criteria": [case.criterion("1.1").pk],
            },
        ),
        (case.url("evidence_link", evidence.pk), {"criteria": [case.criterion("1.2").pk]}),
        (case.url("evidence_remove", evidence.pk), {}),
    ]
    for who in ("officer_a", "leader_a"):
        for url, data in forged:
            response = case.client(who).post(url, data)
            assert response.status_code == 403, url
            assert "submitted" in text(response)
    assert list(Evidence.objects.all()) == [evidence]
    assert list(evidence.criteria.values_list("code", flat=True)) == ["1.1"]
    assert stored_files() == []


def test_the_administrator_reads_but_does_not_change(case: Case) -> None:
    case.add_document()
    client = case.client("admin")
    assert client.get(case.url()).status_code == 200
    response = case.upload("admin", SimpleUploadedFile("a.pdf", PDF))
    assert response.status_code == 403
    assert Evidence.objects.count() == 1


@pytest.mark.parametrize("who", ["officer_b", "appraiser"])
def test_outsiders_get_404(case: Case, who: str) -> None:
    evidence = case.add_document()
    client = case.client(who)
    assert client.get(case.url()).status_code == 404
    assert case.upload(who, SimpleUploadedFile("a.pdf", PDF)).status_code == 404
    assert client.post(case.url("evidence_link", evidence.pk), {"criteria": [1]}).status_code == 404
    assert client.post(case.url("evidence_remove", evidence.pk)).status_code == 404
    assert Evidence.objects.count() == 1


def test_anonymous_is_sent_to_sign_in(case: Case) -> None:
    evidence = case.add_document()
    client = case.client("anonymous")
    for response in (
        client.get(case.url()),
        client.post(case.url("evidence_remove", evidence.pk)),
        client.get(case.url("evidence_file", evidence.pk)),
    ):
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("accounts:login"))


# ------------------------------------------------------------------ download and removal


def test_download_for_those_who_may_see_the_assessment(case: Case) -> None:
    name = "Quyết định 105 ảnh.pdf"
    case.upload("officer_a", SimpleUploadedFile(name, PDF))
    evidence = Evidence.objects.get()
    url = case.url("evidence_file", evidence.pk)
    for who in ("officer_a", "leader_a", "staff_a", "admin"):
        response = case.client(who).get(url)
        assert response.status_code == 200, who
        assert b"".join(response.streaming_content) == PDF
        assert response["Content-Type"] == "application/pdf"
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["Content-Disposition"].startswith("attachment; ")
        assert (
            "filename*=utf-8''Quy%E1%BA%BFt%20%C4%91%E1%BB%8Bnh%20105%20%E1%BA%A3nh.pdf"
            in (response["Content-Disposition"])
        )
    for who in ("officer_b", "appraiser"):
        assert case.client(who).get(url).status_code == 404, who
    anonymous = case.client("anonymous").get(url)
    assert anonymous.status_code == 302


def test_pdfs_and_images_may_be_shown_inline_other_files_not(case: Case) -> None:
    case.upload("officer_a", SimpleUploadedFile("a.pdf", PDF), SimpleUploadedFile("b.docx", docx()))
    pdf, word = Evidence.objects.order_by("original_name")
    client = case.client("officer_a")
    response = client.get(case.url("evidence_file", pdf.pk) + "?inline=1")
    assert response["Content-Disposition"] == 'inline; filename="a.pdf"'
    response = client.get(case.url("evidence_file", word.pk) + "?inline=1")
    assert response["Content-Disposition"] == 'attachment; filename="b.docx"'


def test_evidence_of_another_assessment_is_not_reachable_through_this_one(case: Case) -> None:
    actor, access = case.who("officer_b")
    theirs = actions.add_evidence(
        actor,
        access,
        case.other,
        Evidence(
            kind=Evidence.Kind.FILE,
            file=SimpleUploadedFile("b.pdf", PDF),
            original_name="b.pdf",
            content_type="application/pdf",
            size=len(PDF),
        ),
        [case.criterion("1.1")],
    )
    client = case.client("officer_a")
    assert client.get(case.url("evidence_file", theirs.pk)).status_code == 404
    assert client.post(case.url("evidence_remove", theirs.pk)).status_code == 404
    data = {"criteria": [case.criterion("1.2").pk]}
    assert client.post(case.url("evidence_link", theirs.pk), data).status_code == 404
    own = case.url("evidence_file", theirs.pk, assessment=case.other)
    assert case.client("officer_b").get(own).status_code == 200
    assert client.get(own).status_code == 404
    assert Evidence.objects.filter(pk=theirs.pk).exists()
    # A link or a document reference has no file.
    document = case.add_document()
    assert client.get(case.url("evidence_file", document.pk)).status_code == 404


def test_removing_deletes_the_file_after_commit(
    case: Case, django_capture_on_commit_callbacks: Any
) -> None:
    case.upload("officer_a", SimpleUploadedFile("a.pdf", PDF))
    evidence = Evidence.objects.get()
    [stored] = stored_files()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = case.client("officer_a").post(case.url("evidence_remove", evidence.pk))
        assert response.status_code == 302
        assert stored.exists()  # not before the transaction commits
    assert len(callbacks) == 1
    callbacks[0]()
    assert not stored.exists()
    assert not Evidence.objects.exists()
    assert AuditRecord.objects.get(action="evidence.remove").before["name"] == "a.pdf"


def test_removing_runs_on_commit(case: Case, django_capture_on_commit_callbacks: Any) -> None:
    case.upload("officer_a", SimpleUploadedFile("a.pdf", PDF))
    evidence = Evidence.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        case.client("officer_a").post(case.url("evidence_remove", evidence.pk))
    assert stored_files() == []


# ------------------------------------------------------------------ methods and queries


def test_wrong_methods_get_405(case: Case) -> None:
    evidence = case.add_document()
    client = case.client("officer_a")
    assert client.put(case.url()).status_code == 405
    assert client.delete(case.url()).status_code == 405
    assert client.get(case.url("evidence_link", evidence.pk)).status_code == 405
    assert client.get(case.url("evidence_remove", evidence.pk)).status_code == 405
    assert client.post(case.url("evidence_file", evidence.pk)).status_code == 405


def test_an_unknown_kind_is_refused(case: Case) -> None:
    response = case.client("officer_a").post(case.url(), {"kind": "video"})
    assert response.status_code == 400


def _list_queries(case: Case, who: str) -> int:
    """Session, user, security policy, roles, assessment, leaves, links, evidence (the session is
    not saved again within minutes); department staff add their two assignment queries."""
    client = case.client(who)
    client.get(case.url())  # warm up the session
    with CaptureQueriesContext(connection) as queries:
        response = client.get(case.url())
    assert response.status_code == 200
    return len(queries)


@pytest.mark.parametrize(("who", "expected"), [("officer_a", 8), ("staff_a", 10)])
def test_the_list_costs_the_same_queries_for_2_and_20_pieces(
    case: Case, who: str, expected: int
) -> None:
    case.assign(["1.1"])
    case.upload("officer_a", SimpleUploadedFile("a.pdf", PDF), codes=("1.1", "1.2"))
    case.add_document()
    assert _list_queries(case, who) == expected
    for i in range(18):
        case.upload("officer_a", SimpleUploadedFile(f"{i}.png", png()), codes=("1.1", "2.1", "3.3"))
    assert Evidence.objects.count() == 20
    assert _list_queries(case, who) == expected
