"""Where an upload too large to keep in memory waits while its request runs: an unnamed
temporary file, which disappears with the process however the process ends.

Django's own handler spools such uploads (over ``FILE_UPLOAD_MAX_MEMORY_SIZE``, 2.5 MB) to a named
file, ``tmp<random>.upload.pdf``, and deletes it when the request ends; a worker killed meanwhile
(SIGKILL, out of memory, gunicorn's timeout) leaves it behind for good. An unnamed file
(``O_TMPFILE``, or unlinked as soon as it is made) has no name to leave behind. The storage copies
it in chunks, as it does an upload kept in memory (``bench/deadline_day.py --fault kill-worker``).
"""

from __future__ import annotations

import tempfile
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.core.files.uploadhandler import FileUploadHandler


class UnnamedTemporaryFileUploadHandler(FileUploadHandler):
    """Spool an upload to an unnamed file in ``FILE_UPLOAD_TEMP_DIR`` (the system's by default)."""

    def new_file(self, *args: Any, **kwargs: Any) -> None:
        super().new_file(*args, **kwargs)
        self.file = UploadedFile(
            tempfile.TemporaryFile(dir=settings.FILE_UPLOAD_TEMP_DIR),  # noqa: SIM115 - the request closes it
            name=self.file_name,
            content_type=self.content_type,
            size=0,
            charset=self.charset,
            content_type_extra=self.content_type_extra,
        )

    def receive_data_chunk(self, raw_data: bytes, start: int) -> None:
        self.file.write(raw_data)

    def file_complete(self, file_size: int) -> UploadedFile:
        self.file.seek(0)
        self.file.size = file_size
        return self.file

    def upload_interrupted(self) -> None:
        if hasattr(self, "file"):
            self.file.close()
