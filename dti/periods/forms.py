"""The administrator's forms for periods: they validate input; the actions write."""

from __future__ import annotations

import datetime
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from dti.frameworks.models import Framework
from dti.periods.deadlines import province_zone
from dti.periods.models import Period
from dti.units.models import Unit


class DateInput(forms.DateInput):
    """The browser's date picker; its value is always ISO, whatever the language."""

    input_type = "date"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%Y-%m-%d", **kwargs)


class TimeInput(forms.TimeInput):
    input_type = "time"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%H:%M", **kwargs)


def default_dates(year: int) -> dict[str, datetime.date]:
    """The cycle of Decision 1187: data from 01/10 of the year before to 30/09, submission by 10/10."""
    return {
        "data_start": datetime.date(year - 1, 10, 1),
        "data_end": datetime.date(year, 9, 30),
        "submission_deadline": datetime.date(year, 10, 10),
    }


def this_year() -> int:
    return timezone.localdate().year


class PeriodEditForm(forms.Form):
    """A period's name, data window and deadlines (the year is fixed once created)."""

    name = forms.CharField(label=_("Name"), max_length=300)
    data_start = forms.DateField(
        label=_("Data window from"),
        required=False,
        widget=DateInput(),
        help_text=_("Empty: 01/10 of the year before."),
    )
    data_end = forms.DateField(
        label=_("Data window to"),
        required=False,
        widget=DateInput(),
        help_text=_("Empty: 30/09 of the year."),
    )
    submission_deadline = forms.DateField(
        label=_("Submission deadline"),
        required=False,
        widget=DateInput(),
        help_text=_("Empty: 10/10 of the year. Units may edit until the end of this day."),
    )
    appraisal_deadline = forms.DateField(
        label=_("Appraisal (round 1) by"), required=False, widget=DateInput()
    )
    explanation_deadline = forms.DateField(
        label=_("Explanations (round 2) by"), required=False, widget=DateInput()
    )
    final_deadline = forms.DateField(
        label=_("Final appraisal by"), required=False, widget=DateInput()
    )
    publication_date = forms.DateField(label=_("Publication"), required=False, widget=DateInput())

    #: Fields the actions take, in the order of the model.
    FIELDS = (
        "name",
        "data_start",
        "data_end",
        "submission_deadline",
        "appraisal_deadline",
        "explanation_deadline",
        "final_deadline",
        "publication_date",
    )

    def __init__(self, *args: Any, year: int | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.year = year

    def period_year(self) -> int | None:
        return self.year

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        year = self.period_year()
        if year is not None:
            for name, day in default_dates(year).items():
                if name in cleaned and cleaned[name] is None and name not in self.errors:
                    cleaned[name] = day
        return cleaned

    def values(self) -> dict[str, Any]:
        """The cleaned values, as keyword arguments of the actions."""
        return {name: self.cleaned_data[name] for name in self.FIELDS}

    @classmethod
    def initial_for(cls, period: Period) -> dict[str, Any]:
        return {name: getattr(period, name) for name in cls.FIELDS}


class PeriodForm(PeriodEditForm):
    """A new period: its year too. Left empty, the name and the cycle's dates follow the year
    (prefilled dates would go stale when the administrator changes only the year)."""

    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100)
    name = forms.CharField(
        label=_("Name"),
        max_length=300,
        required=False,
        help_text=_("Empty: “Digital transformation index” and the year."),
    )

    field_order = ["year", *PeriodEditForm.FIELDS]

    def period_year(self) -> int | None:
        year = self.cleaned_data.get("year")
        return year if isinstance(year, int) else None

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        year = self.period_year()
        if year is not None and not cleaned.get("name") and "name" not in self.errors:
            cleaned["name"] = default_name(year)
        return cleaned

    def values(self) -> dict[str, Any]:
        return {"year": self.cleaned_data["year"], **super().values()}


def default_name(year: int) -> str:
    return _("Digital transformation index %(year)s") % {"year": year}


class FrameworkChoiceField(forms.ModelChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Framework) -> str:  # type: ignore[override]
        return f"{obj.name} ({obj.code} v{obj.version})"


DEFAULT_GROUP_NAMES = {
    # The groups of Decision 1187, as the province writes them (data, not UI text).
    1: "Nhóm 1: Các sở, ban, ngành",
    2: "Nhóm 2: Các huyện, thị xã, thành phố",
}
#: The framework level and the unit kind a new group starts with.
DEFAULT_GROUP_KINDS = {
    1: ("department", Unit.Kind.DEPARTMENT),
    2: ("district", Unit.Kind.DISTRICT),
}


def default_group_name(number: int) -> str:
    return DEFAULT_GROUP_NAMES.get(number, f"Nhóm {number}")


class GroupForm(forms.Form):
    """A group of a period: its name, framework version and units."""

    name = forms.CharField(label=_("Name"), max_length=300)
    framework = FrameworkChoiceField(
        label=_("Framework"),
        queryset=Framework.objects.order_by("code", "-version"),
        empty_label=_("— choose a framework version —"),
    )
    units = forms.ModelMultipleChoiceField(
        label=_("Units"),
        queryset=Unit.objects.all(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )


class MoveForm(forms.Form):
    """Move a period to its next status; the page says which one, so a stale page is refused."""

    to_status = forms.ChoiceField(choices=Period.Status.choices, widget=forms.HiddenInput)
    reason = forms.CharField(
        label=_("Note for the audit trail (optional)"), required=False, max_length=2000
    )


class SelectWithoutEmptyChoice(forms.Select):
    """A select whose choices are all real: Django would query them again to look for an empty one."""

    def use_required_attribute(self, initial: Any) -> bool:
        return not self.is_hidden


class ReopenForm(forms.Form):
    """Let one unit edit after the submission deadline, until a local date and time."""

    unit = forms.ModelChoiceField(
        label=pgettext_lazy("agency", "Unit"),
        queryset=Unit.objects.none(),
        empty_label=None,
        widget=SelectWithoutEmptyChoice,
    )
    until_date = forms.DateField(label=_("Open until (date)"), widget=DateInput())
    until_time = forms.TimeField(label=_("Time"), widget=TimeInput(), initial=datetime.time(23, 59))
    reason = forms.CharField(
        label=_("Reason"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Required: it is kept in the audit trail."),
        error_messages={"required": _("Say why the unit may edit after the deadline.")},
    )

    def __init__(self, *args: Any, period: Period, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = Unit.objects.filter(memberships__period=period).order_by(  # type: ignore[attr-defined]
            "position", "name"
        )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if (
            cleaned.get("until_date")
            and cleaned.get("until_time")
            and self.until() <= timezone.now()
        ):
            self.add_error("until_date", _("The reopening must end in the future."))
        return cleaned

    def until(self) -> datetime.datetime:
        """The end of the reopening, in the province's time zone."""
        return datetime.datetime.combine(
            self.cleaned_data["until_date"], self.cleaned_data["until_time"], tzinfo=province_zone()
        )
