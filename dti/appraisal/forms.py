"""The administrator's forms for the council's set-up: they validate input; the actions write."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from dti.accounts.models import Role, User
from dti.appraisal.checks import CHECKS
from dti.periods.models import PeriodGroup


def appraisers() -> Any:
    return User.objects.filter(roles__kind=Role.Kind.APPRAISER, is_active=True).distinct()


class AssignForm(forms.Form):
    """An appraiser, a unit of the period, and optionally pillars of the unit's group's framework
    (checkboxes named ``pillars-<group number>``, since each group has its own framework) or
    single criteria (codes written in ``criteria-<group number>``)."""

    appraiser = forms.ModelChoiceField(
        queryset=User.objects.none(), label=gettext_lazy("Appraiser")
    )
    unit = forms.TypedChoiceField(coerce=int, label=gettext_lazy("Unit"))

    def __init__(self, *args: Any, groups: list[PeriodGroup], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["appraiser"].queryset = appraisers()  # type: ignore[attr-defined]
        self.memberships = {m.unit_id: m for g in groups for m in g.memberships.all()}
        self.fields["unit"].choices = [("", "—")] + [  # type: ignore[attr-defined]
            (m.unit_id, f"{m.unit.name} ({g.name})") for g in groups for m in g.memberships.all()
        ]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        membership = self.memberships.get(cleaned.get("unit"))  # type: ignore[arg-type]
        if membership is not None:
            cleaned["unit"] = membership.unit
            field = f"pillars-{membership.group.number}"
            codes = self.data.getlist(field) if hasattr(self.data, "getlist") else []
            # Single criteria too, written as codes: "1.2, 3.4"
            written = str(self.data.get(f"criteria-{membership.group.number}", ""))
            codes += [c.strip() for c in written.replace(";", ",").split(",") if c.strip()]
            cleaned["pillars"] = codes
        return cleaned


class CheckSettingsForm(forms.Form):
    """One "on" box per check, and a field per threshold, named ``<check>-enabled`` and
    ``<check>-<threshold>``."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for key, check in CHECKS.items():
            self.fields[f"{key}-enabled"] = forms.BooleanField(label=_(check.label), required=False)
            for name, param in check.params.items():
                self.fields[f"{key}-{name}"] = forms.DecimalField(
                    label=_(param.label),
                    required=not param.optional,
                    min_value=param.minimum,
                    max_value=param.maximum,
                    decimal_places=0 if param.whole else 2,
                    help_text=_(param.help) if param.help else "",
                )

    @classmethod
    def initial_for(cls, settings: dict[str, dict[str, Any]]) -> dict[str, Any]:
        return {
            f"{key}-{name}": value
            for key, values in settings.items()
            for name, value in values.items()
        }

    def sections(self) -> list[dict[str, Any]]:
        """The fields check by check, for the template."""
        return [
            {
                "label": _(check.label),
                "help": _(check.help),
                "enabled": self[f"{key}-enabled"],
                "params": [self[f"{key}-{name}"] for name in check.params],
            }
            for key, check in CHECKS.items()
        ]

    def values(self) -> dict[str, dict[str, Any]]:
        data = self.cleaned_data
        return {
            key: {
                "enabled": bool(data[f"{key}-enabled"]),
                **{
                    name: (None if data[f"{key}-{name}"] is None else str(data[f"{key}-{name}"]))
                    for name in check.params
                },
            }
            for key, check in CHECKS.items()
        }
