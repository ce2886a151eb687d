"""Results at scale, each against a plain baseline run in the same process.

    .venv/bin/python bench/results.py [--part all|ranking|workbook|annex] [--units 5000]
                                      [--workbook-units 200] [--repeat 3]

(a) ranking — 5,000 districts' appraised results on the 76-component framework
    (``bacninh-huyen``, plausible random answers, fixed seed) through the scoring package:
    scoring, ranking, rank per pillar and classification into the demo's bands, as
    ``dti.results.actions.compute_results`` does them; against one SQLite query over the same
    pre-scored pillar totals (SUM, RANK() in total and per pillar, a CASE for the band).
(b) workbook — ``dti.results.exports.results_workbook`` for 200 units × 76 criteria, their
    ``UnitResult`` rows written directly into a throw-away SQLite DTI; against openpyxl writing
    the same cells (same sheets, same values) with no styles.
(c) annex — ``dti.results.annex.annex_pdf`` for 25 units (17 departments on ``bacninh-so``,
    8 districts on ``bacninh-huyen``, as the demo); against a plain reportlab document holding
    the same table cells, same font, no charts.

Each part runs in its own process, so that each peak resident memory is its own.
"""

from __future__ import annotations

import argparse
import datetime
import importlib.util
import io
import os
import resource
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from dti.frameworks.fileformat import builtin_path, load_file  # noqa: E402
from dti.scoring import Band, Framework, Result, classify, rank, rank_by_pillar, score  # noqa: E402
from dti.scoring.numbers import round_points  # noqa: E402

#: The demo's classification (dti.web.demo.DEMO_BANDS): least share of the maximum, in percent.
BANDS = [("Xuất sắc", 90), ("Tốt", 75), ("Khá", 65), ("Trung bình", 50), ("Kém", 0)]


def _synthetic_answers() -> Callable[..., list[dict[str, dict[str, object]]]]:
    """bench/scoring.py's generator of plausible answers, so both benches score the same data."""
    spec = importlib.util.spec_from_file_location("bench_scoring", ROOT / "bench" / "scoring.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    generator: Callable[..., list[dict[str, dict[str, object]]]] = module.synthetic_answers
    return generator


def score_all(framework: Framework, units: int, seed: int = 2024) -> list[Result]:
    period = _synthetic_answers()(framework, units, seed)
    return [
        score(framework, {k: v for k, v in a.items() if k != "__general__"}, a["__general__"])
        for a in period
    ]


def peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def median_time(call: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    """The median seconds of ``repeat`` calls after one warm-up call, and the last result."""
    result = call()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        result = call()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def scoring_bands(maximum: Decimal) -> list[Band]:
    return [Band(label, Decimal(least) * maximum / 100) for label, least in BANDS]


# ------------------------------------------------------------ (a) ranking


def builtin(code: str) -> Framework:
    path = builtin_path(code)
    assert path is not None, code
    framework = load_file(path).framework
    assert framework is not None, code
    return framework


def part_ranking(units: int) -> None:
    framework = builtin("bacninh-huyen")
    period = _synthetic_answers()(framework, units)
    bands = scoring_bands(framework.max)
    print(
        f"(a) ranking: {units:,} units on {framework.code}, {len(framework.leaves)} components, "
        f"{len(framework.criteria)} pillars"
    )
    rss_before = peak_mib()
    start = time.perf_counter()
    results = {
        unit: score(framework, {k: v for k, v in a.items() if k != "__general__"}, a["__general__"])
        for unit, a in enumerate(period)
    }
    scored = time.perf_counter()
    ranks = rank({unit: result.total for unit, result in results.items()})
    pillar_ranks = rank_by_pillar(results)
    bands_of = {unit: classify(result.total, bands) for unit, result in results.items()}
    done = time.perf_counter()
    rss_after = peak_mib()
    scoring_time, ranking_time = scored - start, done - scored

    # The baseline starts from what the engine computed: each unit's pillar totals, in cents.
    db = sqlite3.connect(":memory:")
    db.execute("CREATE TABLE pillar_score (unit INTEGER, pillar TEXT, cents INTEGER)")
    db.executemany(
        "INSERT INTO pillar_score VALUES (?, ?, ?)",
        [
            (unit, code, int(points * 100))
            for unit, result in results.items()
            for code, points in result.pillar_scores().items()
        ],
    )
    db.commit()
    db.execute("CREATE TABLE band (label TEXT, least INTEGER)")
    db.executemany("INSERT INTO band VALUES (?, ?)", [(b.label, int(b.min * 100)) for b in bands])
    total_query = (
        "WITH totals AS (SELECT unit, SUM(cents) AS total FROM pillar_score GROUP BY unit) "
        "SELECT unit, RANK() OVER (ORDER BY total DESC), "
        "(SELECT label FROM band WHERE least <= total ORDER BY least DESC LIMIT 1) FROM totals"
    )
    pillar_query = (
        "SELECT unit, pillar, RANK() OVER (PARTITION BY pillar ORDER BY cents DESC) "
        "FROM pillar_score"
    )

    def baseline() -> tuple[list[Any], list[Any]]:
        return db.execute(total_query).fetchall(), db.execute(pillar_query).fetchall()

    sql_time, (sql_totals, sql_pillars) = median_time(baseline, 3)
    assert {u: r for u, r, _b in sql_totals} == ranks, "the baseline must agree with the engine"
    assert {u: b for u, _r, b in sql_totals} == bands_of
    assert {(u, p): r for u, p, r in sql_pillars} == {
        (u, p): r for u, by_pillar in pillar_ranks.items() for p, r in by_pillar.items()
    }

    engine = scoring_time + ranking_time
    print(
        f"    scoring package, score:                       {scoring_time:8.3f} s "
        f"({scoring_time / units * 1000:.3f} ms per unit)"
    )
    print(
        f"    scoring package, rank + per pillar + classify: {ranking_time:8.3f} s "
        f"({ranking_time / units * 1000:.4f} ms per unit)"
    )
    print(
        f"    baseline, SQL RANK() in total and per pillar + band look-up, pre-scored pillars: "
        f"{sql_time:.3f} s"
    )
    print(
        f"    ratios: ranking / baseline {ranking_time / sql_time:.1f}×; "
        f"score + ranking / baseline {engine / sql_time:.1f}×"
    )
    print(
        f"    peak RSS {rss_after:.0f} MiB (+{rss_after - rss_before:.0f} MiB while scoring "
        f"{units:,} units)"
    )


# ------------------------------------------------------------ a throw-away DTI


def setup_django(var_dir: str) -> None:
    os.environ["DJANGO_SETTINGS_MODULE"] = "dti.settings"
    os.environ["DTI_VAR_DIR"] = var_dir
    os.environ.pop("DATABASE_URL", None)
    os.environ.setdefault("DTI_DEBUG", "false")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def build_period(groups: list[tuple[str, str, int]]) -> Any:
    """An approved period whose groups ((name, framework code, units)) have results written
    directly, shaped as ``compute_results`` writes them, from synthetic answers scored by the
    scoring package (another seed for the self-assessment)."""
    from dti.assessments.models import Assessment
    from dti.audit.trail import Actor
    from dti.frameworks.models import Framework as FrameworkRow
    from dti.frameworks.store import to_scoring
    from dti.periods import actions as period_actions
    from dti.periods.models import Period
    from dti.results.models import ResultSettings, UnitResult
    from dti.units.models import Unit
    from dti.web.management.commands.demo import load_builtin_frameworks

    actor = Actor(label="bench")
    load_builtin_frameworks(actor)
    period = period_actions.create_period(
        actor,
        year=2023,
        name="Đánh giá chỉ số DTI năm 2023",
        data_start=datetime.date(2022, 10, 1),
        data_end=datetime.date(2023, 9, 30),
        submission_deadline=datetime.date(2023, 10, 10),
    )
    ResultSettings.objects.create(
        period=period, bands=[{"label": label, "min": str(least)} for label, least in BANDS]
    )
    position = 0
    for number, (name, code, count) in enumerate(groups, 1):
        framework_row = FrameworkRow.objects.get(code=code)
        kind = Unit.Kind.DEPARTMENT if code == "bacninh-so" else Unit.Kind.DISTRICT
        units = []
        for n in range(1, count + 1):
            position += 1
            prefix = "Sở Thử nghiệm" if kind == Unit.Kind.DEPARTMENT else "UBND huyện Thử nghiệm"
            units.append(
                Unit(name=f"{prefix} số {n}", code=f"g{number}-{n}", kind=kind, position=position)
            )
        units = Unit.objects.bulk_create(units)
        group = period_actions.set_group(actor, period, number, name, framework_row, units)
        model = to_scoring(framework_row)
        appraised = score_all(model, count, seed=2023 + number)
        own = score_all(model, count, seed=3023 + number)
        ranks = rank({i: r.total for i, r in enumerate(appraised)})
        pillar_ranks = rank_by_pillar(dict(enumerate(appraised)))
        assessments = Assessment.objects.bulk_create(
            [Assessment(period=period, unit=unit, group=group) for unit in units]
        )

        def text(value: Decimal | None) -> str | None:
            return None if value is None else str(round_points(value))

        rows = []
        for i, (unit, assessment) in enumerate(zip(units, assessments, strict=True)):
            result = appraised[i]
            rows.append(
                UnitResult(
                    period=period,
                    group=group,
                    unit=unit,
                    assessment=assessment,
                    total=result.total,
                    maximum=result.max,
                    dti=result.dti,
                    self_total=own[i].total,
                    rank=ranks[i],
                    group_size=count,
                    band=classify(result.total, scoring_bands(result.max)) or "",
                    pillars=[
                        {
                            "code": root.code,
                            "title": root.title,
                            "score": text(result.nodes[root.code].score or Decimal(0)),
                            "max": text(result.nodes[root.code].max),
                            "rank": pillar_ranks[i].get(root.code),
                        }
                        for root in model.criteria
                        if root.counts
                    ],
                    scores={
                        c: text(node.score)
                        for c, node in result.nodes.items()
                        if node.status != "info"
                    },
                    self_scores={
                        c: text(node.score)
                        for c, node in own[i].nodes.items()
                        if node.status != "info"
                    },
                )
            )
        UnitResult.objects.bulk_create(rows)
    Period.objects.filter(pk=period.pk).update(status=Period.Status.APPROVED)
    period.refresh_from_db()
    return period


def queries_of(call: Callable[[], Any]) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        call()
    return len(captured)


# ------------------------------------------------------------ (b) the results workbook


def part_workbook(units: int, repeat: int) -> None:
    try:
        from dti.results.exports import results_workbook
    except ImportError:
        print("(b) workbook: skipped: dti.results.exports not available")
        return
    from openpyxl import Workbook, load_workbook

    period = build_period([("Nhóm 2: Các huyện, thị xã, thành phố", "bacninh-huyen", units)])
    leaves = len(builtin("bacninh-huyen").leaves)
    rss_before = peak_mib()
    workbook_time, data = median_time(lambda: results_workbook(period), repeat)
    rss_after = peak_mib()
    queries = queries_of(lambda: results_workbook(period))

    # The same cells, read back (outside the timing), written plainly: no styles, no formats,
    # no widths, no comments, no freezing.
    opened = load_workbook(io.BytesIO(data))
    sheets = [
        (sheet.title, [[c.value for c in row] for row in sheet.iter_rows()])
        for sheet in opened.worksheets
    ]
    cells = sum(1 for _t, rows in sheets for row in rows for v in row if v is not None)

    def plain() -> bytes:
        book = Workbook()
        book.remove(book.active)
        for title, rows in sheets:
            sheet = book.create_sheet(title)
            for row in rows:
                sheet.append(row)
        buffer = io.BytesIO()
        book.save(buffer)
        return buffer.getvalue()

    plain_time, plain_data = median_time(plain, repeat)
    print(
        f"(b) workbook: {units} units × {leaves} criteria: {len(sheets)} sheets, "
        f"{cells:,} cells filled; {len(data) / 1024:.0f} KiB ({len(plain_data) / 1024:.0f} KiB "
        f"plain); median of {repeat}"
    )
    print(
        f"    results_workbook: {workbook_time:8.3f} s ({workbook_time / units * 1000:.1f} ms per "
        f"unit), {queries} queries"
    )
    print(f"    baseline, openpyxl writing the same cells plainly: {plain_time:8.3f} s")
    print(f"    ratio workbook / baseline: {workbook_time / plain_time:.1f}×")
    print(f"    peak RSS {rss_after:.0f} MiB (+{rss_after - rss_before:.0f} MiB while exporting)")


# ------------------------------------------------------------ (c) the annex PDF


def part_annex(repeat: int) -> None:
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.platypus import SimpleDocTemplate, Table, TableStyle

    from dti.charts import register_fonts
    from dti.charts.fonts import REGULAR
    from dti.results.annex import annex_pdf
    from dti.results.models import UnitResult

    period = build_period(
        [
            ("Nhóm 1: Các sở, ban, ngành", "bacninh-so", 17),
            ("Nhóm 2: Các huyện, thị xã, thành phố", "bacninh-huyen", 8),
        ]
    )
    units = UnitResult.objects.filter(period=period).count()
    rss_before = peak_mib()
    annex_time, data = median_time(lambda: annex_pdf(period), repeat)
    rss_after = peak_mib()
    queries = queries_of(lambda: annex_pdf(period))

    # The same table cells, as text, in one plain table per group: no charts, no headers
    # repeated, no page numbers, no layout decisions.
    register_fonts()
    tables: list[list[list[str]]] = []
    for group in period.groups.order_by("number"):
        results = list(
            UnitResult.objects.filter(group=group).select_related("unit").order_by("rank")
        )
        header = ["Xếp hạng", "Đơn vị", *(p["title"] for p in results[0].pillars)]
        header += ["Tổng điểm", "Giá trị DTI", "Xếp loại"]
        rows = [header]
        for r in results:
            rows.append(
                [
                    str(r.rank),
                    r.unit.name,
                    *(p["score"].replace(".", ",") for p in r.pillars),
                    f"{r.total:.2f}".replace(".", ","),
                    f"{r.dti:.4f}".replace(".", ","),
                    r.band,
                ]
            )
        tables.append(rows)

    def plain() -> bytes:
        buffer = io.BytesIO()
        document = SimpleDocTemplate(buffer, pagesize=A4, invariant=1)
        flowables = []
        for rows in tables:
            table = Table(rows, repeatRows=1)
            table.setStyle(
                TableStyle(
                    [
                        ("FONT", (0, 0), (-1, -1), REGULAR, 6),
                        ("GRID", (0, 0), (-1, -1), 0.5, colors.black),
                    ]
                )
            )
            flowables.append(table)
        document.build(flowables)
        return buffer.getvalue()

    plain_time, plain_data = median_time(plain, repeat)
    from pypdf import PdfReader

    pages = len(PdfReader(io.BytesIO(data)).pages)
    print(
        f"(c) annex: {units} units in 2 groups: {pages} pages, {len(data) / 1024:.0f} KiB "
        f"({len(plain_data) / 1024:.0f} KiB plain); median of {repeat}"
    )
    print(
        f"    annex_pdf: {annex_time:8.3f} s ({annex_time / units * 1000:.1f} ms per unit), "
        f"{queries} queries"
    )
    print(f"    baseline, a plain reportlab table of the same cells: {plain_time:8.3f} s")
    print(f"    ratio annex / baseline: {annex_time / plain_time:.1f}×")
    print(f"    peak RSS {rss_after:.0f} MiB (+{rss_after - rss_before:.0f} MiB while rendering)")


# ------------------------------------------------------------ running


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--part", choices=["all", "ranking", "workbook", "annex"], default="all")
    parser.add_argument("--units", type=int, default=5000, help="units ranked in (a)")
    parser.add_argument("--workbook-units", type=int, default=200, help="units in (b)")
    parser.add_argument("--repeat", type=int, default=3, help="timed runs of (b) and (c)")
    args = parser.parse_args()

    if args.part == "all":
        for part in ("ranking", "workbook", "annex"):
            command = [sys.executable, __file__, "--part", part, "--units", str(args.units)]
            command += ["--workbook-units", str(args.workbook_units), "--repeat", str(args.repeat)]
            subprocess.run(command, check=True)
        return
    if args.part == "ranking":
        part_ranking(args.units)
        return
    with tempfile.TemporaryDirectory(prefix="dti-bench-") as var_dir:
        setup_django(var_dir)
        if args.part == "workbook":
            part_workbook(args.workbook_units, args.repeat)
        else:
            part_annex(max(args.repeat, 5))


if __name__ == "__main__":
    main()
