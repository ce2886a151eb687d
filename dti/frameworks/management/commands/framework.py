"""dti framework check | list | export | import."""

from __future__ import annotations

import json
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DatabaseError
from django.utils import translation
from django.utils.translation import gettext as _

from dti.audit.trail import Actor
from dti.frameworks.actions import import_framework
from dti.frameworks.fileformat import LoadResult, builtin_codes, dump_yaml, load_file
from dti.frameworks.present import render_problem
from dti.frameworks.sources import load_source
from dti.scoring.numbers import CENT


def decimal_text(value: Decimal | None) -> str | None:
    return None if value is None else str(value.quantize(CENT))


class Command(BaseCommand):
    help = "Check, list, export and import frameworks (bộ chỉ số)."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        check = sub.add_parser("check", help="validate a framework file or code")
        check.add_argument("source", metavar="FILE_OR_CODE")
        check.add_argument("--json", action="store_true", help="print one JSON object")
        check.add_argument("--strict", action="store_true", help="treat warnings as errors")
        listing = sub.add_parser("list", help="list the frameworks")
        listing.add_argument("--json", action="store_true")
        export = sub.add_parser("export", help="write a framework as YAML or Excel")
        export.add_argument("code", metavar="CODE")
        export.add_argument("--format", choices=["yaml", "xlsx"], default="yaml")
        export.add_argument("-o", "--output", required=True, metavar="FILE")
        imp = sub.add_parser(
            "import", help="validate a framework file and store it in the database"
        )
        imp.add_argument("file", metavar="FILE")
        imp.add_argument("--strict", action="store_true", help="treat warnings as errors")
        for command in (check, listing, export, imp):
            command.add_argument(
                "--lang", default=None, help="language of the messages: vi (default) or en"
            )

    def handle(self, *args: Any, **options: Any) -> None:
        with translation.override(options["lang"] or settings.LANGUAGE_CODE):
            getattr(self, "handle_" + options["action"])(options)

    # ------------------------------------------------------------ check

    def handle_check(self, options: dict[str, Any]) -> None:
        result = load_source(options["source"], strict=options["strict"])
        if options["json"]:
            self.stdout.write(
                json.dumps(check_json(result, options["source"]), ensure_ascii=False, indent=2)
            )
        else:
            self.print_report(result, options["source"])
        if result.errors:
            sys.exit(1)

    def print_report(self, result: LoadResult, source: str) -> None:
        lang = translation.get_language() or "vi"
        fw = result.framework
        if fw is not None:
            self.stdout.write(f"{fw.code} — {fw.name}")
            self.stdout.write(
                "  "
                + _("%(total)s points, %(pillars)s pillars, %(leaves)s scored criteria")
                % {
                    "total": _points(fw.max, lang),
                    "pillars": len(fw.criteria),
                    "leaves": len(fw.leaves),
                }
            )
        else:
            self.stdout.write(source)
        labels = {"error": _("error"), "warning": _("warning"), "note": _("note")}
        for problem in result.problems:
            shown = render_problem(problem, lang)
            where = f"{shown['where']}: " if shown["where"] else ""
            style = (
                self.style.ERROR
                if problem.level == "error"
                else (self.style.WARNING if problem.level == "warning" else str)
            )
            self.stdout.write(style(f"  {labels[problem.level]}: {where}{shown['message']}"))
        self.stdout.write(
            "  "
            + _("%(errors)s errors, %(warnings)s warnings, %(notes)s notes")
            % {
                "errors": len(result.errors),
                "warnings": len(result.warnings),
                "notes": len(result.notes),
            }
        )

    # ------------------------------------------------------------ list

    def handle_list(self, options: dict[str, Any]) -> None:
        from dti.frameworks.models import Framework

        rows: list[dict[str, Any]] = []
        stored_codes: set[str] = set()
        try:
            for f in Framework.objects.order_by("code", "-version"):
                if f.code in stored_codes:
                    continue
                stored_codes.add(f.code)
                rows.append(
                    {
                        "code": f.code,
                        "name": f.name,
                        "level": f.level,
                        "year": f.year,
                        "version": f.version,
                        "total_max": decimal_text(f.total_max),
                        "leaf_count": f.leaf_count,
                        "source": "database",
                    }
                )
        except DatabaseError:  # no database yet: list the built-in files only
            rows, stored_codes = [], set()
        for code in builtin_codes():
            if code in stored_codes:
                continue
            result = load_source(code, database=False)
            fw = result.framework
            rows.append(
                {
                    "code": code,
                    "name": fw.name if fw else "",
                    "level": fw.level if fw else "",
                    "year": fw.year if fw else None,
                    "version": None,
                    "total_max": decimal_text(fw.max) if fw else None,
                    "leaf_count": len(fw.leaves) if fw else None,
                    "source": "builtin",
                }
            )
        if options["json"]:
            self.stdout.write(json.dumps(rows, ensure_ascii=False, indent=2))
            return
        lang = translation.get_language() or "vi"
        for row in rows:
            where = (
                _("built in, not imported")
                if row["source"] == "builtin"
                else _("version %(v)s") % {"v": row["version"]}
            )
            total = _points(Decimal(row["total_max"]), lang) if row["total_max"] else "?"
            self.stdout.write(
                f"{row['code']:<22} {total:>7}  {row['leaf_count'] or '':>4}  {row['name']}  ({where})"
            )

    # ------------------------------------------------------------ export

    def handle_export(self, options: dict[str, Any]) -> None:
        result = load_source(options["code"])
        if result.framework is None:
            self.print_report(result, options["code"])
            sys.exit(1)
        output = Path(options["output"])
        try:
            if options["format"] == "xlsx":
                from dti.frameworks.spreadsheet import write_workbook

                write_workbook(result.framework, output)
            else:
                output.write_text(dump_yaml(result.framework), encoding="utf-8")
        except OSError as exc:
            raise CommandError(
                _("cannot write %(file)s: %(reason)s") % {"file": output, "reason": exc.strerror}
            ) from None
        self.stdout.write(_("Wrote %(file)s") % {"file": output})

    # ------------------------------------------------------------ import

    def handle_import(self, options: dict[str, Any]) -> None:
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(_("there is no file “%(file)s”") % {"file": path})
        if path.stat().st_size > settings.DTI_FRAMEWORK_MAX_BYTES:
            raise CommandError(
                _("the file is too large (more than %(mb)s MB)")
                % {"mb": settings.DTI_FRAMEWORK_MAX_BYTES // 1024 // 1024}
            )
        result = load_file(path, strict=options["strict"])
        if result.errors:
            self.print_report(result, str(path))
            self.stderr.write(_("Nothing was imported."))
            sys.exit(1)
        framework, created = import_framework(
            result, Actor.command_line("framework import"), source_name=path.name
        )
        if result.warnings or result.notes:
            self.print_report(result, str(path))
        if created:
            self.stdout.write(
                _("Imported %(code)s as version %(version)s.")
                % {"code": framework.code, "version": framework.version}
            )
        else:
            self.stdout.write(
                _("%(code)s version %(version)s is already identical; nothing changed.")
                % {"code": framework.code, "version": framework.version}
            )


def _points(value: Decimal, lang: str) -> str:
    from dti.scoring.numbers import format_points

    return format_points(value, lang)


def check_json(result: LoadResult, source: str) -> dict[str, Any]:
    fw = result.framework

    def items(level: str) -> list[dict[str, str]]:
        return [render_problem(p) for p in result.problems if p.level == level]

    return {
        "code": fw.code if fw else (result.code or _guess_code(source)),
        "total_max": decimal_text(fw.max) if fw else None,
        "leaf_count": len(fw.leaves) if fw else None,
        "errors": items("error"),
        "warnings": items("warning"),
        "notes": items("note"),
    }


def _guess_code(source: str) -> str:
    return Path(source).stem
