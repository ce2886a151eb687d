"""The administrator's screens for people: accounts, roles, passwords, the sign-in policy.

Every view asks ``require_admin`` first; forms validate, one action of
``dti.accounts.actions`` writes (with its audit record), the view renders.
A temporary password is shown once: it waits in the session for the next page
only, which takes it out.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.core.paginator import Paginator
from django.db.models import Prefetch, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from dti.accounts import actions
from dti.accounts.access import require_admin
from dti.accounts.models import Role, SecurityPolicy, User
from dti.audit.trail import Actor
from dti.units.models import Department, Unit

PAGE_SIZE = 50
HANDOVER = "dti_handover"  # {user: pk, password: …}, taken out by the next page


# ---------------------------------------------------------------- forms


class PeopleFilter(forms.Form):
    q = forms.CharField(label=gettext_lazy("Search"), required=False, max_length=100)
    unit = forms.ModelChoiceField(
        label=pgettext_lazy("organisation", "Unit"),
        queryset=Unit.objects.all(),
        required=False,
        empty_label=gettext_lazy("Any unit"),
    )
    role = forms.ChoiceField(
        label=gettext_lazy("Role"),
        choices=[("", gettext_lazy("Any role")), *Role.Kind.choices],
        required=False,
    )


class PersonForm(forms.Form):
    """A person's details; the username is unique whatever its case (sign-in ignores case)."""

    full_name = forms.CharField(label=gettext_lazy("Full name"), max_length=200)
    username = forms.CharField(
        label=gettext_lazy("Username"),
        max_length=150,
        validators=[UnicodeUsernameValidator()],
        help_text=gettext_lazy("Letters, digits and @ . + - _ only, e.g. nguyenvana.stp"),
    )
    email = forms.EmailField(label=gettext_lazy("E-mail"), required=False, max_length=254)
    position = forms.CharField(label=gettext_lazy("Position"), required=False, max_length=200)
    phone = forms.CharField(label=gettext_lazy("Phone"), required=False, max_length=50)

    def __init__(self, *args: Any, person: User | None = None, **kwargs: Any) -> None:
        self.person = person
        if person is not None and "initial" not in kwargs:
            kwargs["initial"] = {name: getattr(person, name) for name in actions.PERSON_DETAILS}
        super().__init__(*args, **kwargs)

    def clean_full_name(self) -> str:
        return " ".join(self.cleaned_data["full_name"].split())

    def clean_username(self) -> str:
        username: str = self.cleaned_data["username"].strip()
        others = User.objects.filter(username__iexact=username)
        if self.person is not None:
            others = others.exclude(pk=self.person.pk)
        if others.exists():
            raise forms.ValidationError(_("Another person already has this username."))
        return username


class DepartmentChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.name} — {obj.unit.name}"


class GrantRoleForm(forms.Form):
    """A role to give: unit roles need a unit, department staff a department (which implies its unit)."""

    # no default choice: an administrator's role is only ever given on purpose
    kind = forms.ChoiceField(label=gettext_lazy("Role"), choices=[("", "—"), *Role.Kind.choices])
    unit = forms.ModelChoiceField(
        label=pgettext_lazy("organisation", "Unit"),
        queryset=Unit.objects.all(),
        required=False,
        empty_label="—",
    )
    department = DepartmentChoice(
        label=gettext_lazy("Department"),
        queryset=Department.objects.select_related("unit").order_by(
            "unit__position", "unit__name", "position", "name"
        ),
        required=False,
        empty_label="—",
    )
    is_chair = forms.BooleanField(
        label=gettext_lazy("Chair of the appraisal council"), required=False
    )

    def __init__(self, *args: Any, person: User, **kwargs: Any) -> None:
        self.person = person
        super().__init__(*args, **kwargs)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        kind, unit, department = data.get("kind"), data.get("unit"), data.get("department")
        if kind is None:
            return data
        if department is not None:
            if unit is not None and unit != department.unit:
                self.add_error("department", _("This department belongs to another unit."))
                return data
            unit = data["unit"] = department.unit
        if kind in Role.UNIT_KINDS:
            if kind == Role.Kind.DEPARTMENT_STAFF and department is None:
                self.add_error("department", _("Department staff need a department."))
            elif kind != Role.Kind.DEPARTMENT_STAFF and department is not None:
                self.add_error("department", _("Only department staff belong to a department."))
            elif unit is None:
                self.add_error("unit", _("This role needs a unit."))
        elif unit is not None or department is not None:
            self.add_error(
                "unit", _("This role is not tied to a unit: leave unit and department empty.")
            )
        if data.get("is_chair") and kind != Role.Kind.APPRAISER:
            self.add_error("is_chair", _("Only an appraiser can chair the council."))
        if not self.errors:
            held = Role.objects.filter(
                user=self.person,
                kind=kind,
                unit=unit if kind in Role.UNIT_KINDS else None,
                department=department if kind == Role.Kind.DEPARTMENT_STAFF else None,
            ).first()
            if held is not None and held.is_chair == bool(data.get("is_chair")):
                raise forms.ValidationError(_("This person already holds this role."))
        return data


class ActiveForm(forms.Form):
    active = forms.TypedChoiceField(
        choices=[("1", "1"), ("0", "0")], coerce=lambda value: value == "1"
    )


class SecurityForm(forms.Form):
    require_totp_for_staff = forms.BooleanField(
        label=gettext_lazy("Require two-factor sign-in for administrators and appraisers"),
        required=False,
    )


# ---------------------------------------------------------------- the list


@login_required
@require_GET
def people_list(request: HttpRequest) -> HttpResponse:
    """Everyone with an account: roles, locked or not, two-factor on or off; filters and search."""
    require_admin(request)
    filters = PeopleFilter(request.GET or None)
    people = User.objects.order_by("full_name", "username")
    if filters.is_valid():
        data = filters.cleaned_data
        if data["q"]:
            term = data["q"].strip()
            people = people.filter(
                Q(full_name__icontains=term)
                | Q(username__icontains=term)
                | Q(email__icontains=term)
            )
        scope: dict[str, Any] = {}
        if data["unit"] is not None:
            scope["roles__unit"] = data["unit"]
        if data["role"]:
            scope["roles__kind"] = data["role"]
        if scope:  # one filter(): the same role is in the unit and of the kind
            people = people.filter(**scope).distinct()
    roles = Role.objects.select_related("unit", "department").order_by("kind", "unit__position")
    people = people.prefetch_related(Prefetch("roles", queryset=roles))
    page = Paginator(people, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "filters": filters,
        "page": page,
        "now": timezone.now(),
        "query": query.urlencode(),
    }
    return render(request, "accounts/people.html", context)


# ---------------------------------------------------------------- one person


def _person(user_id: int) -> User:
    return get_object_or_404(User, pk=user_id)


def _show_password_once(request: HttpRequest, person: User, password: str) -> None:
    request.session[HANDOVER] = {"user": person.pk, "password": password}


@login_required
@require_http_methods(["GET", "POST"])
def person_create(request: HttpRequest) -> HttpResponse:
    """A new account with a temporary password, shown once on the next page."""
    require_admin(request)
    form = PersonForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        person, password = actions.create_user(Actor.from_request(request), **form.cleaned_data)
        _show_password_once(request, person, password)
        messages.success(
            request, _("The account of %(name)s has been created.") % {"name": person.full_name}
        )
        return redirect("accounts:person", user_id=person.pk)
    return render(request, "accounts/person_form.html", {"form": form, "person": None})


@login_required
@require_GET
def person_detail(request: HttpRequest, user_id: int) -> HttpResponse:
    require_admin(request)
    return _detail_page(request, _person(user_id))


def _detail_page(
    request: HttpRequest, person: User, grant_form: GrantRoleForm | None = None, status: int = 200
) -> HttpResponse:
    shown = request.session.get(HANDOVER)
    password = None
    if shown and shown.get("user") == person.pk:
        password = request.session.pop(HANDOVER)["password"]
    roles = Role.objects.filter(user=person).select_related("unit", "department")
    context = {
        "person": person,
        "roles": roles,
        "grant_form": grant_form or GrantRoleForm(person=person),
        "password": password,
        "locked": bool(person.locked_until and person.locked_until > timezone.now()),
        "is_self": person.pk == request.user.pk,
    }
    response = render(request, "accounts/person.html", context, status=status)
    if password:
        response["Cache-Control"] = "no-store"  # the password must not stay in a cache
    return response


@login_required
@require_http_methods(["GET", "POST"])
def person_edit(request: HttpRequest, user_id: int) -> HttpResponse:
    require_admin(request)
    person = _person(user_id)
    form = PersonForm(request.POST if request.method == "POST" else None, person=person)
    if request.method == "POST" and form.is_valid():
        actions.update_person_details(Actor.from_request(request), person, **form.cleaned_data)
        messages.success(request, _("The details have been saved."))
        return redirect("accounts:person", user_id=person.pk)
    return render(request, "accounts/person_form.html", {"form": form, "person": person})


@login_required
@require_POST
def person_grant(request: HttpRequest, user_id: int) -> HttpResponse:
    require_admin(request)
    person = _person(user_id)
    form = GrantRoleForm(request.POST, person=person)
    if not form.is_valid():
        return _detail_page(request, person, grant_form=form, status=400)
    data = form.cleaned_data
    role = actions.grant_role(
        Actor.from_request(request),
        person,
        data["kind"],
        unit=data["unit"],
        department=data["department"],
        is_chair=data["is_chair"],
    )
    messages.success(request, _("Role given: %(role)s.") % {"role": role})
    return redirect("accounts:person", user_id=person.pk)


@login_required
@require_POST
def person_revoke(request: HttpRequest, user_id: int, role_id: int) -> HttpResponse:
    require_admin(request)
    role = get_object_or_404(
        Role.objects.select_related("user", "unit", "department"), pk=role_id, user_id=user_id
    )
    if role.kind == Role.Kind.ADMIN and role.user_id == request.user.pk:
        messages.error(request, _("You cannot take away your own administrator role."))
        return redirect("accounts:person", user_id=user_id)
    label = str(role)
    actions.revoke_role(Actor.from_request(request), role)
    messages.success(request, _("Role taken away: %(role)s.") % {"role": label})
    return redirect("accounts:person", user_id=user_id)


@login_required
@require_POST
def person_reset(request: HttpRequest, user_id: int) -> HttpResponse:
    """A new temporary password, shown once on the next page; it also unlocks the account."""
    require_admin(request)
    person = _person(user_id)
    password = actions.reset_password(Actor.from_request(request), person)
    _show_password_once(request, person, password)
    return redirect("accounts:person", user_id=person.pk)


@login_required
@require_POST
def person_unlock(request: HttpRequest, user_id: int) -> HttpResponse:
    require_admin(request)
    person = _person(user_id)
    actions.unlock_user(Actor.from_request(request), person)
    messages.success(request, _("The account has been unlocked."))
    return redirect("accounts:person", user_id=person.pk)


@login_required
@require_POST
def person_active(request: HttpRequest, user_id: int) -> HttpResponse:
    """Deactivate an account (it can no longer sign in; its history stays) or activate it again."""
    require_admin(request)
    person = _person(user_id)
    form = ActiveForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose whether the account is active."))
        return redirect("accounts:person", user_id=person.pk)
    active = form.cleaned_data["active"]
    if not active and person.pk == request.user.pk:
        messages.error(request, _("You cannot deactivate your own account."))
        return redirect("accounts:person", user_id=person.pk)
    actions.update_user(Actor.from_request(request), person, is_active=active)
    if active:
        messages.success(request, _("The account is active again."))
    else:
        messages.success(request, _("The account has been deactivated: it can no longer sign in."))
    return redirect("accounts:person", user_id=person.pk)


# ---------------------------------------------------------------- the sign-in policy


@login_required
@require_http_methods(["GET", "POST"])
def security(request: HttpRequest) -> HttpResponse:
    require_admin(request)
    policy = SecurityPolicy.current()
    form = SecurityForm(
        request.POST if request.method == "POST" else None,
        initial={"require_totp_for_staff": policy.require_totp_for_staff},
    )
    if request.method == "POST" and form.is_valid():
        actions.set_security_policy(
            Actor.from_request(request), form.cleaned_data["require_totp_for_staff"]
        )
        messages.success(request, _("The sign-in policy has been saved."))
        return redirect("accounts:security")
    without = (
        User.objects.filter(
            is_active=True,
            totp_enabled=False,
            roles__kind__in=[Role.Kind.ADMIN, Role.Kind.APPRAISER],
        )
        .distinct()
        .order_by("full_name")
    )
    context = {"form": form, "policy": policy, "without": without}
    return render(request, "accounts/people_security.html", context)
