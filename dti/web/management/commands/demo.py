"""dti demo — load the built-in frameworks and the demo data (idempotent)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from dti.audit.trail import Actor
from dti.frameworks.actions import import_framework
from dti.frameworks.fileformat import BUILTIN_DIR, load_file


def load_builtin_frameworks(actor: Actor) -> list[tuple[str, int, bool]]:
    """Import every built-in framework; an unchanged one is left as it is."""
    loaded = []
    for path in sorted(BUILTIN_DIR.glob("*.yaml")):
        framework, created = import_framework(
            load_file(path), actor, source_name=path.name, builtin=True
        )
        loaded.append((framework.code, framework.version, created))
    return loaded


class Command(BaseCommand):
    help = "Load the built-in frameworks and the demo data."

    def handle(self, *args: Any, **options: Any) -> None:
        actor = Actor.command_line("demo")
        for code, version, created in load_builtin_frameworks(actor):
            state = _("imported") if created else _("already up to date")
            self.stdout.write(f"{code} v{version}: {state}")
        from dti.web.demo import DEMO_PASSWORD, load_demo

        made = load_demo(actor)
        self.stdout.write(
            _("Demo data: %(units)s units, %(people)s people, %(periods)s periods created.") % made
        )
        self.stdout.write(
            _(
                "Demo accounts (password “%(password)s”): quantri (administrator), thamdinh1 (council chair), thamdinh2 (appraiser of group 1), "
                "stp.canbo (data officer of Sở Tư pháp), stp.lanhdao (its leader), stp.thanhtra (its Thanh tra staff), bancd (steering committee)."
            )
            % {"password": DEMO_PASSWORD}
        )
