"""dti remind — the steering committee's overdue reports and tasks; with --send, e-mail each member.

    dti remind                     list them, as of now
    dti remind --date 2023-06-11   as of the start of that day (local time)
    dti remind --year 2023         the plan of that year (default: the current plan)
    dti remind --send              also e-mail every responsible member one message with theirs

Listing never e-mails anyone: sending is asked for with ``--send`` (in a daily cron job, for
instance), through Django's mail settings. The exit code is 0 when the list was made (and the
mail sent); 1 when the arguments are wrong or the mail could not be sent.
"""

from __future__ import annotations

import datetime
import smtplib
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from dti.periods.deadlines import province_zone
from dti.steering import board


def _date(text: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(text)
    except ValueError:
        raise CommandError(
            _("--date must be a date written YYYY-MM-DD, such as 2023-06-11.")
        ) from None


def _day(day: datetime.date) -> str:
    return day.strftime("%d/%m/%Y")


def _member(user: Any) -> str:
    return f"{user.full_name or user.username} ({user.username})"


def report_line(overdue: Any) -> str:
    item = overdue.item
    what = (
        _("Target %(code)s") % {"code": item.code}
        if item.KIND == "target"
        else _("Task %(code)s") % {"code": item.code}
    )
    text = item.indicator if item.KIND == "target" else item.title
    return _("%(what)s — quarter %(quarter)s/%(year)s, due %(due)s — %(text)s") % {
        "what": what,
        "quarter": overdue.quarter,
        "year": overdue.year,
        "due": _day(overdue.due),
        "text": " ".join(text.split())[:120],
    }


def task_line(row: Any) -> str:
    task = row.item
    return _("Task %(code)s — deadline %(due)s — %(text)s") % {
        "code": task.code,
        "due": _day(task.deadline),
        "text": " ".join(task.title.split())[:120],
    }


class Command(BaseCommand):
    help = "List the steering committee's overdue quarterly reports and tasks; --send e-mails them."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--date", help="evaluate as of the start of this day (YYYY-MM-DD)")
        parser.add_argument(
            "--year", type=int, help="the plan of this year (default: the current one)"
        )
        parser.add_argument(
            "--send",
            action="store_true",
            help="e-mail every responsible member one message listing their overdue items",
        )
        parser.add_argument(
            "--lang", default=None, help="language of the list and the e-mails: vi (default) or en"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        with translation.override(options["lang"] or settings.LANGUAGE_CODE):
            self.remind(options)

    def remind(self, options: dict[str, Any]) -> None:
        if options["date"]:
            day = _date(options["date"])
            now = datetime.datetime.combine(day, datetime.time(0), tzinfo=province_zone())
        else:
            now = timezone.now()
            day = timezone.localdate(now)
        plan = board.current_plan(day, options["year"])
        if plan is None:
            self.stdout.write(_("There is no plan of the steering committee to check."))
            return
        found = board.build_board(plan, now)
        self.stdout.write(_("%(plan)s — as of %(date)s") % {"plan": plan.name, "date": _day(day)})
        self.stdout.write(_("Reports overdue: %(count)s") % {"count": len(found.overdue)})
        for overdue in found.overdue:
            self.stdout.write(f"  {report_line(overdue)} — {_member(overdue.item.lead_member)}")
        tasks = found.overdue_tasks
        self.stdout.write(_("Tasks past their deadline: %(count)s") % {"count": len(tasks)})
        for row in tasks:
            self.stdout.write(f"  {task_line(row)} — {_member(row.item.lead_member)}")
        if options["send"]:
            self.send(plan, found, day)

    def send(self, plan: Any, found: board.Board, day: datetime.date) -> None:
        mails = []
        for member, owed in found.by_member().items():
            if not member.email:
                self.stdout.write(
                    _("Not e-mailed (no e-mail address): %(member)s") % {"member": _member(member)}
                )
                continue
            lines = [
                _("Dear %(name)s,") % {"name": member.full_name or member.username},
                "",
                _("As of %(date)s, these items of “%(plan)s” that you lead are waiting for you:")
                % {"date": _day(day), "plan": plan.name},
                "",
            ]
            if owed["reports"]:
                lines.append(_("Quarterly reports overdue:"))
                lines += [f"- {report_line(overdue)}" for overdue in owed["reports"]]
                lines.append("")
            if owed["tasks"]:
                lines.append(_("Tasks past their deadline:"))
                lines += [f"- {task_line(row)}" for row in owed["tasks"]]
                lines.append("")
            lines.append(
                _("Report in DTI, under “Steering committee” › “My targets and tasks” (%(path)s).")
                % {"path": "/steering/mine/"}
            )
            subject = _("DTI: %(count)s steering-committee items overdue") % {
                "count": len(owed["reports"]) + len(owed["tasks"])
            }
            mails.append(EmailMessage(subject, "\n".join(lines), to=[member.email]))
        try:
            with get_connection() as connection:
                sent = connection.send_messages(mails) if mails else 0
        except (OSError, smtplib.SMTPException) as error:
            raise CommandError(
                _("The e-mails could not be sent (%(error)s); check the mail settings.")
                % {"error": error}
            ) from error
        self.stdout.write(_("E-mails sent: %(count)s") % {"count": sent or 0})
