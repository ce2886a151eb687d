"""Backup and restore (sao lưu và khôi phục): the whole database and every file under MEDIA_ROOT
in one ZIP archive, and back.

The archive::

    manifest.json                          what the archive holds (below), written last
    data/<app_label>.<model_name>.jsonl    one member per model, auto-created M2M tables included:
                                           Django's JSON Lines serialisation, one row a line,
                                           primary keys kept, datetimes to the microsecond
    media/<path under MEDIA_ROOT>          every file under MEDIA_ROOT, byte for byte (with the
                                           files in a bucket: every upload in it, read and
                                           written back through Django's storage API)

The manifest holds the format and its version, DTI's and Django's versions, when and from which
database vendor the archive was made, the applied migrations per app, each model's table, row
count, member, size and SHA-256, and each file's path, size and SHA-256 (and whether the database
refers to it).

ZIP rather than tar.gz: a ZIP has a central directory, so a restore reads the manifest and checks
every member's name, size and SHA-256 before it touches the database or MEDIA_ROOT, and then reads
each member once more on its own, without unpacking the archive anywhere first; each member also
carries a CRC-32 that catches damage. Any operating system opens one.

The data is vendor-neutral (plain JSON, decimals as strings, datetimes in ISO 8601), streamed model
by model in both directions: an archive made on SQLite restores into PostgreSQL and back.
Sessions are left out: they are sign-ins, not data, and a restore signs everyone out.
"""

from __future__ import annotations

import contextlib
import datetime
import functools
import hashlib
import io
import json
import os
import shutil
import stat
import tempfile
import time
import zipfile
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path, PurePosixPath
from typing import IO, Any

import django
from django.apps import apps
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core import serializers
from django.core.files import File
from django.core.files.storage import FileSystemStorage, Storage, default_storage
from django.core.management.color import no_style
from django.core.serializers.base import DeserializationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections, models, transaction
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone
from django.utils.translation import gettext as _

from dti.web.sweep import FOLDERS, file_names, stored_names

FORMAT = "dti-backup"
#: The version of the archive layout this DTI writes; it reads this version and older ones.
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
DATA_DIR = "data/"
MEDIA_DIR = "media/"
#: Models never backed up: sessions are sign-ins, not data (a restore signs everyone out).
EXCLUDED = frozenset({"sessions.session"})
#: Rows `dti migrate` creates itself; a database holding only these counts as empty.
MIGRATION_MADE = frozenset({"contenttypes.contenttype", "auth.permission"})
#: Largest manifest accepted (it lists every file: about 200 bytes each).
MANIFEST_MAX_BYTES = 256 * 1024 * 1024
CHUNK = 1024 * 1024
BATCH = 500


class BackupError(Exception):
    """A backup or a restore refused, with the reason for the operator (already translated)."""


@dataclass
class Summary:
    """What a backup wrote or a restore restored."""

    path: Path
    rows: int = 0
    tables: int = 0
    files: int = 0
    file_bytes: int = 0
    archive_bytes: int = 0
    missing: list[str] = field(default_factory=list)
    manifest: dict[str, Any] = field(default_factory=dict)


# ------------------------------------------------------------ what is backed up


def backed_up_models() -> list[type[models.Model]]:
    """Every model with a table of its own, auto-created M2M tables included, sessions excluded."""
    return [m for m in _table_models() if m._meta.label_lower not in EXCLUDED]


def _table_models() -> list[type[models.Model]]:
    return [
        m
        for m in apps.get_models(include_auto_created=True)
        if m._meta.managed and not m._meta.proxy and not m._meta.swapped
    ]


def _member(model: type[models.Model]) -> str:
    return f"{DATA_DIR}{model._meta.label_lower}.jsonl"


def _fields(model: type[models.Model]) -> list[models.Field[Any, Any]]:
    return [f for f in model._meta.local_concrete_fields if not f.generated]


def dti_version() -> str:
    try:
        return metadata.version("dti")
    except metadata.PackageNotFoundError:
        return "unknown"


def migration_state(alias: str = DEFAULT_DB_ALIAS) -> dict[str, list[str]]:
    """The applied migrations of the installed apps, per app, sorted."""
    installed = {config.label for config in apps.get_app_configs()}
    state: dict[str, list[str]] = {}
    for app, name in MigrationRecorder(connections[alias]).applied_migrations():
        if app in installed:
            state.setdefault(app, []).append(name)
    return {app: sorted(names) for app, names in sorted(state.items())}


def _require_migrated(alias: str) -> None:
    executor = MigrationExecutor(connections[alias])
    if executor.migration_plan(executor.loader.graph.leaf_nodes()):
        raise BackupError(_("The database is not fully migrated: run “dti migrate” first."))


class ExactEncoder(DjangoJSONEncoder):
    """Django's encoder, but datetimes and times keep their microseconds (Django's drops all but
    the milliseconds, and the audit trail's order would no longer be exact)."""

    def default(self, o: Any) -> Any:
        if isinstance(o, datetime.datetime | datetime.time):
            return o.isoformat()
        return super().default(o)


def serialise_rows(model: type[models.Model], stream: IO[str], alias: str) -> int:
    """Write every row of ``model`` to ``stream`` as JSON Lines, in primary-key order; the count."""
    count = 0

    def rows() -> Iterator[models.Model]:
        nonlocal count
        for row in model._base_manager.using(alias).order_by("pk").iterator(chunk_size=2000):
            count += 1
            yield row

    # Only the model's own columns: an auto-created M2M table is a model of its own here, so its
    # rows keep their ids and no query runs per row.
    names = [f.name for f in _fields(model) if not f.primary_key]
    serializers.serialize("jsonl", rows(), stream=stream, fields=names, cls=ExactEncoder)
    return count


# ------------------------------------------------------------ streams that count and hash


class _HashingWriter(io.RawIOBase):
    def __init__(self, inner: IO[bytes]) -> None:
        self.inner, self.sha256, self.size = inner, hashlib.sha256(), 0

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        view = memoryview(data)
        self.sha256.update(view)
        self.size += len(view)
        self.inner.write(view)
        return len(view)

    def close(self) -> None:
        if not self.closed:
            self.inner.close()
        super().close()


class _HashingReader(io.RawIOBase):
    """Reads ``inner`` hashing what it reads; refuses to read more than ``limit`` bytes."""

    def __init__(self, inner: IO[bytes], name: str, limit: int) -> None:
        self.inner, self.name, self.limit = inner, name, limit
        self.sha256, self.size = hashlib.sha256(), 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        data = self.inner.read(len(buffer))
        self.size += len(data)
        if self.size > self.limit:
            raise BackupError(_mismatch(self.name))
        self.sha256.update(data)
        buffer[: len(data)] = data
        return len(data)

    def close(self) -> None:
        if not self.closed:
            self.inner.close()
        super().close()


def _mismatch(name: str) -> str:
    return _(
        "%(name)s does not match its size or SHA-256 in the manifest: the archive was altered or "
        "damaged. Nothing was restored."
    ) % {"name": name}


def _sha256(handle: IO[bytes]) -> tuple[int, str]:
    digest, size = hashlib.sha256(), 0
    while chunk := handle.read(CHUNK):
        digest.update(chunk)
        size += len(chunk)
    return size, digest.hexdigest()


def _file_sha256(path: Path) -> tuple[int, str]:
    with path.open("rb") as handle:
        return _sha256(handle)


# ------------------------------------------------------------ backup


def default_name(now: datetime.datetime | None = None) -> str:
    return f"dti-backup-{timezone.localtime(now):%Y%m%d-%H%M%S}.zip"


def write_backup(path: Path, alias: str = DEFAULT_DB_ALIAS) -> Summary:
    """Write the database and MEDIA_ROOT to a new archive at ``path``, through a temporary file
    in the same folder renamed at the end: a failed backup leaves nothing behind."""
    path = Path(path)
    if path.exists():
        raise BackupError(_("%(path)s already exists; choose another name.") % {"path": path})
    _require_migrated(alias)
    handle, partial = tempfile.mkstemp(
        dir=path.parent, prefix=f".{path.name}.", suffix=".partial"
    )  # mode 0600: the archive holds password hashes and every evidence file
    try:
        with os.fdopen(handle, "w+b") as raw:
            summary = _write_archive(raw, Path(partial), path, alias)
            raw.flush()
            os.fsync(raw.fileno())
        Path(partial).replace(path)
    except BaseException:
        Path(partial).unlink(missing_ok=True)
        raise
    summary.archive_bytes = path.stat().st_size
    return summary


def _write_archive(raw: IO[bytes], partial: Path, path: Path, alias: str) -> Summary:
    connection = connections[alias]
    summary = Summary(path=path)
    manifest: dict[str, Any] = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "dti_version": dti_version(),
        "django_version": django.get_version(),
        "created_at": timezone.now().isoformat(),
        "database": {"vendor": connection.vendor, "name": connection.display_name},
        "excluded_models": sorted(EXCLUDED),
    }
    with zipfile.ZipFile(raw, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        # One transaction for every table, so the copy is consistent: on PostgreSQL a
        # repeatable-read snapshot; on SQLite writers wait until the rows are read.
        outermost = not connection.in_atomic_block
        with transaction.atomic(using=alias):
            if outermost and connection.vendor == "postgresql":
                with connection.cursor() as cursor:
                    cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            manifest["migrations"] = migration_state(alias)
            manifest["models"] = []
            referenced: set[str] = set()
            for model in backed_up_models():
                entry = _write_model(archive, model, alias)
                manifest["models"].append(entry)
                summary.rows += entry["rows"]
                summary.tables += 1
                referenced |= file_names(model, alias)
        files = []
        storage = default_storage
        if on_media_root(storage):
            skip = {partial.resolve(), path.resolve()}
            sources: Iterator[Source] = _media_files(Path(settings.MEDIA_ROOT), skip)
            manifest["storage"] = "media"
        else:
            sources = _stored_files(storage)
            manifest["storage"] = storage.__class__.__name__
        for source in sources:
            entry = _write_file(archive, source)
            entry["referenced"] = source.name in referenced
            files.append(entry)
            summary.files += 1
            summary.file_bytes += entry["size"]
        present = {f["path"] for f in files}
        summary.missing = sorted(referenced - present)
        manifest["files"] = files
        manifest["missing_files"] = summary.missing
        archive.writestr(
            _zip_info(MANIFEST, time.time()),
            json.dumps(manifest, ensure_ascii=False, indent=1).encode("utf-8"),
        )
    summary.manifest = manifest
    return summary


def _write_model(archive: zipfile.ZipFile, model: type[models.Model], alias: str) -> dict[str, Any]:
    member = _member(model)
    writer = _HashingWriter(archive.open(_zip_info(member, time.time()), "w", force_zip64=True))
    text = io.TextIOWrapper(io.BufferedWriter(writer, CHUNK), encoding="utf-8", newline="\n")
    try:
        rows = serialise_rows(model, text, alias)
    finally:
        text.close()
    return {
        "model": model._meta.label_lower,
        "table": model._meta.db_table,
        "rows": rows,
        "member": member,
        "size": writer.size,
        "sha256": writer.sha256.hexdigest(),
    }


@dataclass(frozen=True)
class Source:
    """A stored file to back up: its name under the media folder or in the bucket, its size and
    modification time, and how to open it."""

    name: str
    size: int
    modified: float
    open: Callable[[], IO[bytes]]


def on_media_root(storage: Storage) -> bool:
    """Whether the files are on the local disk under MEDIA_ROOT (otherwise in a bucket)."""
    return (
        isinstance(storage, FileSystemStorage)
        and Path(storage.location).resolve() == Path(settings.MEDIA_ROOT).resolve()
    )


def _media_files(root: Path, skip: set[Path]) -> Iterator[Source]:
    """Every regular file under ``root`` (links are not followed)."""
    if not root.is_dir():
        return
    for folder, dirs, names in os.walk(root):
        dirs.sort()
        for name in sorted(names):
            source = Path(folder) / name
            status = source.lstat()
            if not stat.S_ISREG(status.st_mode) or source.resolve() in skip:
                continue
            relative = source.relative_to(root).as_posix()
            _check_name(relative)
            yield Source(
                relative, status.st_size, status.st_mtime, functools.partial(source.open, "rb")
            )


def _stored_files(storage: Storage) -> Iterator[Source]:
    """Every upload in the bucket (evidence, steering reports), through the storage API."""
    for folder in FOLDERS:
        for name in stored_names(storage, folder):
            _check_name(name)
            yield Source(
                name,
                storage.size(name),
                storage.get_modified_time(name).timestamp(),
                functools.partial(storage.open, name, "rb"),
            )


def _check_name(relative: str) -> None:
    if not relative.isprintable() or "\\" in relative or not safe_name(relative):
        raise BackupError(
            _(
                "The media folder holds a file whose name cannot be stored (%(name)s); "
                "rename or remove it and back up again."
            )
            % {"name": ascii(relative)}
        )


def _write_file(archive: zipfile.ZipFile, source: Source) -> dict[str, Any]:
    info = _zip_info(MEDIA_DIR + source.name, source.modified)
    info.file_size = source.size  # decides whether the member needs ZIP64
    digest, size = hashlib.sha256(), 0
    with source.open() as handle, archive.open(info, "w") as out:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
            size += len(chunk)
            out.write(chunk)
    return {"path": source.name, "size": size, "sha256": digest.hexdigest()}


def _zip_info(name: str, timestamp: float) -> zipfile.ZipInfo:
    """A compressed regular file, readable by its owner and group once unpacked."""
    stamp = time.localtime(max(timestamp, 315532800))  # ZIP dates start in 1980
    when = (stamp.tm_year, stamp.tm_mon, stamp.tm_mday, stamp.tm_hour, stamp.tm_min, stamp.tm_sec)
    info = zipfile.ZipInfo(name, date_time=when)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = (stat.S_IFREG | 0o640) << 16
    return info


# ------------------------------------------------------------ restore


def restore_backup(path: Path, force: bool = False, alias: str = DEFAULT_DB_ALIAS) -> Summary:
    """Restore the archive at ``path`` into this database and MEDIA_ROOT.

    The database must be empty (see ``database_holds_data``) unless ``force``, which erases it.
    Everything is checked first: the members' names, the manifest, the migrations, every
    member's size and SHA-256; then, in one transaction, the tables are emptied and loaded, the
    sequences reset and the foreign keys checked, and the files written to MEDIA_ROOT. On any
    error the transaction rolls back and the files written are removed (a file replaced with
    ``force`` is put back)."""
    path = Path(path)
    try:
        archive = zipfile.ZipFile(path)
    except zipfile.BadZipFile:
        raise BackupError(
            _(
                "%(path)s is not a readable ZIP archive: it is not a DTI backup, or it is "
                "damaged. Nothing was restored."
            )
            % {"path": path}
        ) from None
    except OSError as error:
        raise BackupError(
            _("%(path)s cannot be read: %(error)s") % {"path": path, "error": error.strerror}
        ) from None
    with archive:
        try:
            return _restore(archive, path, force, alias)
        except (zipfile.BadZipFile, EOFError, zlib.error) as error:
            raise BackupError(_damaged(path, str(error))) from None


def _not_ours(path: Path, reason: str) -> str:
    return _("%(path)s is not a DTI backup (%(reason)s).") % {"path": path, "reason": reason}


def _damaged(path: Path, reason: str) -> str:
    return _("%(path)s is damaged (%(reason)s). Nothing was restored.") % {
        "path": path,
        "reason": reason,
    }


def database_holds_data(alias: str = DEFAULT_DB_ALIAS) -> list[str]:
    """The tables holding rows, apart from the content types and permissions ``dti migrate``
    creates and the sessions (which a restore ends anyway)."""
    return [
        model._meta.db_table
        for model in _table_models()
        if model._meta.label_lower not in MIGRATION_MADE | EXCLUDED
        and model._base_manager.using(alias).exists()
    ]


def _restore(archive: zipfile.ZipFile, path: Path, force: bool, alias: str) -> Summary:
    members = _check_members(archive)
    manifest = _read_manifest(archive, members, path)
    entries, files = manifest["models"], manifest["files"]
    expected = {MANIFEST} | {e["member"] for e in entries} | {MEDIA_DIR + f["path"] for f in files}
    if set(members) != expected:
        odd = sorted(set(members) ^ expected)
        raise BackupError(
            _damaged(path, _("members missing or unexpected: %s") % ", ".join(odd[:5]))
        )
    _require_migrated(alias)
    _check_migrations(manifest, alias)
    restored = _models_of(entries, path)
    if not force and (tables := database_holds_data(alias)):
        raise BackupError(
            _(
                "The database already holds data (%(tables)s). Restore into an empty database "
                "(migrated, nothing else), or add --force to erase this one first."
            )
            % {"tables": ", ".join(tables[:5]) + (" …" if len(tables) > 5 else "")}
        )
    media: _MediaWriter | _StorageWriter = (
        _MediaWriter(Path(settings.MEDIA_ROOT))
        if on_media_root(default_storage)
        else _StorageWriter(default_storage)
    )
    unchanged = media.plan(files, force)
    for entry in entries:
        _verify(archive, entry["member"], entry["size"], entry["sha256"])
    for entry in files:
        _verify(archive, MEDIA_DIR + entry["path"], entry["size"], entry["sha256"])

    connection = connections[alias]
    summary = Summary(path=path, manifest=manifest)
    try:
        with transaction.atomic(using=alias):
            tables = [m._meta.db_table for m in _table_models()]
            connection.ops.execute_sql_flush(
                connection.ops.sql_flush(no_style(), tables, reset_sequences=True)
            )
            for entry, model in zip(entries, restored, strict=True):
                summary.rows += _load_model(archive, entry, model, alias)
                summary.tables += 1
            with connection.cursor() as cursor:
                for sql in connection.ops.sequence_reset_sql(no_style(), restored):
                    cursor.execute(sql)
            connection.check_constraints(table_names=[m._meta.db_table for m in restored])
            for entry in files:
                if entry["path"] not in unchanged:
                    media.write(archive, entry)
                summary.files += 1
                summary.file_bytes += entry["size"]
    except BaseException as error:
        media.undo()
        ContentType.objects.clear_cache()
        if isinstance(error, DatabaseError | DeserializationError | ValueError | TypeError):
            raise BackupError(
                _(
                    "The backup's data could not be loaded (%(error)s). The database was left as "
                    "it was and no file was written."
                )
                % {"error": error}
            ) from error
        raise
    media.commit()
    ContentType.objects.clear_cache()  # the content types' ids may have changed
    return summary


def safe_name(name: str) -> bool:
    """A relative POSIX path with no ``..``, ``.``, empty part, backslash, NUL or drive."""
    if not name or name.startswith("/") or "\\" in name or "\0" in name:
        return False
    parts = name.split("/")
    return all(p not in ("", ".", "..") for p in parts) and not parts[0].endswith(":")


def _check_members(archive: zipfile.ZipFile) -> dict[str, zipfile.ZipInfo]:
    members: dict[str, zipfile.ZipInfo] = {}
    for info in archive.infolist():
        name = info.filename
        if not safe_name(name.removesuffix("/") if info.is_dir() else name):
            raise BackupError(
                _("The archive holds an unsafe name: %(name)s. Nothing was restored.")
                % {"name": name}
            )
        kind = stat.S_IFMT(info.external_attr >> 16)  # 0: no Unix type recorded, a plain file
        if kind not in (0, stat.S_IFREG, stat.S_IFDIR):
            raise BackupError(
                _("The archive member %(name)s is a link or a special file. Nothing was restored.")
                % {"name": name}
            )
        if name in members:
            raise BackupError(
                _("The archive holds %(name)s twice. Nothing was restored.") % {"name": name}
            )
        members[name] = info
    return members


def _read_manifest(
    archive: zipfile.ZipFile, members: dict[str, zipfile.ZipInfo], path: Path
) -> dict[str, Any]:
    info = members.get(MANIFEST)
    if info is None:
        raise BackupError(_not_ours(path, _("no manifest.json")))
    if info.file_size > MANIFEST_MAX_BYTES:
        raise BackupError(_not_ours(path, _("manifest.json is too large")))
    with archive.open(info) as stream:
        text = stream.read(MANIFEST_MAX_BYTES + 1)
    try:
        manifest = json.loads(text)
    except ValueError:
        raise BackupError(_not_ours(path, _("manifest.json is not JSON"))) from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError(_not_ours(path, _("manifest.json is not a DTI manifest")))
    version = manifest.get("format_version")
    if not isinstance(version, int) or version < 1:
        raise BackupError(_not_ours(path, _("no format version")))
    if version > FORMAT_VERSION:
        raise BackupError(
            _(
                "%(path)s has format version %(found)s, written by a newer DTI (%(dti)s); this "
                "DTI reads version %(supported)s. Upgrade DTI to restore it."
            )
            % {
                "path": path,
                "found": version,
                "dti": manifest.get("dti_version", "?"),
                "supported": FORMAT_VERSION,
            }
        )
    if not _well_formed(manifest):
        raise BackupError(_damaged(path, _("manifest.json is incomplete")))
    return manifest


def _well_formed(manifest: dict[str, Any]) -> bool:
    def digest(value: Any) -> bool:
        return isinstance(value, str) and len(value) == 64 and set(value) <= set("0123456789abcdef")

    def size(value: Any) -> bool:
        return isinstance(value, int) and not isinstance(value, bool) and value >= 0

    migrations, entries, files = (
        manifest.get("migrations"),
        manifest.get("models"),
        manifest.get("files"),
    )
    return (
        isinstance(migrations, dict)
        and all(
            isinstance(names, list) and all(isinstance(n, str) for n in names)
            for names in migrations.values()
        )
        and isinstance(entries, list)
        and all(
            isinstance(e, dict)
            and isinstance(e.get("model"), str)
            and e.get("member") == f"{DATA_DIR}{e['model']}.jsonl"
            and size(e.get("rows"))
            and size(e.get("size"))
            and digest(e.get("sha256"))
            for e in entries
        )
        and isinstance(files, list)
        and all(
            isinstance(f, dict)
            and isinstance(f.get("path"), str)
            and safe_name(f["path"])
            and size(f.get("size"))
            and digest(f.get("sha256"))
            for f in files
        )
    )


def _check_migrations(manifest: dict[str, Any], alias: str) -> None:
    theirs = {(app, name) for app, names in manifest["migrations"].items() for name in names}
    ours = {(app, name) for app, names in migration_state(alias).items() for name in names}
    if theirs == ours:
        return
    only_theirs = sorted(f"{app}.{name}" for app, name in theirs - ours)
    only_ours = sorted(f"{app}.{name}" for app, name in ours - theirs)
    differences = []
    if only_theirs:
        differences.append(_("only in the backup: %s") % ", ".join(only_theirs[:5]))
    if only_ours:
        differences.append(_("only in this database: %s") % ", ".join(only_ours[:5]))
    raise BackupError(
        _(
            "The backup was made by DTI %(dti)s with other migrations than this database's "
            "(%(differences)s). Restore it with that version of DTI into a database it migrated, "
            "then upgrade."
        )
        % {"dti": manifest.get("dti_version", "?"), "differences": "; ".join(differences)}
    )


def _models_of(entries: list[dict[str, Any]], path: Path) -> list[type[models.Model]]:
    known = {m._meta.label_lower: m for m in backed_up_models()}
    found = []
    for entry in entries:
        model = known.get(entry["model"])
        if model is None:
            raise BackupError(
                _("%(path)s holds rows of %(model)s, which this DTI does not have.")
                % {"path": path, "model": entry["model"]}
            )
        found.append(model)
    if len(set(found)) != len(found):
        raise BackupError(_damaged(path, _("a model is listed twice")))
    return found


def _verify(archive: zipfile.ZipFile, member: str, size: int, sha256: str) -> None:
    with _HashingReader(archive.open(member), member, size) as reader:
        while reader.read(CHUNK):
            pass
    if reader.size != size or reader.sha256.hexdigest() != sha256:
        raise BackupError(_mismatch(member))


def _load_model(
    archive: zipfile.ZipFile, entry: dict[str, Any], model: type[models.Model], alias: str
) -> int:
    """Insert the member's rows as they are (raw: no save(), no signals, ``auto_now`` left
    alone — as ``loaddata`` does), a batch at a time; the number of rows."""
    fields = _fields(model)
    connection = connections[alias]
    batch_size = max(1, min(BATCH, connection.ops.bulk_batch_size(fields, [None] * BATCH)))
    reader = _HashingReader(archive.open(entry["member"]), entry["member"], entry["size"])
    count, batch = 0, []
    with io.TextIOWrapper(io.BufferedReader(reader, CHUNK), encoding="utf-8", newline="\n") as text:
        for item in serializers.deserialize("jsonl", text, using=alias):
            if type(item.object) is not model or item.m2m_data or item.deferred_fields:
                raise DeserializationError(
                    _("%(member)s holds a row that is not a %(model)s row")
                    % {"member": entry["member"], "model": entry["model"]}
                )
            batch.append(item.object)
            count += 1
            if len(batch) >= batch_size:
                _insert(model, batch, fields, alias)
                batch = []
        if batch:
            _insert(model, batch, fields, alias)
    if reader.size != entry["size"] or reader.sha256.hexdigest() != entry["sha256"]:
        raise BackupError(_mismatch(entry["member"]))
    if count != entry["rows"]:
        raise DeserializationError(
            _("%(member)s holds %(count)s rows, the manifest says %(rows)s")
            % {"member": entry["member"], "count": count, "rows": entry["rows"]}
        )
    return count


def _insert(
    model: type[models.Model], rows: list[models.Model], fields: list[Any], alias: str
) -> None:
    # What Model.save_base(raw=True) runs for one row, for a batch: the values go in as they
    # are, primary keys included (bulk_create would stamp auto_now fields with the time now).
    model._base_manager.using(alias)._insert(rows, fields=fields, raw=True, using=alias)


class _MediaWriter:
    """Places the archive's files under MEDIA_ROOT and can take them all back."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.placed: list[tuple[Path, Path | None]] = []  # (file written, the one it replaced)
        self.made: list[Path] = []  # folders created

    def target(self, relative: str) -> Path:
        root = self.root.resolve()
        target = root.joinpath(*PurePosixPath(relative).parts)
        if not target.resolve().is_relative_to(root) or target.is_symlink():
            raise BackupError(
                _("%(path)s would be written outside the media folder. Nothing was restored.")
                % {"path": relative}
            )
        return target

    def plan(self, files: Iterable[dict[str, Any]], force: bool) -> set[str]:
        """Check where every file goes; the paths already there with the same content."""
        unchanged = set()
        for entry in files:
            target = self.target(entry["path"])
            if not target.exists():
                continue
            if not target.is_file():
                raise BackupError(
                    _(
                        "%(path)s exists in the media folder and is not a file. Nothing was restored."
                    )
                    % {"path": entry["path"]}
                )
            if _file_sha256(target) == (entry["size"], entry["sha256"]):
                unchanged.add(entry["path"])
            elif not force:
                raise BackupError(
                    _(
                        "%(path)s exists in the media folder with other content. Add --force to "
                        "replace it."
                    )
                    % {"path": entry["path"]}
                )
        return unchanged

    def write(self, archive: zipfile.ZipFile, entry: dict[str, Any]) -> None:
        target = self.target(entry["path"])
        missing = [p for p in (target.parent, *target.parent.parents) if not p.exists()]
        for folder in reversed(missing):
            folder.mkdir()
            self.made.append(folder)
        handle, name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.")
        partial = Path(name)
        try:
            member = MEDIA_DIR + entry["path"]
            with (
                os.fdopen(handle, "wb") as out,
                _HashingReader(archive.open(member), member, entry["size"]) as reader,
            ):
                while chunk := reader.read(CHUNK):
                    out.write(chunk)
            if reader.size != entry["size"] or reader.sha256.hexdigest() != entry["sha256"]:
                raise BackupError(_mismatch(member))
            partial.chmod(settings.FILE_UPLOAD_PERMISSIONS or 0o644)
            kept = None
            if target.exists():
                kept = target.with_name(f".{target.name}.{os.getpid()}.replaced")
                target.replace(kept)
            self.placed.append((target, kept))
            partial.replace(target)
        finally:
            partial.unlink(missing_ok=True)

    def undo(self) -> None:
        for target, kept in reversed(self.placed):
            target.unlink(missing_ok=True)
            if kept is not None:
                kept.replace(target)
        for folder in reversed(self.made):
            with contextlib.suppress(OSError):  # not empty: something else is there too
                folder.rmdir()
        self.placed, self.made = [], []

    def commit(self) -> None:
        for _target, kept in self.placed:
            if kept is not None:
                with contextlib.suppress(OSError):  # restored all the same
                    kept.unlink(missing_ok=True)
        self.placed, self.made = [], []


class _StorageWriter:
    """Places the archive's files in a bucket (S3-compatible storage) through the storage API
    and can take them all back: an object it replaces waits in a local temporary file until the
    restore commits."""

    def __init__(self, storage: Storage) -> None:
        self.storage = storage
        self.placed: list[tuple[str, IO[bytes] | None]] = []  # (name written, what it replaced)

    def plan(self, files: Iterable[dict[str, Any]], force: bool) -> set[str]:
        """The names already in the bucket with the same content; refuse others unless forced."""
        unchanged = set()
        for entry in files:
            name = entry["path"]
            if not self.storage.exists(name):
                continue
            with self.storage.open(name, "rb") as handle:
                same = _sha256(handle) == (entry["size"], entry["sha256"])
            if same:
                unchanged.add(name)
            elif not force:
                raise BackupError(
                    _(
                        "%(path)s exists in the file storage with other content. Add --force to "
                        "replace it."
                    )
                    % {"path": name}
                )
        return unchanged

    def write(self, archive: zipfile.ZipFile, entry: dict[str, Any]) -> None:
        name, member = entry["path"], MEDIA_DIR + entry["path"]
        with tempfile.TemporaryFile() as staged:
            with _HashingReader(archive.open(member), member, entry["size"]) as reader:
                while chunk := reader.read(CHUNK):
                    staged.write(chunk)
            if reader.size != entry["size"] or reader.sha256.hexdigest() != entry["sha256"]:
                raise BackupError(_mismatch(member))
            kept = None
            if self.storage.exists(name):
                kept = tempfile.TemporaryFile()  # noqa: SIM115 -- closed by commit() or undo()
                with self.storage.open(name, "rb") as old:
                    shutil.copyfileobj(old, kept, CHUNK)
                self.storage.delete(name)
            self.placed.append((name, kept))
            staged.seek(0)
            saved = self.storage.save(name, File(staged))
        if saved != name:  # a storage that renames instead of writing where it was told
            self.storage.delete(saved)
            raise BackupError(
                _("%(path)s could not be written under its own name. Nothing was restored.")
                % {"path": name}
            )

    def undo(self) -> None:
        for name, kept in reversed(self.placed):
            with contextlib.suppress(OSError):
                self.storage.delete(name)
            if kept is not None:
                kept.seek(0)
                self.storage.save(name, File(kept))
                kept.close()
        self.placed = []

    def commit(self) -> None:
        for _name, kept in self.placed:
            if kept is not None:
                kept.close()
        self.placed = []
