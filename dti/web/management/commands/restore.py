"""dti restore — bring back a `dti backup` archive into an empty database.

    dti restore FILE           into an empty database (migrated, nothing else)
    dti restore FILE --force   erase the database first, and replace differing stored files

"Empty" means no rows other than the content types and permissions that `dti migrate` creates
(and sessions). The database must be migrated to exactly the migrations the archive was made
with. Everything is checked before anything changes; the data goes in in one transaction; the
files are written to MEDIA_ROOT only after that and are removed again if it fails. The sequences
are reset, so new rows get fresh ids. Everyone is signed out. The exit code is 0 when the archive
was restored, 1 when it was refused (nothing changed).
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

from dti.web.backup import BackupError, restore_backup


class Command(BaseCommand):
    help = "Restore a `dti backup` archive into an empty database and the media folder."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("archive", metavar="FILE", help="an archive written by dti backup")
        parser.add_argument(
            "--force",
            action="store_true",
            help="erase the database first if it holds data, and replace stored files that differ",
        )
        parser.add_argument(
            "--lang", default=None, help="language of the messages: vi (default) or en"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        with translation.override(options["lang"] or settings.LANGUAGE_CODE):
            path = Path(options["archive"])
            try:
                summary = restore_backup(path, force=options["force"])
            except BackupError as error:
                raise CommandError(str(error)) from None
            except (OSError, DatabaseError) as error:
                raise CommandError(
                    _("The backup could not be restored (%(error)s). Nothing was restored.")
                    % {"error": error}
                ) from error
            manifest = summary.manifest
            self.stdout.write(
                _(
                    "Restored %(rows)s rows in %(tables)s tables and %(files)s files "
                    "(%(file_size)s) from %(path)s, made %(created)s by DTI %(dti)s on "
                    "%(vendor)s."
                )
                % {
                    "rows": summary.rows,
                    "tables": summary.tables,
                    "files": summary.files,
                    "file_size": filesizeformat(summary.file_bytes),
                    "path": path,
                    "created": manifest.get("created_at", "?"),
                    "dti": manifest.get("dti_version", "?"),
                    "vendor": manifest.get("database", {}).get("vendor", "?"),
                }
            )
