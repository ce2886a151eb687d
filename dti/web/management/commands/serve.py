"""dti serve — run DTI on this machine (http://127.0.0.1:8000 by default)."""

from __future__ import annotations

from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser


class Command(BaseCommand):
    help = "Run DTI at http://127.0.0.1:8000 (migrating the database first)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("addrport", nargs="?", default="127.0.0.1:8000")

    def handle(self, *args: Any, **options: Any) -> None:
        call_command("migrate", interactive=False, verbosity=0)
        call_command("runserver", options["addrport"], use_reloader=False, use_threading=True)
