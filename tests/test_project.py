"""The project itself: migrations, translations, no CDN."""

from __future__ import annotations

import subprocess
from io import StringIO
from pathlib import Path

import polib
import pytest
from django.core.management import call_command
from django.utils import translation

ROOT = Path(__file__).parent.parent


@pytest.mark.django_db
def test_no_missing_migrations() -> None:
    out = StringIO()
    call_command("makemigrations", "--check", "--dry-run", stdout=out, stderr=out)


def test_vietnamese_catalog_is_complete_and_compiled() -> None:
    po_path = ROOT / "dti" / "locale" / "vi" / "LC_MESSAGES" / "django.po"
    catalog = polib.pofile(str(po_path))
    assert catalog.untranslated_entries() == []
    assert catalog.fuzzy_entries() == []
    assert po_path.with_suffix(".mo").exists(), "run `dti compiletranslations`"


def test_translations_are_used() -> None:
    with translation.override("vi"):
        assert translation.gettext("Frameworks") == "Bộ chỉ số"
        assert translation.gettext("warning") == "cảnh báo"
    with translation.override("en"):
        assert translation.gettext("Frameworks") == "Frameworks"


def test_every_gettext_string_is_in_the_catalog() -> None:
    """A new UI string without its Vietnamese translation fails here (run makemessages)."""
    po_path = ROOT / "dti" / "locale" / "vi" / "LC_MESSAGES" / "django.po"
    known = {entry.msgid for entry in polib.pofile(str(po_path))}
    sources = [p for p in (ROOT / "dti").rglob("*.py") if "migrations" not in p.parts]
    import ast

    missing = []
    for path in sources:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id in ("_", "gettext", "gettext_noop", "gettext_lazy")
                and node.args
                and isinstance(node.args[0], ast.Constant)
                and isinstance(node.args[0].value, str)
                and node.args[0].value not in known
            ):
                missing.append(f"{path.relative_to(ROOT)}: {node.args[0].value}")
    assert missing == []


def test_the_jinja2_lists_hold_no_words_of_their_own() -> None:
    """The lists drawn by Jinja2 (dti/web/jinja.py) take every word from the view, where
    ``makemessages`` finds it; a word typed into one of them would never be translated."""
    import re

    import jinja2

    lexer = jinja2.Environment(autoescape=True)  # only its lexer is used
    templates = sorted((ROOT / "dti").rglob("jinja2/**/*.jinja"))
    assert len(templates) >= 2
    words = []
    for path in templates:
        # The text Jinja2 copies as it is, each tag or expression a mark; then no HTML tags.
        text = "".join(
            value if kind == "data" else "\x00" if kind.endswith("_begin") else ""
            for _line, kind, value in lexer.lex(path.read_text(encoding="utf-8"))
        )
        text = re.sub(r"<[^>]*>|&\w+;", " ", text)
        words += [f"{path.name}: {word}" for word in re.findall(r"[^\W\d_]{2,}", text)]
    assert words == []


def test_no_cdn_anywhere() -> None:
    found = subprocess.run(
        [
            "git",
            "grep",
            "-l",
            "-I",
            "-E",
            r"cdn\.jsdelivr|unpkg\.com|cdnjs\.|fonts\.googleapis|code\.jquery",
            "--",
            ":!*.md",
            ":!tests/*",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert found.stdout == ""
