"""dti backup — the database and every stored file in one archive.

    dti backup                 writes dti-backup-YYYYMMDD-HHMMSS.zip in the current folder
    dti backup -o FILE         writes FILE (never over an existing one)

The archive (a ZIP; its layout is in ``dti.web.backup``) is written to a temporary file next to
FILE and renamed when complete, so a failed backup leaves nothing behind. It holds password
hashes and every evidence file: it is created readable by its owner only. The exit code is 0
when the archive was written, 1 otherwise.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DatabaseError
from django.template.defaultfilters import filesizeformat
from django.utils import translation
from django.utils.translation import gettext as _

from dti.web.backup import BackupError, default_name, write_backup


class Command(BaseCommand):
    help = "Write the database and every stored file (evidence, reports …) to one archive."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "-o",
            "--output",
            metavar="FILE",
            help="the archive to write (default: dti-backup-YYYYMMDD-HHMMSS.zip here)",
        )
        parser.add_argument(
            "--lang", default=None, help="language of the messages: vi (default) or en"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        with translation.override(options["lang"] or settings.LANGUAGE_CODE):
            path = Path(options["output"] or default_name())
            try:
                summary = write_backup(path)
            except BackupError as error:
                raise CommandError(str(error)) from None
            except (OSError, DatabaseError) as error:
                raise CommandError(
                    _("The backup could not be written (%(error)s); nothing was left behind.")
                    % {"error": error}
                ) from error
            if summary.missing:
                self.stderr.write(
                    self.style.WARNING(
                        _(
                            "%(count)s files the database refers to are missing from the media "
                            "folder (listed in the manifest), first: %(first)s"
                        )
                        % {"count": len(summary.missing), "first": summary.missing[0]}
                    )
                )
            self.stdout.write(
                _(
                    "Backup written: %(rows)s rows from %(tables)s tables, %(files)s files "
                    "(%(file_size)s), archive of %(size)s: %(path)s"
                )
                % {
                    "rows": summary.rows,
                    "tables": summary.tables,
                    "files": summary.files,
                    "file_size": filesizeformat(summary.file_bytes),
                    "size": filesizeformat(summary.archive_bytes),
                    "path": path.resolve(),
                }
            )
