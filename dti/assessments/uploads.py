"""Checks on an evidence file before anything is stored: its size, and its type by content.

The extension must agree with what the bytes are: a PDF starts with ``%PDF-``, a DOCX/XLSX is a
zip holding an Office main part, an ODT is a zip whose first entry ``mimetype`` says so, a JPEG
starts with FF D8 FF and a PNG with its 8-byte signature. Anything else, in particular a program
renamed ``.pdf``, is refused with a message that says what the file really is. The name the user
gave is kept for display only; the file is stored under a random name (``evidence_path``).
"""

from __future__ import annotations

import hashlib
import unicodedata
import zipfile
from dataclasses import dataclass
from typing import IO

from django.core.files.uploadedfile import UploadedFile
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

#: Longest original name kept for display.
MAX_NAME_CHARS = 200
#: A DOCX/XLSX/ODT may expand to at most this many bytes, in total, when unzipped …
ZIP_MAX_UNCOMPRESSED = 100 * 1024 * 1024
#: … and, once it expands beyond ``ZIP_RATIO_FLOOR``, at most this many times its packed size.
ZIP_MAX_RATIO = 100
ZIP_RATIO_FLOOR = 10 * 1024 * 1024
ZIP_MAX_ENTRIES = 10_000
#: Parts read to recognise a zip document are read up to this many bytes.
ZIP_PART_READ = 1024 * 1024


@dataclass(frozen=True)
class FileType:
    key: str
    label: str
    content_type: str
    extensions: tuple[str, ...]
    inline: bool  # may be shown in the browser (preview) rather than downloaded


PDF = FileType("pdf", "PDF", "application/pdf", (".pdf",), True)
DOCX = FileType(
    "docx",
    "DOCX",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    (".docx",),
    False,
)
XLSX = FileType(
    "xlsx",
    "XLSX",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    (".xlsx",),
    False,
)
ODT = FileType("odt", "ODT", "application/vnd.oasis.opendocument.text", (".odt",), False)
JPG = FileType("jpg", "JPG", "image/jpeg", (".jpg", ".jpeg"), True)
PNG = FileType("png", "PNG", "image/png", (".png",), True)
TYPES = (PDF, DOCX, XLSX, ODT, JPG, PNG)
BY_EXTENSION = {ext: t for t in TYPES for ext in t.extensions}
LABELS = {t.content_type: t.label for t in TYPES}
INLINE_CONTENT_TYPES = frozenset(t.content_type for t in TYPES if t.inline)
ACCEPT = ",".join(ext for t in TYPES for ext in t.extensions)  # for <input type="file" accept=…>

_MAIN_PARTS = {
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml": (
        DOCX,
        "word/",
    ),
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml": (XLSX, "xl/"),
}
_ODT_MIMETYPE = b"application/vnd.oasis.opendocument.text"

# What a refused file really is, for the message.
_PROGRAM = gettext_lazy("a program (executable)")
_SCRIPT = gettext_lazy("a script")
_ZIP = gettext_lazy("a zip archive that is not a DOCX, XLSX or ODT document")
_MACROS = gettext_lazy("a document with macros")
_UNKNOWN = gettext_lazy("of an unrecognised type")


class Rejected(Exception):
    """The file is refused; the message says why, in the user's language."""


@dataclass(frozen=True)
class CheckedFile:
    """What the checks found: the name to display, the type, the size and the SHA-256."""

    upload: UploadedFile
    name: str
    type: FileType
    size: int
    sha256: str


def display_name(raw: str | None) -> str:
    """The user's file name, for display only: no directories, no control or invisible
    formatting characters (such as the right-to-left override), at most ``MAX_NAME_CHARS``."""
    name = unicodedata.normalize("NFC", raw or "")
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch) not in ("Cc", "Cf", "Zl", "Zp"))
    name = " ".join(name.split()).lstrip(". ")
    if not name:
        return "file"
    if len(name) > MAX_NAME_CHARS:
        stem, dot, ext = name.rpartition(".")
        if dot and 0 < len(ext) <= 10:
            name = stem[: MAX_NAME_CHARS - len(ext) - 1].rstrip() + "." + ext
        else:
            name = name[:MAX_NAME_CHARS]
    return name


def extension_of(name: str) -> str:
    _stem, dot, ext = name.rpartition(".")
    return "." + ext.lower() if dot else ""


def check_upload(upload: UploadedFile, max_bytes: int) -> CheckedFile:
    """Check one uploaded file; raise ``Rejected`` with a clear message, or describe it.

    The size is checked before the content is read; the content is then read in chunks
    (hashing it on the way), never whole into memory.
    """
    name = display_name(upload.name)
    expected = BY_EXTENSION.get(extension_of(name))
    if expected is None:
        raise Rejected(
            _(
                "The file “%(name)s” is not an accepted type: send PDF, DOCX, XLSX, ODT, JPG or PNG files."
            )
            % {"name": name}
        )
    declared = upload.size or 0
    if declared > max_bytes:
        raise Rejected(_too_large(name, declared, max_bytes))
    digest = hashlib.sha256()
    size = 0
    head = b""
    for chunk in upload.chunks():
        size += len(chunk)
        if size > max_bytes:
            raise Rejected(_too_large(name, size, max_bytes))
        if len(head) < 16:
            head += chunk[: 16 - len(head)]
        digest.update(chunk)
    if size == 0:
        raise Rejected(_("The file “%(name)s” is empty.") % {"name": name})
    found = _sniff(head, upload, name)
    if found is not expected:
        what = (
            _("a %(type)s file") % {"type": found.label}
            if isinstance(found, FileType)
            else str(found)
        )
        raise Rejected(
            _("The file “%(name)s” is not a %(expected)s file: its content is %(found)s.")
            % {"name": name, "expected": expected.label, "found": what}
        )
    upload.seek(0)
    return CheckedFile(upload, name, expected, size, digest.hexdigest())


def _too_large(name: str, size: int, limit: int) -> str:
    return _("The file “%(name)s” is too large (%(size)s); the limit is %(limit)s.") % {
        "name": name,
        "size": filesizeformat(size),
        "limit": filesizeformat(limit),
    }


def _sniff(head: bytes, upload: UploadedFile, name: str) -> FileType | object:
    """The type the content shows, or a phrase saying what it is instead."""
    if head.startswith(b"%PDF-"):
        return PDF
    if head.startswith(b"\xff\xd8\xff"):
        return JPG
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head.startswith(
        (b"MZ", b"\x7fELF", b"\xfe\xed\xfa", b"\xcf\xfa\xed\xfe", b"\xce\xfa\xed\xfe")
    ):
        return _PROGRAM
    if head.startswith(b"#!"):
        return _SCRIPT
    if head.startswith(b"PK\x03\x04"):
        upload.seek(0)
        return _sniff_zip(upload.file, name)  # type: ignore[arg-type]
    return _UNKNOWN


def _sniff_zip(stream: IO[bytes], name: str) -> FileType | object:
    """DOCX, XLSX or ODT by their parts; zip bombs and broken archives are refused."""
    try:
        with zipfile.ZipFile(stream) as archive:
            entries = archive.infolist()
            if len(entries) > ZIP_MAX_ENTRIES:
                raise Rejected(
                    _("The file “%(name)s” holds too many parts to be a document.") % {"name": name}
                )
            unpacked = sum(e.file_size for e in entries)
            packed = sum(e.compress_size for e in entries)
            if unpacked > ZIP_MAX_UNCOMPRESSED or (
                unpacked > ZIP_RATIO_FLOOR and unpacked > ZIP_MAX_RATIO * max(packed, 1)
            ):
                raise Rejected(
                    _(
                        "The file “%(name)s” expands to %(size)s when unpacked; it is refused as a possible zip bomb."
                    )
                    % {"name": name, "size": filesizeformat(unpacked)}
                )
            names = {e.filename for e in entries}
            if entries and entries[0].filename == "mimetype":
                if _read(archive, "mimetype").strip() == _ODT_MIMETYPE:
                    return ODT
                return _ZIP
            if "[Content_Types].xml" in names:
                types = _read(archive, "[Content_Types].xml")
                if b"macroEnabled" in types or any(
                    n.lower().endswith("vbaproject.bin") for n in names
                ):
                    return _MACROS
                for content_type, (kind, folder) in _MAIN_PARTS.items():
                    if content_type.encode() in types and any(n.startswith(folder) for n in names):
                        return kind
            return _ZIP
    except Rejected:
        raise
    except (
        zipfile.BadZipFile,
        zipfile.LargeZipFile,
        NotImplementedError,
        EOFError,
        OSError,
        ValueError,
    ):
        return _("a damaged zip archive")


def _read(archive: zipfile.ZipFile, name: str) -> bytes:
    with archive.open(name) as part:
        return part.read(ZIP_PART_READ)
