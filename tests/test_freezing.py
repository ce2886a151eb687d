"""A period is frozen with its framework version: editing the framework later changes nothing."""

from __future__ import annotations

import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from dti.audit.trail import Actor
from dti.frameworks.actions import import_framework
from dti.frameworks.fileformat import builtin_path, load_text
from dti.frameworks.models import Framework
from dti.frameworks.store import to_scoring
from dti.periods import actions
from dti.scoring import score

pytestmark = pytest.mark.django_db


def test_editing_a_framework_after_the_period_keeps_the_period_on_its_version(
    personas: Any, builtin_frameworks: dict[str, Any]
) -> None:
    actor = Actor(personas.users["admin"], "admin")
    v1 = builtin_frameworks["bacninh-so"]
    period = actions.create_period(
        actor,
        year=2024,
        name="DTI 2024",
        data_start=datetime.date(2023, 10, 1),
        data_end=datetime.date(2024, 9, 30),
        submission_deadline=datetime.date(2024, 10, 10),
    )
    group = actions.set_group(actor, period, 1, "Nhóm 1", v1, [personas.unit_a])
    answers = {"1.1": {"yes": True}}
    before = score(to_scoring(group.framework), answers).total
    assert before == Decimal(20)

    # Next year's decision gives criterion 1.1 thirty points: a new version, not an edit.
    path = builtin_path("bacninh-so")
    assert path is not None
    text = Path(path).read_text(encoding="utf-8")
    edited = text.replace(
        'max: 100\n    children:\n      - code: "1.1"',
        'max: 110\n    children:\n      - code: "1.1"',
        1,
    )
    edited = edited.replace(
        'title: "Lãnh đạo đơn vị là Trưởng Ban chỉ đạo CĐS của đơn vị"\n        max: 20',
        'title: "Lãnh đạo đơn vị là Trưởng Ban chỉ đạo CĐS của đơn vị"\n        max: 30',
        1,
    )
    assert edited != text
    v2, created = import_framework(load_text(edited), actor, source_name="edited.yaml")
    assert created and v2.version == 2

    group.refresh_from_db()
    assert group.framework_id == v1.pk
    assert score(to_scoring(group.framework), answers).total == before
    assert score(to_scoring(v2), answers).total == Decimal(30)
    assert Framework.objects.filter(code="bacninh-so").count() == 2


def test_a_framework_used_by_a_period_cannot_be_deleted(
    personas: Any, builtin_frameworks: dict[str, Any]
) -> None:
    from django.db.models import ProtectedError

    actor = Actor(personas.users["admin"], "admin")
    period = actions.create_period(
        actor,
        year=2024,
        name="DTI 2024",
        data_start=datetime.date(2023, 10, 1),
        data_end=datetime.date(2024, 9, 30),
        submission_deadline=datetime.date(2024, 10, 10),
    )
    actions.set_group(
        actor, period, 1, "Nhóm 1", builtin_frameworks["bacninh-so"], [personas.unit_a]
    )
    with pytest.raises(ProtectedError):
        builtin_frameworks["bacninh-so"].delete()
