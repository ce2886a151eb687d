"""`dti backup` and `dti restore`: a round trip through an emptied database loses nothing, and a
restore refuses what it must refuse without changing anything."""

from __future__ import annotations

import datetime
import hashlib
import json
import shutil
import stat
import zipfile
from collections.abc import Callable
from decimal import Decimal
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.apps import apps
from django.conf import settings
from django.contrib.auth.management import create_permissions
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.management import create_contenttypes
from django.contrib.contenttypes.models import ContentType
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.test import Client

from dti.accounts.access import Access
from dti.accounts.actions import grant_role
from dti.accounts.models import Role, User
from dti.assessments.actions import add_evidence
from dti.assessments.models import Assessment, Evidence
from dti.assessments.uploads import check_upload
from dti.audit.models import AuditRecord
from dti.audit.trail import Actor
from dti.frameworks.models import Criterion
from dti.periods.models import Period, PeriodUnit
from dti.steering.actions import report_progress
from dti.steering.models import Target
from dti.units.models import Unit
from dti.web import backup
from dti.web.demo import DEMO_PASSWORD

pytestmark = pytest.mark.django_db
#: Real transactions where a restore erases and loads: there it is the outermost transaction, as
#: when an operator runs it (and PostgreSQL truncates no table the same transaction has written).
outermost = pytest.mark.django_db(transaction=True)

PDF = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"


# ---------------------------------------------------------------- the world and its picture


def media() -> Path:
    return Path(settings.MEDIA_ROOT)


def tables() -> list[Any]:
    """Every model with a table, auto-created M2M tables included; sessions are not backed up."""
    return [
        m
        for m in apps.get_models(include_auto_created=True)
        if not m._meta.proxy and m._meta.label_lower != "sessions.session"
    ]


def snapshot() -> dict[str, list[dict[str, Any]]]:
    """Every row of every table with every value as Python has it (Decimals, datetimes to the
    microsecond, JSON as data), in primary-key order."""
    return {m._meta.label_lower: list(m._base_manager.order_by("pk").values()) for m in tables()}


def stored_files() -> dict[str, bytes]:
    root = media()
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def who(username: str) -> tuple[Actor, Access]:
    user = User.objects.get(username=username)
    return Actor(user, username), Access(
        user, list(Role.objects.filter(user=user).select_related("unit"))
    )


def checked(name: str, data: bytes) -> Any:
    return check_upload(SimpleUploadedFile(name, data, "application/pdf"), 10**6)


def rich_world(monkeypatch: Any) -> None:
    """`dti demo` (periods, assessments, appraisals, results, a plan, the steering committee, the
    audit trail), plus an evidence file and a steering report file on disk, a group with
    permissions and a user with a permission of their own (the auth M2M tables), and a stray file.
    One published year instead of two: the second holds nothing new and doubles the time."""
    monkeypatch.setattr("dti.web.demo.PAST_YEARS", (2023,))
    call_command("demo", stdout=StringIO())
    actor, access = who("stp.canbo")
    stp = Unit.objects.get(code="so-tu-phap")
    period = Period.objects.get(year=2024)
    group = PeriodUnit.objects.get(period=period, unit=stp).group
    assessment = Assessment.objects.create(period=period, unit=stp, group=group)
    upload = checked("Báo cáo chuyển đổi số.pdf", PDF)
    add_evidence(
        actor,
        access,
        assessment,
        Evidence(
            kind=Evidence.Kind.FILE,
            file=upload.upload,
            original_name=upload.name,
            content_type=upload.type.content_type,
            size=upload.size,
            sha256=upload.sha256,
        ),
        Criterion.objects.filter(framework=group.framework)
        .exclude(pk__in=Criterion.objects.filter(parent__isnull=False).values("parent"))
        .order_by("pk")[:2],
    )
    member_actor, member_access = who("bancd")
    target = Target.objects.filter(lead_member__username="bancd").order_by("pk").first()
    report_progress(
        member_actor,
        member_access,
        target,
        4,
        "Đạt 81,2345 %; báo cáo kèm theo.",
        value=Decimal("81.2345"),
        evidence=checked("bao-cao-quy-4.pdf", PDF + b"% quy 4\n"),
        now=datetime.datetime(2023, 12, 20, 9, 30, 15, 123456, tzinfo=datetime.UTC),
    )
    council = Group.objects.create(name="Hội đồng")
    council.permissions.set(Permission.objects.filter(codename__startswith="view_")[:3])
    user = User.objects.get(username="thamdinh1")
    user.groups.add(council)
    user.user_permissions.add(Permission.objects.get(codename="change_unit"))
    (media() / "imports").mkdir(parents=True, exist_ok=True)
    (media() / "imports" / "left-behind.xlsx").write_bytes(b"PK\x03\x04 stray")


def small_world() -> None:
    """A few rows and two files: enough for the refusals."""
    system = Actor(label="test")
    unit = Unit.objects.create(name="Sở Tư pháp", code="stp", kind=Unit.Kind.DEPARTMENT)
    user = User.objects.create_user(username="canbo", password="mật-khẩu-thử-nghiệm")
    grant_role(system, user, Role.Kind.DATA_OFFICER, unit=unit)
    for relative, data in (("evidence/1/1/aa11", PDF), ("steering/bb22", b"%PDF-1.4 q4")):
        (media() / relative).parent.mkdir(parents=True, exist_ok=True)
        (media() / relative).write_bytes(data)


def empty_everything() -> None:
    """What a new server looks like: `dti flush` (the content types and permissions come back,
    with other ids than the archive's), and an empty media folder."""
    call_command("flush", interactive=False, verbosity=0)
    Permission.objects.all().delete()
    ContentType.objects.all().delete()
    ContentType.objects.clear_cache()
    for config in reversed(list(apps.get_app_configs())):
        create_contenttypes(config, verbosity=0)
    for config in apps.get_app_configs():
        create_permissions(config, verbosity=0)
    shutil.rmtree(media(), ignore_errors=True)


def run(command: str, *args: Any, **options: Any) -> str:
    out = StringIO()
    call_command(command, *map(str, args), stdout=out, stderr=StringIO(), lang="en", **options)
    return out.getvalue()


def refused(*args: Any, **options: Any) -> str:
    with pytest.raises(CommandError) as error:
        run("restore", *args, **options)
    return str(error.value)


def make_archive(tmp_path: Path, name: str = "world.zip") -> Path:
    path = tmp_path / name
    run("backup", "-o", path)
    return path


def rewrite(
    source: Path,
    target: Path,
    *,
    replace: dict[str, bytes] | None = None,
    add: list[tuple[zipfile.ZipInfo, bytes]] | None = None,
    manifest: Callable[[dict[str, Any]], None] | None = None,
) -> Path:
    """A copy of ``source`` with members replaced or added and the manifest edited."""
    replace = replace or {}
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w") as new:
        for info in old.infolist():
            data = replace.get(info.filename, old.read(info))
            if info.filename == backup.MANIFEST and manifest is not None:
                content = json.loads(data)
                manifest(content)
                data = json.dumps(content).encode()
            new.writestr(info.filename, data)
        for info, data in add or []:
            new.writestr(info, data)
    return target


# ---------------------------------------------------------------- the round trip


@outermost
def test_a_round_trip_through_an_empty_database_loses_nothing(
    tmp_path: Path, monkeypatch: Any
) -> None:
    rich_world(monkeypatch)
    before, files = snapshot(), stored_files()
    assert len(files) == 3 and before["assessments.evidence"] and before["accounts.user_groups"]
    assert any(r["evidence_file"] for r in before["steering.progressreport"])
    path = tmp_path / "dti.zip"
    line = run("backup", "-o", path)
    rows = sum(len(r) for r in before.values())
    assert f"Backup written: {rows} rows from {len(before)} tables, 3 files" in line
    assert line.count("\n") == 1 and str(path) in line
    assert stat.S_IMODE(path.stat().st_mode) == 0o600  # password hashes and evidence inside

    empty_everything()
    emptied = snapshot()
    assert emptied["contenttypes.contenttype"] != before["contenttypes.contenttype"]  # other ids
    assert not emptied["units.unit"] and stored_files() == {}
    line = run("restore", path)
    assert f"Restored {rows} rows in {len(before)} tables and 3 files" in line

    after = snapshot()
    for label, restored in after.items():
        assert restored == before[label], label
    assert stored_files() == files
    evidence = Evidence.objects.get(kind=Evidence.Kind.FILE)
    with evidence.file.open("rb") as handle:
        assert handle.read() == PDF

    # the restored system works: the old password signs in, new rows get fresh ids
    response = Client().post(
        "/accounts/sign-in/", {"username": "stp.canbo", "password": DEMO_PASSWORD}, follow=True
    )
    assert response.redirect_chain[-1][0] == f"/units/{Unit.objects.get(code='so-tu-phap').pk}/"
    top = {label: max((r["id"] for r in rows), default=0) for label, rows in before.items()}
    unit = Unit.objects.create(name="Sở mới", code="so-moi", kind=Unit.Kind.DEPARTMENT)
    user = User.objects.create_user(username="moi", password="mật-khẩu-thử-nghiệm")
    grant_role(Actor(label="test"), user, Role.Kind.DATA_OFFICER, unit=unit)
    user.groups.add(Group.objects.get())
    assert unit.pk > top["units.unit"] and user.pk > top["accounts.user"]
    assert AuditRecord.objects.order_by("-pk").first().pk > top["audit.auditrecord"]
    assert Role.objects.get(user=user).pk > top["accounts.role"]
    assert User.groups.through.objects.get(user=user).pk > top["accounts.user_groups"]
    assert ContentType.objects.get_for_model(Unit).pk == next(
        r["id"] for r in before["contenttypes.contenttype"] if r["model"] == "unit"
    )


def test_the_archive_layout_and_manifest(tmp_path: Path, monkeypatch: Any) -> None:
    small_world()
    monkeypatch.chdir(tmp_path)
    line = run("backup")
    (path,) = tmp_path.glob("dti-backup-*.zip")
    assert len(path.name) == len("dti-backup-20240101-120000.zip") and path.name in line
    with zipfile.ZipFile(path) as archive:
        manifest = json.loads(archive.read("manifest.json"))
        names = set(archive.namelist())
        users = [json.loads(line) for line in archive.read("data/accounts.user.jsonl").splitlines()]
    assert manifest["format"] == "dti-backup" and manifest["format_version"] == 1
    assert manifest["dti_version"] and manifest["created_at"]
    assert manifest["database"]["vendor"] in ("sqlite", "postgresql")
    assert "0001_initial" in manifest["migrations"]["units"]
    models = {e["model"]: e for e in manifest["models"]}
    assert "sessions.session" not in models and manifest["excluded_models"] == ["sessions.session"]
    assert models["units.unit"]["rows"] == 1 and models["audit.auditrecord"]["rows"] == 1
    assert models["accounts.user_groups"]["table"] == "accounts_user_groups"
    assert {f["path"] for f in manifest["files"]} == {"evidence/1/1/aa11", "steering/bb22"}
    assert names == {"manifest.json"} | {e["member"] for e in manifest["models"]} | {
        "media/evidence/1/1/aa11",
        "media/steering/bb22",
    }
    assert users[0]["pk"] == User.objects.get().pk
    assert users[0]["fields"]["password"] == User.objects.get().password


@outermost
def test_force_erases_the_database_and_restores_all_or_nothing(
    tmp_path: Path, monkeypatch: Any
) -> None:
    small_world()
    before, files = snapshot(), stored_files()
    path = make_archive(tmp_path)
    # the database and the files change after the backup
    Unit.objects.create(name="Sở Y tế", code="syt", kind=Unit.Kind.DEPARTMENT)
    User.objects.all().update(full_name="Đã sửa")
    (media() / "evidence" / "1" / "1" / "aa11").write_bytes(b"another version")
    shutil.rmtree(media() / "steering")
    (media() / "imports").mkdir()
    (media() / "imports" / "cc33.xlsx").write_bytes(b"new since")
    changed, changed_files = snapshot(), stored_files()

    # data that does not load (a role of nobody): the erased tables come back
    with zipfile.ZipFile(path) as archive:
        roles = archive.read("data/accounts.role.jsonl")
    row = json.loads(roles.splitlines()[0])
    row.update(pk=999, fields={**row["fields"], "user": 424242})
    roles += (json.dumps(row) + "\n").encode()

    def count_it(manifest: dict[str, Any]) -> None:
        entry = next(e for e in manifest["models"] if e["model"] == "accounts.role")
        entry.update(rows=2, size=len(roles), sha256=hashlib.sha256(roles).hexdigest())

    broken = rewrite(
        path,
        tmp_path / "broken.zip",
        replace={"data/accounts.role.jsonl": roles},
        manifest=count_it,
    )
    assert "The backup's data could not be loaded" in refused(broken, force=True)
    assert snapshot() == changed and stored_files() == changed_files

    # the disk fills up at the second file: the first (which replaced a file) is taken back
    write, calls = backup._MediaWriter.write, []

    def disk_full(self: Any, archive: Any, entry: dict[str, Any]) -> None:
        calls.append(entry["path"])
        if len(calls) == 2:
            raise OSError(28, "No space left on device")
        write(self, archive, entry)

    with monkeypatch.context() as patch:
        patch.setattr(backup._MediaWriter, "write", disk_full)
        assert "No space left on device" in refused(path, force=True)
    assert calls == ["evidence/1/1/aa11", "steering/bb22"]
    assert snapshot() == changed and stored_files() == changed_files
    assert not (media() / "steering").exists()

    # and then it goes through: the backup's rows and files; files it does not hold stay
    run("restore", path, force=True)
    assert snapshot() == before
    assert stored_files() == {**files, "imports/cc33.xlsx": b"new since"}


# ---------------------------------------------------------------- refusals: nothing changes
# These never reach the transaction that erases and loads, so they run in the test's own.


def forget_world() -> None:
    """Delete what ``small_world`` made, rows and files: an empty database again."""
    for model in (AuditRecord, Role, User, Unit):
        model.objects.all().delete()
    shutil.rmtree(media())
    assert backup.database_holds_data() == []


def test_a_database_holding_data_is_refused_without_force(tmp_path: Path) -> None:
    small_world()
    path = make_archive(tmp_path)
    Unit.objects.create(name="Sở Y tế", code="syt", kind=Unit.Kind.DEPARTMENT)
    before, files = snapshot(), stored_files()
    message = refused(path)
    assert "The database already holds data (" in message and "units_unit" in message
    assert "--force" in message
    assert snapshot() == before and stored_files() == files


def test_a_tampered_or_damaged_archive_is_refused_and_nothing_is_written(tmp_path: Path) -> None:
    small_world()
    path = make_archive(tmp_path)
    forget_world()
    before = snapshot()
    # a file's bytes changed, its size kept
    tampered = rewrite(path, tmp_path / "t.zip", replace={"media/steering/bb22": b"%PDF-1.4 q5"})
    message = refused(tampered)
    assert "media/steering/bb22 does not match its size or SHA-256" in message
    assert "Nothing was restored." in message
    # a byte flipped in the middle of the largest member
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as archive:
        info = max(archive.infolist(), key=lambda i: i.compress_size)
    header = info.header_offset
    start = header + 30 + int.from_bytes(data[header + 26 : header + 28], "little")
    start += int.from_bytes(data[header + 28 : header + 30], "little")
    data[start + info.compress_size // 2] ^= 0xFF
    damaged = tmp_path / "damaged.zip"
    damaged.write_bytes(bytes(data))
    message = refused(damaged)
    assert "is damaged" in message or "does not match its size or SHA-256" in message
    # cut short, as by a full disk while copying it
    truncated = tmp_path / "truncated.zip"
    truncated.write_bytes(path.read_bytes()[:-200])
    assert "is not a readable ZIP archive" in refused(truncated)
    assert snapshot() == before and not media().exists()


def test_members_escaping_the_media_folder_or_links_are_refused(tmp_path: Path) -> None:
    small_world()
    path = make_archive(tmp_path)
    forget_world()
    before = snapshot()
    for name in ("../evil", "/evil", "media/../../evil", "media/./evil", "media\\..\\evil"):
        evil = rewrite(path, tmp_path / "evil.zip", add=[(zipfile.ZipInfo(name), b"gotcha")])
        assert f"The archive holds an unsafe name: {name}." in refused(evil), name
    link = zipfile.ZipInfo("media/evidence/1/1/link")
    link.external_attr = (stat.S_IFLNK | 0o777) << 16
    evil = rewrite(
        path,
        tmp_path / "evil.zip",
        add=[(link, b"/etc/passwd")],
        manifest=lambda m: m["files"].append(
            {"path": "evidence/1/1/link", "size": 11, "sha256": "0" * 64}
        ),
    )
    assert "media/evidence/1/1/link is a link or a special file" in refused(evil)
    assert snapshot() == before and not media().exists()
    assert not (tmp_path / "evil").exists() and not Path("/evil").exists()


def test_what_is_not_a_dti_backup_or_is_newer_is_refused(tmp_path: Path) -> None:
    small_world()
    path = make_archive(tmp_path)
    forget_world()
    before = snapshot()
    other = tmp_path / "other.zip"
    with zipfile.ZipFile(other, "w") as archive:
        archive.writestr("hello.txt", "xin chào")
    assert "is not a DTI backup (no manifest.json)" in refused(other)
    text = tmp_path / "notes.txt"
    text.write_text("xin chào")
    assert "is not a readable ZIP archive" in refused(text)
    assert "cannot be read" in refused(tmp_path / "missing.zip")
    newer = rewrite(path, tmp_path / "newer.zip", manifest=lambda m: m.update(format_version=2))
    assert "has format version 2, written by a newer DTI" in refused(newer)
    future = rewrite(
        path,
        tmp_path / "future.zip",
        manifest=lambda m: m["migrations"]["units"].append("0099_future"),
    )
    assert "only in the backup: units.0099_future" in refused(future)
    assert snapshot() == before and not media().exists()


def test_a_failed_backup_leaves_nothing_behind(tmp_path: Path, monkeypatch: Any) -> None:
    small_world()

    def broken(*args: Any) -> None:
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(backup, "_write_file", broken)
    out = tmp_path / "out"
    out.mkdir()
    with pytest.raises(CommandError, match="Input/output error"):
        run("backup", "-o", out / "dti.zip")
    assert list(out.iterdir()) == []
    existing = out / "old.zip"
    existing.write_bytes(b"an older backup")
    with pytest.raises(CommandError, match="already exists"):
        run("backup", "-o", existing)
    assert existing.read_bytes() == b"an older backup"
