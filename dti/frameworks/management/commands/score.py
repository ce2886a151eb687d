"""dti score FRAMEWORK ANSWERS.yaml — score a unit's answers offline, with no database."""

from __future__ import annotations

import json
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser
from django.utils import translation
from django.utils.translation import gettext as _

from dti.frameworks.fileformat import Place, read_yaml
from dti.frameworks.present import render_problem
from dti.frameworks.sources import load_source
from dti.scoring import score
from dti.scoring.numbers import CENT, format_points
from dti.scoring.problems import Problem, gettext_noop


def read_answers(path: Path) -> tuple[dict[str, Any], dict[str, Any], list[Problem]]:
    """Read ANSWERS.yaml: criterion code -> inputs, and an optional ``general_info`` mapping."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = getattr(exc, "strerror", None) or str(exc)
        return (
            {},
            {},
            [
                Problem(
                    "error",
                    gettext_noop("cannot read the answers file: %(reason)s"),
                    {"reason": reason},
                )
            ],
        )
    document, problems = read_yaml(text)
    if problems:
        return {}, {}, problems
    if document is None:
        document = Place()
    if not isinstance(document, Mapping):
        return (
            {},
            {},
            [
                Problem(
                    "error",
                    gettext_noop("the answers file must map criterion codes to their inputs"),
                )
            ],
        )
    general = document.get("general_info") or {}
    answers_part = document.get("answers", document)
    answers: dict[str, Any] = {}
    for code, inputs in answers_part.items():
        if code in ("general_info", "answers"):
            continue
        line = (
            answers_part.key_places.get(code, (None, None))[0]
            if isinstance(answers_part, Place)
            else None
        )
        if not isinstance(inputs, Mapping):
            problems.append(
                Problem(
                    "error",
                    gettext_noop("the inputs of “%(code)s” must be a mapping such as {yes: true}"),
                    {},
                    code=code,
                    line=line,
                )
            )
            continue
        answers[str(code)] = dict(inputs)
    if not isinstance(general, Mapping):
        problems.append(
            Problem("error", gettext_noop("“general_info” must map field keys to values"))
        )
        general = {}
    return answers, dict(general), problems


class Command(BaseCommand):
    help = "Score a unit's answers against a framework, offline (no database)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "framework", metavar="FRAMEWORK", help="a framework file or a built-in code"
        )
        parser.add_argument("answers", metavar="ANSWERS.yaml")
        parser.add_argument("--json", action="store_true", help="print one JSON object")
        parser.add_argument(
            "--lang", default=None, help="language of the messages: vi (default) or en"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        with translation.override(options["lang"] or settings.LANGUAGE_CODE):
            self.run(options)

    def run(self, options: dict[str, Any]) -> None:
        loaded = load_source(options["framework"], database=False)
        if loaded.framework is None:
            for problem in loaded.errors:
                shown = render_problem(problem)
                self.stderr.write(
                    f"{options['framework']}: {shown['where'] + ': ' if shown['where'] else ''}{shown['message']}"
                )
            sys.exit(1)
        answers, general, problems = read_answers(Path(options["answers"]))
        if any(p.level == "error" for p in problems):
            for problem in problems:
                shown = render_problem(problem)
                self.stderr.write(
                    f"{options['answers']}: {shown['where'] + ': ' if shown['where'] else ''}{shown['message']}"
                )
            sys.exit(1)
        framework = loaded.framework
        result = score(framework, answers, general)
        errors = [render_problem(p) for p in result.problems if p.level == "error"]
        if options["json"]:
            payload: dict[str, Any] = {
                "total": str(result.total.quantize(CENT)),
                "max": str(result.max.quantize(CENT)),
                "dti": str(result.dti),
                "nodes": {
                    code: {
                        "score": None if node.score is None else str(node.score.quantize(CENT)),
                        "max": str(node.max.quantize(CENT)),
                    }
                    for code, node in result.nodes.items()
                    if node.status != "info"
                },
            }
            if errors:
                payload["errors"] = errors
            self.stdout.write(json.dumps(payload, ensure_ascii=False, indent=2))
        else:
            lang = translation.get_language() or "vi"
            for node in framework.walk():
                scored = result.nodes[node.code]
                if scored.status == "info":
                    continue
                depth = node.code.count(".")
                shown = _("n/a") if scored.score is None else format_points(scored.score, lang)
                self.stdout.write(
                    f"{'  ' * depth}{node.code:<10} {shown:>8} / {format_points(scored.max, lang):<6} {node.title[:70]}"
                )
            self.stdout.write(
                _("Total: %(total)s / %(max)s points — DTI %(dti)s")
                % {
                    "total": format_points(result.total, lang),
                    "max": format_points(result.max, lang),
                    "dti": format_points(result.dti, lang),
                }
            )
            for error in errors:
                self.stderr.write(f"{error['where']}: {error['message']}")
        if errors:
            sys.exit(1)
