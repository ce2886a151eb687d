"""Shared test setup: no network, fast hashing, the built-in frameworks loaded once."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from typing import Any

import pytest

LOOPBACK = ("127.0.0.1", "::1", "localhost")


def _guard(original: Any) -> Any:
    def connect(self: socket.socket, address: Any) -> Any:
        if self.family in (socket.AF_INET, socket.AF_INET6) and address[0] not in LOOPBACK:
            raise OSError(f"tests may not reach the network ({address[0]})")
        return original(self, address)

    return connect


@pytest.fixture(autouse=True, scope="session")
def no_network() -> Iterator[None]:
    """Block every connection that leaves this machine; loopback (the database, the live server) stays."""
    original_connect, original_connect_ex = socket.socket.connect, socket.socket.connect_ex
    socket.socket.connect = _guard(original_connect)  # type: ignore[method-assign]
    socket.socket.connect_ex = _guard(original_connect_ex)  # type: ignore[method-assign]
    yield
    socket.socket.connect, socket.socket.connect_ex = original_connect, original_connect_ex  # type: ignore[method-assign]


@pytest.fixture(autouse=True)
def fast_settings(settings: Any, tmp_path: Any) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.MEDIA_ROOT = tmp_path / "media"
    from django.core.cache import cache

    cache.clear()  # e.g. the API's request counts: ids repeat from one test to the next


@pytest.fixture
def builtin_frameworks(db: None) -> dict[str, Any]:
    """The four built-in frameworks imported as `dti demo` does."""
    from dti.audit.trail import Actor
    from dti.frameworks.models import Framework
    from dti.web.management.commands.demo import load_builtin_frameworks

    load_builtin_frameworks(Actor(label="test"))
    return {f.code: f for f in Framework.objects.all()}


class Personas:
    """The fixed cast of STYLE.md: an administrator, an appraiser, a data officer and a leader of
    unit A, a department staffer of unit A, a data officer of unit B, and an anonymous visitor."""

    NAMES = ("admin", "appraiser", "officer_a", "leader_a", "staff_a", "officer_b", "anonymous")

    def __init__(self) -> None:
        from dti.accounts.actions import grant_role
        from dti.accounts.models import Role, User
        from dti.audit.trail import Actor
        from dti.units.models import Department, Unit

        system = Actor(label="test")
        self.unit_a = Unit.objects.create(
            name="Sở Tư pháp", code="stp", kind=Unit.Kind.DEPARTMENT, position=1
        )
        self.unit_b = Unit.objects.create(
            name="Sở Y tế", code="syt", kind=Unit.Kind.DEPARTMENT, position=2
        )
        self.department_a = Department.objects.create(
            unit=self.unit_a, name="Văn phòng", position=1
        )
        self.users: dict[str, Any] = {}
        cast = {
            "admin": (Role.Kind.ADMIN, None, None),
            "appraiser": (Role.Kind.APPRAISER, None, None),
            "officer_a": (Role.Kind.DATA_OFFICER, self.unit_a, None),
            "leader_a": (Role.Kind.LEADER, self.unit_a, None),
            "staff_a": (Role.Kind.DEPARTMENT_STAFF, None, self.department_a),
            "officer_b": (Role.Kind.DATA_OFFICER, self.unit_b, None),
        }
        for name, (kind, unit, department) in cast.items():
            user = User.objects.create_user(
                username=name, password="mật-khẩu-thử-nghiệm", full_name=name.title()
            )
            grant_role(system, user, kind, unit=unit, department=department)
            self.users[name] = user

    def client(self, name: str) -> Any:
        from django.test import Client

        client = Client()
        if name != "anonymous":
            client.force_login(self.users[name])
        return client


@pytest.fixture
def personas(db: None) -> Personas:
    return Personas()


CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """One headless Debian Chromium for the whole run, driven by Playwright (never a downloaded browser)."""
    import os
    import shutil

    from playwright.sync_api import sync_playwright

    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"  # Playwright's sync API runs an event loop
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=shutil.which("chromium") or "/usr/bin/chromium", args=CHROMIUM_ARGS
        )
        yield chromium
        chromium.close()
