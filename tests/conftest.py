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


@pytest.fixture
def builtin_frameworks(db: None) -> dict[str, Any]:
    """The four built-in frameworks imported as `dti demo` does."""
    from dti.audit.trail import Actor
    from dti.frameworks.models import Framework
    from dti.web.management.commands.demo import load_builtin_frameworks

    load_builtin_frameworks(Actor(label="test"))
    return {f.code: f for f in Framework.objects.all()}
