"""dti createadmin — the first administrator (or one more), from the server's command line.

    dti createadmin quantri --full-name "Nguyễn Văn Quản" --email quantri@bacninh.gov.vn

Makes the account with a temporary password, printed once, that the person changes at first
sign-in, and gives it DTI's administrator role; both through the account actions, so the audit
trail records them (source "dti createadmin"). For an account that exists already it only gives
the role. The exit code is 0 when the person is an administrator afterwards, 1 otherwise.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _

from dti.accounts.actions import create_user, grant_role
from dti.accounts.models import Role, User
from dti.audit.trail import Actor


class Command(BaseCommand):
    help = "Make an administrator account (the first one, typically), with a temporary password."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username", help="the user name to sign in with")
        parser.add_argument("--full-name", default="", help="the person's full name")
        parser.add_argument("--email", default="", help="the person's e-mail address")
        parser.add_argument(
            "--lang", default=None, help="language of the messages: vi (default) or en"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        with translation.override(options["lang"] or settings.LANGUAGE_CODE):
            username = options["username"].strip()
            try:
                UnicodeUsernameValidator()(username)
            except ValidationError:
                raise CommandError(
                    _(
                        "“%(name)s” cannot be a user name: use letters, digits and @ . + - _ "
                        "only, with no spaces."
                    )
                    % {"name": username}
                ) from None
            actor = Actor.command_line("createadmin")
            with transaction.atomic():
                user = User.objects.filter(username=username).first()
                password = None
                if user is None:
                    user, password = create_user(
                        actor, username, options["full_name"].strip(), email=options["email"]
                    )
                grant_role(actor, user, Role.Kind.ADMIN)
            if password is None:
                self.stdout.write(
                    _("%(name)s already had an account; it now has the administrator role.")
                    % {"name": username}
                )
                return
            self.stdout.write(
                _(
                    "Administrator %(name)s created. Temporary password (shown only now; it "
                    "must be changed at the first sign-in): %(password)s"
                )
                % {"name": username, "password": password}
            )
