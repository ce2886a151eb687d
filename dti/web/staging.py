"""An uploaded workbook waiting between its preview (the dry run) and its import.

The file is kept in DTI's file storage (under MEDIA_ROOT, or in the bucket with DTI_S3_BUCKET,
so that any app server behind a load balancer finds it) with a random name; the session holds
that name (the token), the file's sha256 and whatever the import needs to know (the file's name,
the plan …). The preview posts the token and sha256 back, so an import applies exactly the
workbook previewed.
"""

from __future__ import annotations

import datetime
import hashlib
import secrets
from typing import Any

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.http import HttpRequest
from django.utils import timezone


class PendingWorkbook:
    """The workbook of one kind of import waiting in a session, under `session_key`."""

    def __init__(
        self,
        session_key: str,
        folder: str = "imports",
        keep: datetime.timedelta = datetime.timedelta(days=1),
    ) -> None:
        self.session_key = session_key
        self.folder = folder
        self.keep = keep  # uploads left behind (previewed, never imported) go after this

    def _name(self, pending: dict[str, Any]) -> str:
        return f"{self.folder}/{pending['token']}.xlsx"

    def stash(self, request: HttpRequest, data: bytes, **meta: Any) -> dict[str, Any]:
        """Keep `data` for the import, replacing the workbook waiting in this session, if any."""
        self.forget(request)
        self.remove_stale()
        pending = {"token": secrets.token_hex(16), "sha256": hashlib.sha256(data).hexdigest()}
        pending.update(meta)
        default_storage.save(self._name(pending), ContentFile(data))
        request.session[self.session_key] = pending
        return pending

    def load(self, request: HttpRequest) -> tuple[dict[str, Any] | None, bytes | None]:
        """What the session knows of the waiting workbook, and its bytes if they are still
        there and unchanged (None, None: nothing waits; meta, None: the file is gone or altered)."""
        pending: dict[str, Any] | None = request.session.get(self.session_key)
        if not pending:
            return None, None
        try:
            with default_storage.open(self._name(pending), "rb") as stored:
                data = stored.read()
        except OSError:  # FileNotFoundError, from the disk or the bucket
            return pending, None
        if hashlib.sha256(data).hexdigest() != pending["sha256"]:
            return pending, None
        return pending, data

    def forget(self, request: HttpRequest) -> dict[str, Any] | None:
        """Drop the waiting workbook from the session and the disk; what the session knew."""
        pending: dict[str, Any] | None = request.session.pop(self.session_key, None)
        if pending:
            default_storage.delete(self._name(pending))  # nothing happens if it is gone
        return pending

    def remove_stale(self) -> None:
        """Remove the uploads of this folder older than `keep`, whoever left them."""
        cutoff = timezone.now() - self.keep
        try:
            _folders, names = default_storage.listdir(self.folder)
        except FileNotFoundError:
            return  # nothing was ever kept here
        for name in names:
            if not name.endswith(".xlsx"):
                continue
            try:
                if default_storage.get_modified_time(f"{self.folder}/{name}") < cutoff:
                    default_storage.delete(f"{self.folder}/{name}")
            except OSError:
                pass  # removed meanwhile by another request
