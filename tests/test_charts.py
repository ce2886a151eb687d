"""Charts: the same scene drawn as SVG for the screen and as a reportlab Drawing for the PDF."""

from __future__ import annotations

import itertools
import xml.etree.ElementTree as ET
from decimal import Decimal as D
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader
from reportlab.graphics import renderPDF
from reportlab.graphics import shapes as rl

from dti.charts import (
    WEB_WIDTH,
    Chart,
    RankingRow,
    Series,
    heatmap,
    radar,
    ranking_bars,
    to_drawing,
    to_svg,
    trend,
)
from dti.charts.fonts import text_width, truncate, wrap
from dti.charts.palette import BAR, contrast, sequential
from dti.charts.scene import Circle, Group, Polygon, Rect, Text, clean_text, walk

SVG = "{http://www.w3.org/2000/svg}"
VHTTDL = "Sở Văn hoá, Thể thao và Du lịch"
UNITS = [
    VHTTDL,
    "Sở Tư pháp",
    "Sở Y tế",
    "Sở Nông nghiệp và Phát triển nông thôn",
    "Ban Quản lý các khu công nghiệp tỉnh Bắc Ninh",
    "Sở Lao động - Thương binh và Xã hội",
]
PILLARS = [
    "Nhận thức số",
    "Thể chế số",
    "Hạ tầng số",
    "Nhân lực số",
    "An toàn thông tin mạng",
    "Hoạt động chuyển đổi số",
]
MAXIMA = [D(100), D(100), D(150), D(150), D(200), D(300)]
VALUES = [
    [D("46.67"), D("83"), D("91.5"), D("70.5"), D("194"), D("114")],
    [D("95"), D("43"), D("100.5"), D("75"), D("196"), D("276")],
    [D("84"), D("90"), D("52.5"), D("138"), D("138"), D("192")],
    [D("48"), D("75"), D("57"), D("55.5"), D("76"), D("108")],
    [D("0"), D("62"), D("133.5"), D("57"), D("126"), D("300")],
    [D("98"), D("64"), None, D("96"), D("126"), D("279")],
]


def ranking_rows() -> list[RankingRow]:
    return [
        RankingRow(1, "Sở Tư pháp", D("846.67")),
        RankingRow(2, VHTTDL, D("812.4")),
        RankingRow(2, "Sở Y tế", D("812.4")),  # a shared rank
        RankingRow(4, "Ban Quản lý các khu công nghiệp tỉnh Bắc Ninh", D("46.67")),
        RankingRow(None, "Sở Ngoại vụ", None),
    ]


def sample_ranking(**options: Any) -> Chart:
    return ranking_bars(
        ranking_rows(), D(1000), "Xếp hạng DTI năm 2024", average=D("629.54"), **options
    )


def sample_radar(**options: Any) -> Chart:
    series = [
        Series("Sở Tư pháp", VALUES[0]),
        Series("Trung bình khối", [D("72.5"), D("70"), D("90"), D("80"), D("150"), D("200")]),
        Series("Cao nhất khối", [D("98"), D("90"), D("133.5"), D("138"), D("196"), D("300")]),
    ]
    return radar(PILLARS, series, MAXIMA, "Sở Tư pháp so với khối", **options)


def sample_heatmap(**options: Any) -> Chart:
    return heatmap(
        UNITS, PILLARS, VALUES, MAXIMA, "Điểm theo chỉ số chính", legend_label="Tỷ lệ", **options
    )


def sample_trend(**options: Any) -> Chart:
    unit = Series("Sở Tư pháp", [D("612.5"), D("701.25"), None, D("812.4"), D("846.67")])
    average = Series("Trung bình khối", [D("650"), D("690.1"), D("720"), D("760.55"), D("790")])
    return trend(
        [2020, 2021, 2022, 2023, 2024],
        [unit, average],
        "Điểm DTI qua các năm",
        maximum=D(1000),
        **options,
    )


def all_samples() -> list[Chart]:
    charts = []
    for width in (482, WEB_WIDTH):
        charts += [
            sample_ranking(width=width, highlight="Sở Y tế"),
            sample_radar(width=width),
            sample_heatmap(width=width),
            sample_trend(width=width),
        ]
    return charts


def parse(chart: Chart) -> ET.Element:
    return parse_svg(to_svg(chart))


def parse_svg(svg: str) -> ET.Element:
    return ET.fromstring(svg)  # noqa: S314 - our own output, not untrusted input


def svg_texts(root: ET.Element) -> list[str]:
    return [el.text or "" for el in root.iter(f"{SVG}text")]


def tooltips(root: ET.Element) -> list[str]:
    return [el.text or "" for el in root.iter(f"{SVG}g") for el in el.findall(f"{SVG}title")]


# --- SVG -----------------------------------------------------------------------------------


def test_ranking_bars_svg() -> None:
    root = parse(sample_ranking(width=WEB_WIDTH))
    assert root.tag == f"{SVG}svg"
    assert root.get("role") == "img"
    assert root.get("aria-label") == "Xếp hạng DTI năm 2024"
    assert root.findtext(f"{SVG}title") == "Xếp hạng DTI năm 2024"
    assert "DejaVu Sans" in (root.get("font-family") or "")
    assert root.get("viewBox") == f"0 0 {WEB_WIDTH} {root.get('height')}"
    bars = [r for r in root.iter(f"{SVG}rect") if r.get("fill") == BAR]
    assert len(bars) == 4  # the unit without a value has no bar
    texts = svg_texts(root)
    assert VHTTDL in texts
    assert "46,67" in texts and "812,4" in texts and "846,67" in texts
    assert texts.count("2") >= 2  # the shared rank, twice
    assert "—" in texts  # no value, no rank
    assert "2. Sở Văn hoá, Thể thao và Du lịch: 812,4" in tooltips(root)
    assert "1000" in texts and "0" in texts  # the scale
    assert "Sở Tư pháp: 846,67" in (root.findtext(f"{SVG}desc") or "")


def test_ranking_bars_in_english_use_a_decimal_point() -> None:
    texts = svg_texts(parse(sample_ranking(lang="en")))
    assert "46.67" in texts and "46,67" not in texts


def test_long_names_are_cut_but_whole_in_the_tooltip() -> None:
    name = "Ban Quản lý các khu công nghiệp tỉnh Bắc Ninh và các cụm công nghiệp liên quan"
    rows = [RankingRow(1, name, D("900")), RankingRow(2, "Sở Y tế", D("800"))]
    root = parse(ranking_bars(rows, D(1000), "Xếp hạng"))
    shown = [t for t in svg_texts(root) if t.startswith("Ban Quản lý")]
    assert len(shown) == 1 and shown[0].endswith("…") and len(shown[0]) < len(name)
    assert f"1. {name}: 900" in tooltips(root)


def test_highlight_sets_one_unit_apart() -> None:
    chart = sample_ranking(highlight="Sở Y tế")
    bold = [s.text for s in walk(chart.children) if isinstance(s, Text) and s.weight == "bold"]
    assert "Sở Y tế" in bold and VHTTDL not in bold
    accent = [s for s in walk(chart.children) if isinstance(s, Rect) and s.fill == "#c8102e"]
    assert len(accent) == 1
    by_key = ranking_bars(
        [RankingRow(1, "Sở Y tế", D(5), key="syt"), RankingRow(2, "Sở Y tế", D(4), key="x")],
        D(10),
        "Hai đơn vị cùng tên",
        highlight="x",
    )
    accent = [s for s in walk(by_key.children) if isinstance(s, Rect) and s.fill == "#c8102e"]
    assert len(accent) == 1 and accent[0].width < 0.9 * max(
        s.width for s in walk(by_key.children) if isinstance(s, Rect) and s.fill == BAR
    )


def test_text_is_escaped() -> None:
    name = 'Sở <b>"X"</b> & Co'
    svg = to_svg(ranking_bars([RankingRow(1, name, D(5))], D(10), "A & B < C"))
    assert "<b>" not in svg and "&lt;b&gt;" in svg and "&amp; Co" in svg
    root = parse_svg(svg)
    assert name in svg_texts(root)
    assert root.get("aria-label") == "A & B < C"


def test_svg_is_self_contained() -> None:
    for chart in all_samples():
        svg = to_svg(chart)
        lowered = svg.lower()
        for forbidden in (
            "<script",
            "href",
            "url(",
            "style=",
            "<image",
            "<foreignobject",
            "@import",
        ):
            assert forbidden not in lowered
        assert lowered.count("http") == 1  # the namespace only
        assert svg.count("<svg") == 1 and ' id="' not in svg  # inline many per page, no clashes


def test_same_input_same_bytes() -> None:
    first = [to_svg(chart) for chart in all_samples()]
    second = [to_svg(chart) for chart in all_samples()]
    assert first == second
    assert all_samples() == all_samples()


def test_radar_svg() -> None:
    chart = sample_radar()
    root = parse(chart)
    texts = svg_texts(root)
    for label in ("Nhận thức số", "Thể chế số", "Sở Tư pháp", "Trung bình khối", "Cao nhất khối"):
        assert label in texts
    assert "46,67 / 100" in texts  # the unit's value on its axis
    assert "25%" in texts and "100%" in texts
    # Told apart without colour: three line patterns and three marker shapes.
    patterns = {
        el.get("stroke-dasharray")
        for el in itertools.chain(root.iter(f"{SVG}polygon"), root.iter(f"{SVG}line"))
        if el.get("stroke-width") in ("2.2", "1.6")
    }
    assert patterns == {None, "5 3", "1.5 2"}
    shapes = walk(chart.children)
    circles = [s for s in shapes if isinstance(s, Circle) and s.fill == "#0b3a6e"]
    squares = [s for s in shapes if isinstance(s, Rect) and s.fill == "#5b6675"]
    triangles = [s for s in shapes if isinstance(s, Polygon) and len(s.points) == 3]
    assert (len(circles), len(squares), len(triangles)) == (6 + 1, 6 + 1, 6 + 1)  # + legend
    tinted = [s for s in shapes if isinstance(s, Polygon) and s.fill_opacity < 1]
    assert len(tinted) == 1


def test_radar_with_a_gap_and_per_axis_or_single_maximum() -> None:
    gap = Series("Đơn vị", [D(50), None, D(120), D(100), D(150), D(200)])
    chart = radar(PILLARS, [gap], MAXIMA, "Có khoảng trống")
    shapes = walk(chart.children)
    assert not [s for s in shapes if isinstance(s, Polygon) and s.fill_opacity < 1]
    assert len([s for s in shapes if isinstance(s, Circle) and s.fill == "#0b3a6e"]) == 5 + 1
    single = radar(["A", "B", "C"], [Series("X", [D(1), D(2), D(3)])], D(4), "Một mức")
    assert "3 / 4" in svg_texts(parse(single))
    with pytest.raises(ValueError):
        radar(["A", "B"], [Series("X", [D(1)])], D(4), "Sai")


def test_heatmap_svg() -> None:
    chart = sample_heatmap()
    root = parse(chart)
    groups = [g for g in root.iter(f"{SVG}g") if g.find(f"{SVG}rect") is not None]
    assert len(groups) == len(UNITS) * len(PILLARS)
    texts = svg_texts(root)
    assert "46,67" in texts and "133,5" in texts and "—" in texts
    assert "0%" in texts and "100%" in texts and "Tỷ lệ" in texts
    assert f"{VHTTDL} — Nhận thức số: 46,67 / 100" in tooltips(root)
    # The full 300/300 cell is the darkest colour and has white text.
    full = next(g for g in groups if (g.findtext(f"{SVG}title") or "").endswith(": 300 / 300"))
    assert full.find(f"{SVG}rect").get("fill") == sequential(D(1))  # type: ignore[union-attr]
    assert full.find(f"{SVG}text").get("fill") == "#ffffff"  # type: ignore[union-attr]


def test_heatmap_text_is_readable_on_every_cell() -> None:
    chart = sample_heatmap()
    for group in walk(chart.children):
        if isinstance(group, Group) and isinstance(group.children[0], Rect):
            cell, label = group.children
            assert isinstance(cell, Rect) and isinstance(label, Text) and cell.fill
            assert contrast(cell.fill, label.fill) >= 4.5, group.title


def test_colour_scale_is_monotone_in_lightness() -> None:
    from dti.charts.palette import luminance

    shades = [luminance(sequential(D(k) / 20)) for k in range(21)]
    assert shades == sorted(shades, reverse=True)
    assert sequential(D(-1)) == sequential(D(0)) and sequential(D(2)) == sequential(D(1))


def test_trend_svg() -> None:
    chart = sample_trend()
    root = parse(chart)
    texts = svg_texts(root)
    for year in ("2020", "2021", "2022", "2023", "2024"):
        assert year in texts
    assert "846,67" in texts and "612,5" in texts and "760,55" in texts
    assert "Sở Tư pháp" in texts and "Trung bình khối" in texts  # the legend
    shapes = walk(chart.children)
    unit_points = [s for s in shapes if isinstance(s, Circle) and s.fill == "#0b3a6e"]
    assert len(unit_points) == 4 + 1  # four years with a value, and the legend's
    unit_lines = [el for el in root.iter(f"{SVG}polyline") if el.get("stroke") == "#0b3a6e"]
    assert len(unit_lines) == 2  # the missing year breaks the line
    average_lines = [el for el in root.iter(f"{SVG}polyline") if el.get("stroke") == "#5b6675"]
    assert len(average_lines) == 1 and len((average_lines[0].get("points") or "").split()) == 5


def test_trend_of_one_year() -> None:
    chart = trend([2024], [Series("Sở Y tế", [D("0.8123")])], "Một năm", maximum=D(1))
    root = parse(chart)
    assert "0,8123" in svg_texts(root) and "2024" in svg_texts(root)
    assert len(list(root.iter(f"{SVG}circle"))) == 1
    assert not list(root.iter(f"{SVG}polyline"))


# --- edge cases ----------------------------------------------------------------------------


def test_all_zeros_and_a_zero_maximum() -> None:
    zeros = ranking_bars([RankingRow(1, "A", D(0)), RankingRow(1, "B", D(0))], D(100), "Không")
    root = parse(zeros)
    assert not [r for r in root.iter(f"{SVG}rect") if r.get("fill") == BAR]
    assert svg_texts(root).count("0") >= 2
    nothing = ranking_bars([RankingRow(1, "A", D(0))], D(0), "Không có thang")
    assert "0" in svg_texts(parse(nothing))
    scaled = ranking_bars([RankingRow(1, "A", D("0.8123"))], D(0), "Thang theo giá trị")
    assert "0,8123" in svg_texts(parse(scaled))
    parse(heatmap(["A"], ["B"], [[D(5)]], [D(0)], "Không có mức tối đa"))
    parse(radar(["A", "B", "C"], [Series("X", [D(0), D(0), D(0)])], D(0), "Không"))
    parse(trend([2023, 2024], [Series("X", [D(0), D(0)])], "Không"))
    parse(trend([2023, 2024], [Series("X", [None, None])], "Không có"))
    parse(ranking_bars([], D(100), "Trống"))
    parse(heatmap([], [], [], [], "Trống"))


def test_one_unit() -> None:
    root = parse(ranking_bars([RankingRow(1, VHTTDL, D("46.67"))], D(100), "Một đơn vị"))
    assert VHTTDL in svg_texts(root) and "46,67" in svg_texts(root)
    assert len([r for r in root.iter(f"{SVG}rect") if r.get("fill") == BAR]) == 1


def test_seventy_six_rows() -> None:
    rows = [RankingRow(i + 1, f"{UNITS[i % 6]} ({i + 1})", D(1000 - 7 * i)) for i in range(76)]
    chart = ranking_bars(rows, D(1000), "76 đơn vị", highlight=rows[40].name)
    root = parse(chart)
    assert len([r for r in root.iter(f"{SVG}rect") if r.get("fill") == BAR]) == 75
    assert len([g for g in root.iter(f"{SVG}g")]) == 76
    assert chart.height > 76 * 18
    assert svg_texts(root).count("800") == 2  # a long list has its scale at the foot too
    heat = heatmap(
        [r.name for r in rows], PILLARS, [VALUES[i % 6] for i in range(76)], MAXIMA, "76 × 6"
    )
    assert len([g for g in parse(heat).iter(f"{SVG}g")]) == 76 + 6 + 76 * 6


def test_points_are_never_floats() -> None:
    with pytest.raises(TypeError):
        ranking_bars([RankingRow(1, "A", 0.5)], D(1), "Float")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        ranking_bars([RankingRow(1, "A", D(1))], 1.0, "Float")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        trend([2024], [Series("A", [0.5])], "Float")  # type: ignore[list-item]


def test_decomposed_vietnamese_is_composed() -> None:
    import unicodedata

    decomposed = unicodedata.normalize("NFD", VHTTDL)
    assert decomposed != VHTTDL
    root = parse(ranking_bars([RankingRow(1, decomposed, D(1))], D(2), "NFD"))
    assert VHTTDL in svg_texts(root)
    assert clean_text("a\x00b  \n c") == "ab c"


# --- fitting the text ----------------------------------------------------------------------


def _box(text: Text) -> tuple[float, float, float, float]:
    width = text_width(text.text, text.size, text.weight)
    left = {"start": text.x, "middle": text.x - width / 2, "end": text.x - width}[text.anchor]
    return left, text.y - 0.76 * text.size, left + width, text.y + 0.24 * text.size


def test_no_text_is_clipped_or_overlaps() -> None:
    long_rows = [RankingRow(i + 1, f"{UNITS[i % 6]} ({i + 1})", D(1000 - 9 * i)) for i in range(76)]
    charts = [*all_samples(), ranking_bars(long_rows, D(1000), "76", average=D(500))]
    for chart in charts:
        boxes = [_box(s) for s in walk(chart.children) if isinstance(s, Text)]
        for left, top, right, bottom in boxes:
            assert left >= 0 and right <= chart.width, (chart.title, left, right)
            assert top >= 0 and bottom <= chart.height, (chart.title, top, bottom)
        for a, b in itertools.combinations(boxes, 2):
            overlap_x = min(a[2], b[2]) - max(a[0], b[0])
            overlap_y = min(a[3], b[3]) - max(a[1], b[1])
            assert overlap_x <= 0.5 or overlap_y <= 0.5, (chart.title, a, b)


def test_truncate_and_wrap() -> None:
    assert truncate(VHTTDL, 1000, 10) == VHTTDL
    cut = truncate(VHTTDL, 120, 10)
    assert cut.endswith("…") and text_width(cut, 10) <= 120
    assert cut == "Sở Văn hoá, Thể thao…"  # after a whole word
    assert wrap("Hoạt động chuyển đổi số", 115, 9, "bold") == ["Hoạt động", "chuyển đổi số"]
    lines = wrap(VHTTDL + " " + VHTTDL, 60, 10, max_lines=2)
    assert len(lines) == 2 and lines[-1].endswith("…")


# --- the same picture in the PDF -----------------------------------------------------------


def _pdf_text(chart: Chart, path: Path) -> str:
    renderPDF.drawToFile(to_drawing(chart), str(path))
    return PdfReader(str(path)).pages[0].extract_text()


@pytest.mark.parametrize("make", [sample_ranking, sample_radar, sample_heatmap, sample_trend])
def test_pdf_carries_the_same_texts(make: Any, tmp_path: Path) -> None:
    chart = make(width=WEB_WIDTH)
    extracted = " ".join(_pdf_text(chart, tmp_path / "chart.pdf").split())
    texts = [s.text for s in walk(chart.children) if isinstance(s, Text)]
    assert texts
    for text in texts:
        assert text in extracted, text
    assert chart.title in extracted


def test_pdf_keeps_vietnamese_diacritics(tmp_path: Path) -> None:
    names = [VHTTDL, "Sở Lao động - Thương binh và Xã hội", "Ủy ban nhân dân huyện Quế Võ"]
    rows = [RankingRow(i + 1, name, D("46.67")) for i, name in enumerate(names)]
    extracted = _pdf_text(
        ranking_bars(rows, D(100), "Bảng xếp hạng", width=WEB_WIDTH), tmp_path / "x.pdf"
    )
    for name in names:
        assert name in extracted
    assert "46,67" in extracted and "Bảng xếp hạng" in extracted
    assert b"DejaVuSans" in (tmp_path / "x.pdf").read_bytes()


def _from_svg(root: ET.Element) -> list[tuple[Any, ...]]:
    found: list[tuple[Any, ...]] = []

    def f(element: ET.Element, name: str) -> float:
        return round(float(element.get(name) or 0), 2)

    def points(element: ET.Element) -> tuple[tuple[float, float], ...]:
        pairs = (p.split(",") for p in (element.get("points") or "").split())
        return tuple((round(float(x), 2), round(float(y), 2)) for x, y in pairs)

    for el in root.iter():
        tag = el.tag.removeprefix(SVG)
        if tag == "rect":
            found.append(("rect", f(el, "x"), f(el, "y"), f(el, "width"), f(el, "height")))
        elif tag == "line":
            found.append(("line", f(el, "x1"), f(el, "y1"), f(el, "x2"), f(el, "y2")))
        elif tag in ("polyline", "polygon"):
            found.append((tag, points(el)))
        elif tag == "circle":
            found.append(("circle", f(el, "cx"), f(el, "cy"), f(el, "r")))
        elif tag == "text":
            anchor = el.get("text-anchor") or "start"
            found.append(("text", f(el, "x"), f(el, "y"), el.text, anchor, f(el, "font-size")))
    return found


def _from_drawing(drawing: Any) -> list[tuple[Any, ...]]:
    """The same list from the reportlab Drawing, its y flipped back to the scene's."""
    height = drawing.height
    found: list[tuple[Any, ...]] = []

    def r(value: float) -> float:
        return round(value, 2) + 0.0

    def points(flat: list[float]) -> tuple[tuple[float, float], ...]:
        return tuple((r(x), r(height - y)) for x, y in zip(flat[::2], flat[1::2], strict=True))

    def visit(shape: Any) -> None:
        if isinstance(shape, rl.Group):  # Drawing is a Group too
            for child in shape.contents:
                visit(child)
        elif isinstance(shape, rl.Rect):
            y = height - shape.y - shape.height
            found.append(("rect", r(shape.x), r(y), r(shape.width), r(shape.height)))
        elif isinstance(shape, rl.Line):
            found.append(
                ("line", r(shape.x1), r(height - shape.y1), r(shape.x2), r(height - shape.y2))
            )
        elif isinstance(shape, rl.Polygon):
            found.append(("polygon", points(shape.points)))
        elif isinstance(shape, rl.PolyLine):
            found.append(("polyline", points(shape.points)))
        elif isinstance(shape, rl.Circle):
            found.append(("circle", r(shape.cx), r(height - shape.cy), r(shape.r)))
        elif isinstance(shape, rl.String):
            found.append(
                (
                    "text",
                    r(shape.x),
                    r(height - shape.y),
                    shape.text,
                    shape.textAnchor,
                    r(shape.fontSize),
                )
            )
        else:  # pragma: no cover
            raise AssertionError(shape)

    visit(drawing)
    return found


@pytest.mark.parametrize("index", range(8))
def test_svg_and_drawing_have_the_same_geometry(index: int) -> None:
    chart = all_samples()[index]
    drawing = to_drawing(chart)
    assert (drawing.width, drawing.height) == (chart.width, chart.height)
    from_svg, from_pdf = _from_svg(parse(chart)), _from_drawing(drawing)
    assert len(from_svg) > 20
    assert from_svg == from_pdf


def test_same_bytes_in_another_process() -> None:
    """No set or hash order leaks into the output: a fresh interpreter with another hash seed
    draws the same bytes."""
    import hashlib
    import os
    import subprocess
    import sys

    script = (
        "import hashlib, sys; sys.path.insert(0, 'tests'); import test_charts as t; "
        "from dti.charts import to_svg; "
        "print(hashlib.sha256(''.join(to_svg(c) for c in t.all_samples()).encode()).hexdigest())"
    )
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    root = Path(__file__).resolve().parent.parent
    done = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        env=env,
        cwd=root,
        check=True,
    )
    here = hashlib.sha256("".join(to_svg(c) for c in all_samples()).encode()).hexdigest()
    assert done.stdout.strip() == here
