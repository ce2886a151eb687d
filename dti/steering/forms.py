"""Forms of the steering committee's pages: they validate, the actions write."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django import forms
from django.db.models import Q
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from dti.accounts.models import Role, User
from dti.assessments import uploads
from dti.scoring.numbers import parse_decimal
from dti.steering import measures
from dti.steering.models import MAX_REPORT_DAY, State, SteeringPlan, Target, Task

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def members() -> Any:
    """The people who hold the steering-committee role."""
    return User.objects.filter(roles__kind=Role.Kind.STEERING).distinct().order_by("full_name")


class MemberChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: User) -> str:  # type: ignore[override]
        return f"{obj.full_name or obj.username} ({obj.username})"


class PlanForm(forms.Form):
    """A plan's name, year and report day."""

    name = forms.CharField(
        label=_("Name"),
        max_length=300,
        help_text=_("e.g. Kế hoạch hoạt động của Ban Chỉ đạo chuyển đổi số năm 2023"),
    )
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100)
    report_day = forms.IntegerField(
        label=_("Report day"),
        min_value=1,
        max_value=MAX_REPORT_DAY,
        initial=10,
        help_text=_(
            "Quarterly reports are due by this day of the last month of each quarter "
            "(March, June, September, December)."
        ),
    )

    def __init__(self, *args: Any, plan: SteeringPlan | None = None, **kwargs: Any) -> None:
        self.plan = plan
        if plan is not None and "initial" not in kwargs:
            kwargs["initial"] = {
                "name": plan.name,
                "year": plan.year,
                "report_day": plan.report_day,
            }
        super().__init__(*args, **kwargs)

    def clean_name(self) -> str:
        return " ".join(self.cleaned_data["name"].split())

    def clean_year(self) -> int:
        year: int = self.cleaned_data["year"]
        others = SteeringPlan.objects.filter(year=year)
        if self.plan is not None:
            others = others.exclude(pk=self.plan.pk)
        if others.exists():
            raise forms.ValidationError(_("There is already a plan for this year."))
        return year


class ItemForm(forms.Form):
    """What targets and tasks share."""

    code = forms.CharField(label=_("Code"), max_length=20, help_text=_("e.g. 1.a"))
    lead_member = MemberChoice(label=_("Lead member"), queryset=User.objects.none())
    lead_unit = forms.CharField(
        label=_("Lead unit"),
        max_length=300,
        required=False,
        help_text=_("e.g. Sở Thông tin và Truyền thông"),
    )
    coordinating = forms.CharField(
        label=_("Coordinating units"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    state = forms.ChoiceField(label=_("State"), choices=State.choices, initial=State.ACTIVE)
    position = forms.IntegerField(
        label=_("Order"),
        min_value=0,
        required=False,
        help_text=_("Items are listed by this number."),
    )

    model: type[Target] | type[Task]

    def __init__(
        self, *args: Any, plan: SteeringPlan, item: Target | Task | None = None, **kwargs: Any
    ) -> None:
        self.plan = plan
        self.item = item
        super().__init__(*args, **kwargs)
        queryset = members()
        if item is not None:  # a lead member who has left the committee stays choosable
            queryset = User.objects.filter(
                Q(pk__in=queryset.values("pk")) | Q(pk=item.lead_member_id)
            ).order_by("full_name")
        self.fields["lead_member"].queryset = queryset  # type: ignore[attr-defined]

    def clean_code(self) -> str:
        code = "".join(self.cleaned_data["code"].split()).rstrip(".")
        if not code:
            raise forms.ValidationError(_("Give a code."))
        others = self.model.objects.filter(plan=self.plan, code__iexact=code)
        if self.item is not None:
            others = others.exclude(pk=self.item.pk)
        if others.exists():
            raise forms.ValidationError(_("Another item of this plan already has this code."))
        return code

    def clean_lead_unit(self) -> str:
        return " ".join(self.cleaned_data["lead_unit"].split())

    def clean_coordinating(self) -> str:
        return self.cleaned_data["coordinating"].strip()


class TargetForm(ItemForm):
    """A target (chỉ tiêu): its indicator and the value to reach, written as the plan writes it."""

    model = Target

    section = forms.CharField(
        label=_("Group"),
        max_length=300,
        required=False,
        help_text=_("e.g. 1. Phát triển hạ tầng số"),
    )
    indicator = forms.CharField(label=_("Indicator"), widget=forms.Textarea(attrs={"rows": 3}))
    target = forms.CharField(
        label=_("Target value"),
        max_length=100,
        help_text=_("e.g. ≥ 80 %, ≤ 5 %, 100 %, 55–60 %"),
    )
    deadline = forms.DateField(
        label=_("Deadline"),
        required=False,
        widget=DATE,
        help_text=_("Blank: the end of the plan's year."),
    )
    field_order = [
        "section",
        "code",
        "indicator",
        "target",
        "deadline",
        "lead_member",
        "lead_unit",
        "coordinating",
        "state",
        "position",
    ]

    def __init__(self, *args: Any, target: Target | None = None, **kwargs: Any) -> None:
        if target is not None and "initial" not in kwargs:
            kwargs["initial"] = {
                "section": target.section,
                "code": target.code,
                "indicator": target.indicator,
                "target": target.target_text,
                "deadline": target.deadline,
                "lead_member": target.lead_member_id,
                "lead_unit": target.lead_unit,
                "coordinating": target.coordinating,
                "state": target.state,
                "position": target.position,
            }
        super().__init__(*args, item=target, **kwargs)

    def clean_target(self) -> measures.Measure:
        try:
            return measures.parse_measure(self.cleaned_data["target"])
        except measures.MeasureError as error:
            raise forms.ValidationError(gettext(error.template) % error.params) from None

    def clean_deadline(self) -> datetime.date | None:
        deadline: datetime.date | None = self.cleaned_data["deadline"]
        if deadline is not None and deadline.year < self.plan.year:
            raise forms.ValidationError(_("The deadline is before the plan's year."))
        return deadline

    def fields_for_action(self) -> dict[str, Any]:
        data = self.cleaned_data
        measure: measures.Measure = data["target"]
        return {
            "section": " ".join(data["section"].split()),
            "code": data["code"],
            "indicator": data["indicator"].strip(),
            "comparator": measure.comparator.value,
            "value": measure.value,
            "value_max": measure.value_max,
            "unit": measure.unit,
            "deadline": data["deadline"],
            "lead_member": data["lead_member"],
            "lead_unit": data["lead_unit"],
            "coordinating": data["coordinating"],
            "state": data["state"],
            "position": data["position"],
        }


class TaskForm(ItemForm):
    """A task (nhiệm vụ): what is to be done, by a date, every year or according to the roadmap."""

    model = Task

    title = forms.CharField(label=_("Task"), max_length=500)
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    timing = forms.ChoiceField(
        label=_("Timing"), choices=Task.Timing.choices, initial=Task.Timing.DATE
    )
    deadline = forms.DateField(
        label=_("Deadline"),
        required=False,
        widget=DATE,
        help_text=_("Needed when the task is done by a date."),
    )
    field_order = [
        "code",
        "title",
        "description",
        "timing",
        "deadline",
        "lead_member",
        "lead_unit",
        "coordinating",
        "state",
        "position",
    ]

    def __init__(self, *args: Any, task: Task | None = None, **kwargs: Any) -> None:
        if task is not None and "initial" not in kwargs:
            kwargs["initial"] = {
                "code": task.code,
                "title": task.title,
                "description": task.description,
                "timing": task.timing,
                "deadline": task.deadline,
                "lead_member": task.lead_member_id,
                "lead_unit": task.lead_unit,
                "coordinating": task.coordinating,
                "state": task.state,
                "position": task.position,
            }
        super().__init__(*args, item=task, **kwargs)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        timing, deadline = data.get("timing"), data.get("deadline")
        if timing == Task.Timing.DATE and deadline is None and "deadline" not in self.errors:
            self.add_error("deadline", _("Give the deadline, or choose a recurring timing."))
        if timing and timing != Task.Timing.DATE:
            data["deadline"] = None  # a recurring task has no date
        if data.get("deadline") and data["deadline"].year < self.plan.year:
            self.add_error("deadline", _("The deadline is before the plan's year."))
        return data

    def fields_for_action(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "code": data["code"],
            "title": " ".join(data["title"].split()),
            "description": data["description"].strip(),
            "timing": data["timing"],
            "deadline": data["deadline"],
            "lead_member": data["lead_member"],
            "lead_unit": data["lead_unit"],
            "coordinating": data["coordinating"],
            "state": data["state"],
            "position": data["position"],
        }


class ReportForm(forms.Form):
    """A quarter's progress report: the value reached (targets), what was done, the evidence."""

    quarter = forms.TypedChoiceField(label=_("Quarter"), coerce=int, choices=())
    value = forms.CharField(
        label=_("Value reached"),
        max_length=30,
        required=False,
        help_text=_("A number, with a decimal comma or point: 79,5"),
    )
    narrative = forms.CharField(
        label=_("Progress, difficulties and proposals"),
        widget=forms.Textarea(attrs={"rows": 5}),
        max_length=10000,
    )
    evidence = forms.FileField(
        label=_("Evidence file"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": uploads.ACCEPT}),
        help_text=_("PDF, DOCX, XLSX, ODT, JPG or PNG."),
    )
    evidence_url = forms.URLField(
        label=_("Evidence link"), required=False, max_length=1000, assume_scheme="https"
    )
    remove_file = forms.BooleanField(label=_("Remove the file sent before"), required=False)

    def __init__(self, *args: Any, item: Target | Task, quarters: list[int], **kwargs: Any) -> None:
        self.item = item
        super().__init__(*args, **kwargs)
        year = item.plan.year
        self.fields["quarter"].choices = [  # type: ignore[attr-defined]
            (q, gettext("Quarter %(quarter)s/%(year)s") % {"quarter": q, "year": year})
            for q in quarters
        ]
        if isinstance(item, Target):
            self.fields["value"].required = True
            unit = item.unit
            if unit:
                self.fields["value"].label = gettext("Value reached (%(unit)s)") % {"unit": unit}
        else:
            del self.fields["value"]

    def clean_value(self) -> Decimal | None:
        raw = (self.cleaned_data.get("value") or "").strip()
        if not raw:
            return None
        try:
            value = parse_decimal(raw)
        except ValueError:
            raise forms.ValidationError(
                _("“%(value)s” is not a number."), params={"value": raw}
            ) from None
        if abs(value) > measures.MAX_VALUE:
            raise forms.ValidationError(_("The value is too large."))
        return value.quantize(Decimal("0.0001"))

    def clean_narrative(self) -> str:
        return self.cleaned_data["narrative"].strip()
