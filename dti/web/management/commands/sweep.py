"""dti sweep — remove stored files that no record names.

    dti sweep                     remove the unnamed upload files older than an hour
    dti sweep --older-than 10     … older than ten minutes
    dti sweep --dry-run           only list them

A worker killed while it stores an upload (between writing the file and committing its row)
leaves a file that nothing refers to. ``scripts/serve`` sweeps at every start and the daily timer
of docs/deploy.md once a day; on the local disk or on S3-compatible storage. Files younger than
``--older-than`` minutes are left alone: their upload may still be committing (keep it above the
request timeout, DTI_TIMEOUT). The exit code is 0 when the sweep ran, 1 otherwise.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DatabaseError
from django.template.defaultfilters import filesizeformat
from django.utils import translation
from django.utils.translation import gettext as _

from dti.web.sweep import DEFAULT_AGE, sweep


def _minutes(text: str) -> int:
    try:
        minutes = int(text)
    except ValueError:
        minutes = -1
    if minutes < 0:
        raise CommandError(_("--older-than takes a number of minutes, such as 60."))
    return minutes


class Command(BaseCommand):
    help = "Remove stored upload files that no record names (left by an interrupted upload)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--older-than",
            metavar="MINUTES",
            default=str(int(DEFAULT_AGE.total_seconds() // 60)),
            help="leave files younger than this alone (default: 60)",
        )
        parser.add_argument("--dry-run", action="store_true", help="list them, remove nothing")
        parser.add_argument(
            "--lang", default=None, help="language of the messages: vi (default) or en"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        with translation.override(options["lang"] or settings.LANGUAGE_CODE):
            age = datetime.timedelta(minutes=_minutes(options["older_than"]))
            dry_run = options["dry_run"]
            try:
                result = sweep(age, dry_run=dry_run)
            except (OSError, DatabaseError) as error:
                raise CommandError(
                    _("The stored files could not be swept (%(error)s).") % {"error": error}
                ) from error
            for orphan in result.removed:
                self.stdout.write(
                    ("  " + _("would remove") if dry_run else "  " + _("removed"))
                    + f" {orphan.name} ({filesizeformat(orphan.size)}, "
                    f"{orphan.modified.astimezone(datetime.UTC):%Y-%m-%d %H:%M} UTC)"
                )
            for name, error in result.failed:
                self.stderr.write(self.style.ERROR(f"  {name}: {error}"))
            text = (
                _(
                    "%(stored)s stored files checked; %(count)s that no record names would be "
                    "removed (%(size)s); %(young)s younger than %(minutes)s minutes left alone."
                )
                if dry_run
                else _(
                    "%(stored)s stored files checked; %(count)s that no record names removed "
                    "(%(size)s); %(young)s younger than %(minutes)s minutes left alone."
                )
            )
            self.stdout.write(
                text
                % {
                    "stored": result.stored,
                    "count": len(result.removed),
                    "size": filesizeformat(result.freed),
                    "young": len(result.young),
                    "minutes": int(age.total_seconds() // 60),
                }
            )
            if result.failed:
                raise CommandError(
                    _("%(count)s files could not be removed.") % {"count": len(result.failed)}
                )
