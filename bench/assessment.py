"""Time the self-assessment page and its autosave, against a trivial view in the same run.

    .venv/bin/python bench/assessment.py [--repeat 50]

Builds a throw-away DTI (SQLite in a temporary directory) with the built-in frameworks and the
demo data, fills in a district's assessment on the 76-component framework (every criterion
answered, general information, evidence, departments), then measures with Django's test client,
as a signed-in data officer:

- rendering the assessment page (GET /assessments/<id>/),
- saving one answer through the JSON endpoint (POST /assessments/<id>/answers/<criterion>/),
- the home page "/" as the trivial view,

each over N repetitions after a warm-up: median and 95th percentile, and the ratio of the
medians to the trivial view's. Also the number of queries of each.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

OFFICER = "ubnd-huyen-gia-binh.canbo"  # UBND huyện Gia Bình, group 2: the 76-component framework


def setup(var_dir: str) -> None:
    os.environ["DJANGO_SETTINGS_MODULE"] = "dti.settings"
    os.environ["DTI_VAR_DIR"] = var_dir
    os.environ.pop("DATABASE_URL", None)
    os.environ.setdefault("DTI_DEBUG", "false")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def build() -> tuple[Any, Any]:
    """The demo data, and the district's assessment filled in as an officer would."""
    from dti.accounts.access import Access
    from dti.accounts.models import Role, User
    from dti.assessments import actions
    from dti.assessments.models import Assessment, Evidence
    from dti.audit.trail import Actor
    from dti.frameworks.models import Criterion
    from dti.periods.models import PeriodUnit
    from dti.web.demo import load_demo
    from dti.web.management.commands.demo import load_builtin_frameworks

    system = Actor(label="bench")
    load_builtin_frameworks(system)
    load_demo(system)
    officer = User.objects.get(username=OFFICER)
    unit = officer.roles.get().unit
    membership = PeriodUnit.objects.select_related("period", "group").get(
        unit=unit, period__year=2024
    )
    assessment = Assessment.objects.create(
        period=membership.period, unit=unit, group=membership.group
    )
    actor = Actor(officer, OFFICER)
    access = Access(officer, list(Role.objects.filter(user=officer).select_related("unit")))
    actions.save_general_info(
        actor,
        access,
        assessment,
        {
            "name": unit.name,
            "sub_units": 14,
            "civil_servants": 120,
            "public_employees": 380,
            "procedures": 90,
        },
        0,
    )
    leaves = list(
        Criterion.objects.filter(framework=membership.group.framework)
        .exclude(rule_type="")
        .order_by("position")
    )
    for index, criterion in enumerate(leaves):
        params = criterion.rule_params or {}
        kind = criterion.rule_type
        if kind == "yesno":
            inputs: dict[str, Any] = {"yes": index % 3 != 0}
        elif kind == "ratio" or (kind == "bands" and params.get("input") == "ratio"):
            inputs = (
                {"numerator": 7}
                if params.get("denominator_field")
                else {"numerator": 2, "denominator": 13}
            )
        elif kind == "bands":
            inputs = {"value": 75}
        elif kind == "count":
            inputs = {"count": 1}
        elif kind == "choice":
            inputs = {"choice": params["options"][0]["key"]}
        else:
            inputs = {"score": 1}
        actions.save_answer(
            actor, access, assessment, criterion, inputs, "Theo báo cáo năm 2024", 0
        )
    departments = list(unit.departments.all())
    for number, criterion in enumerate(leaves):
        if number % 4 == 0:
            actions.add_evidence(
                actor,
                access,
                assessment,
                Evidence(
                    kind=Evidence.Kind.DOCUMENT,
                    doc_number=f"{number}/QĐ-UBND",
                    summary="Quyết định",
                ),
                [criterion],
            )
    actions.assign_criteria(actor, access, assessment, leaves[::2], departments[0], departments[1:])
    return officer, assessment


def queries_of(call: Callable[[], Any]) -> int:
    from django.db import connection, reset_queries
    from django.test.utils import CaptureQueriesContext

    reset_queries()  # request_started empties the log; start from an empty one
    with CaptureQueriesContext(connection) as captured:
        call()
    return len(captured)


def measure(
    calls: dict[str, Callable[[], Any]], repeat: int, warmup: int = 3
) -> dict[str, list[float]]:
    """Milliseconds of each call, taken in turn (so that a busy machine slows them all alike)."""
    for _ in range(warmup):
        for call in calls.values():
            call()
    times: dict[str, list[float]] = {name: [] for name in calls}
    for _ in range(repeat):
        for name, call in calls.items():
            start = time.perf_counter()
            call()
            times[name].append((time.perf_counter() - start) * 1000)
    return times


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--repeat", type=int, default=50, help="repetitions of each measurement (default 50)"
    )
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="dti-bench-") as var_dir:
        setup(var_dir)
        from django.test import Client
        from django.urls import reverse

        officer, assessment = build()
        client = Client()
        client.force_login(officer)
        leaves = assessment.group.framework.criteria.exclude(rule_type="").count()
        form_url = reverse("assessments:form", args=[assessment.pk])
        criterion = assessment.group.framework.criteria.get(code="3.5")  # a 10-point ratio
        answer_url = reverse("assessments:save_answer", args=[assessment.pk, criterion.pk])
        version = assessment.answers.get(criterion=criterion).version
        numerators = iter(range(10**9))

        def home() -> None:
            assert client.get("/").status_code == 200

        def page() -> None:
            response = client.get(form_url)
            assert response.status_code == 200, response.status_code

        def save() -> None:
            nonlocal version
            body = {
                "inputs": {"numerator": next(numerators) % 13, "denominator": 13},
                "note": "",
                "version": version,
            }
            response = client.post(answer_url, json.dumps(body), content_type="application/json")
            assert response.status_code == 200, response.content
            version = response.json()["version"]

        print(
            f"assessment page of {assessment.unit.name}: {assessment.group.framework.name}, "
            f"{leaves} components, all answered; {args.repeat} repetitions each"
        )
        calls = {
            "trivial view (GET /)": home,
            "assessment page (GET)": page,
            "save one answer (POST JSON)": save,
        }
        queries = {name: queries_of(call) for name, call in calls.items()}
        times = measure(calls, args.repeat)
        base = statistics.median(times["trivial view (GET /)"])
        print(f"{'':30} {'median':>9} {'p95':>9} {'queries':>8} {'× trivial':>10}")
        for name, values in times.items():
            median = statistics.median(values)
            print(
                f"{name:30} {median:7.2f}ms {p95(values):7.2f}ms {queries[name]:8d} {median / base:9.1f}×"
            )


if __name__ == "__main__":
    main()
