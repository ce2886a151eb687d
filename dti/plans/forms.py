"""The forms of the plan pages: they validate what the unit types; ``dti.plans.actions`` writes."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from dti.periods.forms import DateInput
from dti.plans.models import PlanAction
from dti.plans.timing import FIRST_YEAR, HOW_TO_WRITE, LAST_YEAR, TimingError, parse_timing


class PlanForm(forms.Form):
    """The particulars printed on the plan: the heading, the number, place and date, the signer."""

    year = forms.IntegerField(
        label=_("Year of the plan"), min_value=FIRST_YEAR, max_value=LAST_YEAR
    )
    superior = forms.CharField(
        label=_("Governing body (printed above the unit's name)"),
        max_length=200,
        required=False,
        help_text=_("For example UBND TỈNH BẮC NINH; leave empty for a People's Committee."),
    )
    number = forms.CharField(
        label=_("Number"),
        max_length=20,
        required=False,
        help_text=_("Left empty, the document shows a blank to fill in when it is registered."),
    )
    symbol = forms.CharField(label=_("Symbol"), max_length=60, required=False)
    place = forms.CharField(label=_("Place"), max_length=100, required=False)
    issued_on = forms.DateField(label=_("Date of issue"), required=False, widget=DateInput())
    signer_title = forms.CharField(
        label=_("Signer's position"),
        max_length=200,
        required=False,
        help_text=_("For example Giám đốc, or KT. Giám đốc / Phó Giám đốc."),
    )
    signer_name = forms.CharField(label=_("Signer's name"), max_length=200, required=False)


#: the id of the page's list of the unit's departments (a <datalist>)
DEPARTMENTS_LIST = "pl-departments"


class TimingField(forms.CharField):
    """A timing as plans write it, normalised ("quý 4/2024" → "Quý IV/2024")."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 60)
        kwargs.setdefault("help_text", HOW_TO_WRITE)
        super().__init__(**kwargs)

    def clean(self, value: Any) -> str:
        text = super().clean(value)
        try:
            return parse_timing(text).text
        except TimingError as error:
            raise forms.ValidationError(str(error.message), code="timing") from None


class ActionForm(forms.Form):
    """An action of the plan: the criterion or pillar it addresses, what will be done, the lead
    and coordinating units, the timing (and, when editing, the status and progress)."""

    code = forms.ChoiceField(label=_("For"))
    task = forms.CharField(
        label=_("What will be done"), widget=forms.Textarea(attrs={"rows": 3}), max_length=4000
    )
    lead = forms.CharField(label=_("Lead unit (đơn vị thực hiện)"), max_length=300)
    coordinating = forms.CharField(
        label=_("Coordinating units (đơn vị phối hợp)"), max_length=500, required=False
    )
    timing = TimingField(label=_("Timing (thời gian thực hiện)"))

    def __init__(self, *args: Any, targets: Sequence[tuple[str, str]] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["code"].choices = list(targets)  # type: ignore[attr-defined]
        for name in ("lead", "coordinating"):  # the unit's departments, offered as they type
            self.fields[name].widget.attrs["list"] = DEPARTMENTS_LIST
        self.fields["timing"].widget.attrs["placeholder"] = "Quý IV/2024"


class ActionEditForm(ActionForm):
    status = forms.ChoiceField(label=_("Status"), choices=PlanAction.Status.choices)
    progress = forms.CharField(
        label=_("Progress notes"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=4000,
        required=False,
    )


class ProgressForm(forms.Form):
    """How far an action has got."""

    status = forms.ChoiceField(label=_("Status"), choices=PlanAction.Status.choices)
    progress = forms.CharField(
        label=_("Progress notes"),
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=4000,
        required=False,
    )
