"""Score and rank a synthetic national period, against a one-query SQL baseline.

    .venv/bin/python bench/scoring.py [--units 5000] [--framework bacninh-huyen]

Prints the time to score every unit's 76 components through the scoring
package and rank them (in total and per pillar), the time of the baseline —
the same totals by one SQL GROUP BY over pre-scored leaves in SQLite, with
ranks by window function — both in the same process, and their ratio.
Also the process's peak resident memory, and how much the scoring run added.
"""

from __future__ import annotations

import argparse
import random
import resource
import sqlite3
import sys
import time
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from dti.frameworks.fileformat import builtin_path, load_file
from dti.scoring import Framework, rank, rank_by_pillar, score


def synthetic_answers(
    framework: Framework, units: int, seed: int = 2024
) -> list[dict[str, dict[str, object]]]:
    rng = random.Random(seed)
    general = {"civil_servants": 120, "public_employees": 380, "sub_units": 14, "procedures": 90}
    period = []
    for _ in range(units):
        answers: dict[str, dict[str, object]] = {}
        for leaf in framework.leaves:
            rule = leaf.rule
            assert rule is not None
            if rule.type == "yesno":
                answers[leaf.code] = {"yes": rng.random() < 0.7}
            elif rule.type == "ratio":
                if "denominator_field" in rule.params:
                    fields = rule.params["denominator_field"]
                    keys = [fields] if isinstance(fields, str) else fields
                    denominator = sum(general[k] for k in keys)
                    answers[leaf.code] = {"numerator": rng.randint(0, denominator)}
                else:
                    denominator = rng.randint(1, 500)
                    answers[leaf.code] = {
                        "numerator": rng.randint(0, denominator),
                        "denominator": denominator,
                    }
            elif rule.type == "bands":
                answers[leaf.code] = {"value": rng.randint(0, 100)}
            elif rule.type == "count":
                answers[leaf.code] = {"count": rng.randint(0, 800)}
            elif rule.type == "choice":
                answers[leaf.code] = {"choice": rng.choice(rule.params["options"])["key"]}
            elif rule.type == "manual":
                answers[leaf.code] = {"score": str(rng.randint(0, int(leaf.effective_max)))}
        period.append(answers)
    return [{"__general__": general, **a} for a in period]  # type: ignore[dict-item]


def run_engine(
    framework: Framework, period: list[dict[str, dict[str, object]]]
) -> tuple[dict[int, Decimal], float]:
    start = time.perf_counter()
    results = {}
    for unit, answers in enumerate(period):
        general = answers["__general__"]
        results[unit] = score(
            framework, {k: v for k, v in answers.items() if k != "__general__"}, general
        )
    totals = {unit: result.total for unit, result in results.items()}
    ranks = rank(totals)
    pillar_ranks = rank_by_pillar(results)
    elapsed = time.perf_counter() - start
    assert len(ranks) == len(pillar_ranks) == len(period)
    return totals, elapsed


def run_baseline(
    framework: Framework, period_totals_source: list[dict[str, Decimal]]
) -> tuple[dict[int, Decimal], float, float]:
    """Pre-scored leaves in SQLite; totals and ranks by one GROUP BY query with a window function."""
    db = sqlite3.connect(":memory:")
    db.execute("CREATE TABLE leaf_score (unit INTEGER, pillar TEXT, code TEXT, cents INTEGER)")
    rows = [
        (unit, code.split(".")[0], code, int(points * 100))
        for unit, leaves in enumerate(period_totals_source)
        for code, points in leaves.items()
    ]
    load_start = time.perf_counter()
    db.executemany("INSERT INTO leaf_score VALUES (?, ?, ?, ?)", rows)
    db.commit()
    load_time = time.perf_counter() - load_start
    start = time.perf_counter()
    query = (
        "SELECT unit, SUM(cents) AS total, RANK() OVER (ORDER BY SUM(cents) DESC) "
        "FROM leaf_score GROUP BY unit"
    )
    totals = {unit: Decimal(total) / 100 for unit, total, _rank in db.execute(query)}
    pillar_query = (
        "SELECT unit, pillar, RANK() OVER (PARTITION BY pillar ORDER BY SUM(cents) DESC) "
        "FROM leaf_score GROUP BY unit, pillar"
    )
    pillar_ranks = db.execute(pillar_query).fetchall()
    elapsed = time.perf_counter() - start
    assert len(pillar_ranks) == len(totals) * len(framework.criteria)
    return totals, elapsed, load_time


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--units", type=int, default=5000)
    parser.add_argument("--framework", default="bacninh-huyen")
    args = parser.parse_args()

    path = builtin_path(args.framework)
    assert path is not None, args.framework
    framework = load_file(path).framework
    assert framework is not None
    period = synthetic_answers(framework, args.units)
    print(
        f"framework {framework.code}: {len(framework.leaves)} components, {args.units} units "
        f"({len(framework.leaves) * args.units:,} leaf scores)"
    )

    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    totals, engine_time = run_engine(framework, period)
    rss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss

    # The baseline needs the leaves pre-scored: take them from the engine, outside the timing.
    leaves = []
    for answers in period:
        result = score(
            framework,
            {k: v for k, v in answers.items() if k != "__general__"},
            answers["__general__"],
        )
        leaves.append(
            {leaf.code: result.nodes[leaf.code].score or Decimal(0) for leaf in framework.leaves}
        )
    sql_totals, sql_time, load_time = run_baseline(framework, leaves)
    assert sql_totals == totals, "the baseline must agree with the engine"

    print(
        f"scoring package: score + rank (total and per pillar): {engine_time:8.3f} s "
        f"({engine_time / args.units * 1000:.3f} ms per unit); peak RSS {rss_after / 1024:.0f} MiB "
        f"(+{(rss_after - rss_before) / 1024:.0f} MiB while scoring)"
    )
    print(
        f"baseline SQL GROUP BY + RANK() over pre-scored leaves: {sql_time:8.3f} s "
        f"(loading {len(framework.leaves) * args.units:,} rows took {load_time:.3f} s more)"
    )
    print(f"ratio engine / baseline: {engine_time / sql_time:.1f}×")


if __name__ == "__main__":
    main()
