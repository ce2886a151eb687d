"""The scoring engine: pure Python, no Django, no database.

Everything in DTI that computes a number calls this package — leaf scores from
inputs by rule, the tree aggregation, rounding, the DTI value, ranking and the
classification bands — so there is exactly one implementation of each.
"""

from dti.scoring.engine import NodeScore, Result, score
from dti.scoring.model import Band, Criterion, Framework, GeneralField, Rule
from dti.scoring.numbers import format_points, parse_decimal, round_dti, round_points
from dti.scoring.problems import Problem
from dti.scoring.ranking import classify, rank, rank_by_pillar

__all__ = [
    "Band",
    "Criterion",
    "Framework",
    "GeneralField",
    "NodeScore",
    "Problem",
    "Result",
    "Rule",
    "classify",
    "format_points",
    "parse_decimal",
    "rank",
    "rank_by_pillar",
    "round_dti",
    "round_points",
    "score",
]
