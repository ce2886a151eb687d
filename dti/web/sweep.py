"""Stored files that no record names, found and removed (``dti sweep``).

An upload is written to the file storage inside its action's transaction, just before the row
that names it commits. When the transaction rolls back the action removes the file again; a
worker killed in between (a restart, the out-of-memory killer, a timeout) cannot, and leaves a
file nothing refers to. The sweep lists the upload folders first and reads every name the
database holds after, so a file whose row commits meanwhile is never taken for an orphan, and it
leaves alone anything younger than ``older_than``: an upload still in flight is younger than the
request timeout. It works on the local disk and on S3-compatible storage alike, through Django's
storage API.
"""

from __future__ import annotations

import datetime
import logging
from collections.abc import Iterator
from dataclasses import dataclass, field

from django.apps import apps
from django.core.files.storage import Storage, default_storage
from django.db import models
from django.utils import timezone

log = logging.getLogger(__name__)

#: The folders uploads are stored under (``evidence_path`` of evidence and of steering reports).
FOLDERS = ("evidence", "steering")
#: Files younger than this are left alone: their upload may still be committing.
DEFAULT_AGE = datetime.timedelta(hours=1)


def file_names(model: type[models.Model], alias: str = "default") -> set[str]:
    """The names of the stored files the model's rows refer to."""
    names: set[str] = set()
    for f in model._meta.local_concrete_fields:
        if isinstance(f, models.FileField) and not f.generated:
            rows = model._base_manager.using(alias).exclude(**{f.attname: ""})
            names.update(
                rows.exclude(**{f"{f.attname}__isnull": True}).values_list(f.attname, flat=True)
            )
    return names


def stored_names(storage: Storage, folder: str) -> Iterator[str]:
    """Every file under ``folder`` of the storage, as the name a FileField would hold."""
    try:
        folders, files = storage.listdir(folder)
    except FileNotFoundError:
        return
    for name in sorted(files):
        yield f"{folder}/{name}"
    for sub in sorted(folders):
        yield from stored_names(storage, f"{folder}/{sub}")


@dataclass(frozen=True)
class Orphan:
    name: str
    size: int
    modified: datetime.datetime


@dataclass
class Sweep:
    """What a sweep found: files listed, unnamed ones removed (or to remove, in a dry run), and
    unnamed ones left because they are too young."""

    stored: int = 0
    removed: list[Orphan] = field(default_factory=list)
    young: list[Orphan] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)

    @property
    def freed(self) -> int:
        return sum(o.size for o in self.removed)


def _orphan(storage: Storage, name: str) -> Orphan | None:
    try:
        return Orphan(name, storage.size(name), storage.get_modified_time(name))
    except (OSError, NotImplementedError, ValueError):
        return None  # gone meanwhile, or the storage cannot tell: leave it


def sweep(
    older_than: datetime.timedelta = DEFAULT_AGE,
    *,
    dry_run: bool = False,
    storage: Storage | None = None,
    now: datetime.datetime | None = None,
) -> Sweep:
    """Remove the files under ``FOLDERS`` that no row names and that are older than
    ``older_than``; with ``dry_run`` only say which."""
    storage = storage or default_storage
    now = now or timezone.now()
    listed = [name for folder in FOLDERS for name in stored_names(storage, folder)]
    named: set[str] = set()
    for model in apps.get_models():
        named |= file_names(model)
    result = Sweep(stored=len(listed))
    for name in listed:
        if name in named:
            continue
        orphan = _orphan(storage, name)
        if orphan is None:
            continue
        if now - orphan.modified < older_than:
            result.young.append(orphan)
            continue
        if not dry_run:
            try:
                storage.delete(name)
            except OSError as error:
                result.failed.append((name, str(error)))
                continue
            log.warning("removed %s (%s bytes): no record names it", name, orphan.size)
        result.removed.append(orphan)
    return result
