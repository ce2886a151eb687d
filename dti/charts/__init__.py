"""Charts (biểu đồ) of the results that look the same on screen and in the PDF, offline.

A builder turns plain data into a scene; ``to_svg`` draws the scene for a page, ``to_drawing``
for a reportlab document. No Django, no database, no network.
"""

from dti.charts.builders import (
    A4_WIDTH,
    WEB_WIDTH,
    RankingRow,
    Series,
    heatmap,
    radar,
    ranking_bars,
    trend,
)
from dti.charts.fonts import register_fonts
from dti.charts.pdf import to_drawing
from dti.charts.scene import Chart
from dti.charts.svg import to_svg

__all__ = [
    "A4_WIDTH",
    "WEB_WIDTH",
    "Chart",
    "RankingRow",
    "Series",
    "heatmap",
    "radar",
    "ranking_bars",
    "register_fonts",
    "to_drawing",
    "to_svg",
    "trend",
]
