"""Staff accounts, roles and passwords in the Django admin: every write goes through `accounts.services`.

The admin's own ways to forge are closed: there is no form to set another
person's password (only a reset link or a one-time password), roles are
granted on the account's roles page (two-person for clinical and
finance-manager roles), and role definitions are read-only (they are code:
`accounts.roles`, applied after every migrate).
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.contrib.auth.admin import GroupAdmin as BaseGroupAdmin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.forms import UserChangeForm
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.decorators import method_decorator
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters

from cellway import limits
from cellway.accounts import services
from cellway.accounts.middleware import password_change_url
from cellway.accounts.models import GrantStatus, RoleGrant, User
from cellway.accounts.roles import TWO_PERSON_ROLES
from cellway.errors import Refusal, allowed

REASON_HELP = "Why: it goes on the audit trail with who did what to whom."


def _reason_field(required: bool = True) -> forms.CharField:
    return forms.CharField(
        label="Reason", required=required, max_length=limits.REASON, widget=forms.Textarea(attrs={"rows": 2}), help_text=REASON_HELP
    )


class StaffCreationForm(forms.ModelForm):  # type: ignore[type-arg]
    """A new account has no password: the person is emailed a link to choose one."""

    reason = _reason_field()

    class Meta:
        model = User
        fields = ("username", "first_name", "last_name", "email")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["email"].required = True
        self.fields["email"].help_text = "The link to choose a password is sent here."


class AccountChangeForm(UserChangeForm):  # type: ignore[type-arg]
    """The account's fields, and why they change (a change without a reason is refused)."""

    acting: User  # set by UserAdmin.get_form
    reason = _reason_field(required=False)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        changes = self.account_changes()
        if not changes:
            return cleaned
        try:
            services.check_change_user(user=self.instance, by=self.acting, fields=set(changes))
        except Refusal as refusal:
            services.refused(
                by=self.acting, action="user.change", user=self.instance, reason=cleaned.get("reason", ""), message=refusal.message
            )
            raise forms.ValidationError(refusal.message) from None
        if not str(cleaned.get("reason", "")).strip():
            self.add_error("reason", "Say why the account changes: the reason goes on the audit trail.")
        return cleaned

    def account_changes(self) -> dict[str, Any]:
        fields = {*services.ACCOUNT_FIELDS, "user_permissions"}
        return {name: self.cleaned_data[name] for name in self.changed_data if name in fields and name in self.cleaned_data}


# UserAdmin is generic only in django-stubs; subscripting it at run time needs django_stubs_ext (+0.1 s start-up).
@admin.register(User)
class UserAdmin(BaseUserAdmin):  # type: ignore[type-arg]
    """Clinic administrators manage staff here; roles on each account's roles page, passwords by reset or one-time password."""

    form = AccountChangeForm
    add_form = StaffCreationForm
    add_form_template = None
    fieldsets = (
        *BaseUserAdmin.fieldsets,  # type: ignore[misc]
        ("Display", {"fields": ("time_zone",)}),
        ("Why", {"fields": ("reason",)}),
    )
    add_fieldsets = ((None, {"fields": ("username", "first_name", "last_name", "email", "reason")}),)
    list_display = ("username", "first_name", "last_name", "email", "is_active", "must_change_password")
    list_filter = ("is_active", "groups")
    change_form_template = "admin/accounts/user/change_form.html"

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        # Roles change only on the roles page (services.grant_role); never through the form.
        fields = [*super().get_readonly_fields(request, obj), "groups", "last_login", "date_joined"]
        if not request.user.is_superuser:
            fields += ["is_superuser", "user_permissions", "is_staff"]
            if obj is not None and obj.pk != request.user.pk:
                fields.append("email")
        return fields

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any) -> Any:
        form = super().get_form(request, obj, change=change, **kwargs)
        return type(form.__name__, (form,), {"acting": request.user})

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        reason = form.cleaned_data.get("reason", "")
        if not change:
            services.create_user(user=obj, by=request.user, reason=reason, request=request)  # type: ignore[arg-type]
            messages.info(request, f"{obj.username} is emailed a link to choose a password. Give roles on the account's roles page.")
            return
        changes = form.account_changes()
        obj.refresh_from_db()  # the service writes from the stored row, with the changes listed
        services.change_user(user=obj, by=request.user, reason=reason, changes=changes)  # type: ignore[arg-type]

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Deactivate instead (is_active, with a reason): signatures and the trail keep naming the person.
        return False

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        """Nothing: the services wrote the account's permissions; roles change on the roles page."""

    def get_urls(self) -> list[Any]:
        return [
            path("<id>/roles/", self.admin_site.admin_view(self.roles_view), name="accounts_user_roles"),
            *super().get_urls(),
        ]

    def _account(self, request: HttpRequest, id: str) -> User:
        user = self.get_object(request, unquote(id))
        if user is None:
            raise Http404("No such account.")
        if not self.has_change_permission(request, user):
            raise PermissionDenied
        return user  # type: ignore[no-any-return]

    # --- Passwords: a reset link or a one-time password; never a password of the administrator's choosing ---

    @method_decorator([sensitive_post_parameters(), never_cache])
    def user_change_password(self, request: HttpRequest, id: str, form_url: str = "") -> HttpResponse:
        user = self._account(request, id)
        by: User = request.user  # type: ignore[assignment]
        if user.pk == by.pk:
            return HttpResponseRedirect(password_change_url())
        try:
            services.check_set_password(user=user, by=by)
        except Refusal as refusal:
            raise PermissionDenied(refusal.message) from None
        context: dict[str, Any] = {"person": user, "one_time_password": None, "refused": ""}
        status = 200
        if request.method == "POST":
            form = forms.Form(request.POST)
            form.fields["reason"] = _reason_field()
            reason = request.POST.get("reason", "")
            try:
                if request.POST.get("action") == "one-time":
                    context["one_time_password"] = services.set_one_time_password(user=user, by=by, reason=reason)
                else:
                    services.send_password_reset(user=user, by=by, reason=reason, request=request)
                    messages.success(request, f"A link to choose a new password is emailed to {user.email}.")
                    return HttpResponseRedirect(reverse("admin:accounts_user_change", args=[user.pk]))
            except Refusal as refusal:
                context["refused"], context["reason"], status = refusal.message, reason, 422
        return self._render(request, "admin/accounts/user/password.html", context, user, "Password of", status)

    def _render(self, request: HttpRequest, template: str, context: dict[str, Any], user: User, title: str, status: int) -> HttpResponse:
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "original": user,
            "title": f"{title} {user.username}",
            "reason_max": limits.REASON,
            **context,
        }
        return TemplateResponse(request, template, context, status=status)

    # --- Roles: granted by whoever holds them; clinical and finance-manager roles by a second administrator ---

    def roles_view(self, request: HttpRequest, id: str) -> HttpResponse:
        user = self._account(request, id)
        by: User = request.user  # type: ignore[assignment]
        refused, status = "", 200
        if request.method == "POST":
            try:
                done = self._role_action(request, user, by)
            except Refusal as refusal:
                refused, status = refusal.message, 422
            else:
                messages.success(request, done)
                return HttpResponseRedirect(request.path)
        held = list(user.groups.order_by("name"))
        grants = list(RoleGrant.objects.filter(user=user).select_related("role", "requested_by", "decided_by")[:50])
        context = {
            "person": user,
            "held": [(role, allowed(services.check_withdraw_role, user=user, role=role, by=by)) for role in held],
            "grantable": [
                (role, role.name in TWO_PERSON_ROLES and not by.is_superuser)
                for role in Group.objects.exclude(pk__in=[r.pk for r in held]).order_by("name")
            ],
            "pending": [
                (grant, allowed(services.check_approve_grant, grant=grant, by=by))
                for grant in grants
                if grant.status == GrantStatus.PENDING
            ],
            "history": [grant for grant in grants if grant.status != GrantStatus.PENDING],
            "refused": refused,
            "posted": request.POST if refused else {},
        }
        return self._render(request, "admin/accounts/user/roles.html", context, user, "Roles of", status)

    def _role_action(self, request: HttpRequest, user: User, by: User) -> str:
        action, reason = request.POST.get("action", ""), request.POST.get("reason", "")
        if action in ("approve", "refuse"):
            grant = get_object_or_404(RoleGrant, pk=_int(request.POST.get("grant")), user=user)
            if action == "approve":
                services.approve_grant(grant=grant, by=by, reason=reason)
                return f"{user.username} now holds the role {grant.role.name}."
            services.refuse_grant(grant=grant, by=by, reason=reason)
            return f"The grant of {grant.role.name} to {user.username} is closed."
        role = Group.objects.filter(pk=_int(request.POST.get("role"))).first()
        if role is None:
            raise Refusal("Choose a role.")
        if action == "withdraw":
            services.withdraw_role(user=user, role=role, by=by, reason=reason)
            return f"{user.username} no longer holds the role {role.name}."
        grant = services.grant_role(user=user, role=role, by=by, reason=reason)
        if grant.status == GrantStatus.PENDING:
            return f"The grant of {role.name} to {user.username} waits for a second administrator who holds the role."
        return f"{user.username} now holds the role {role.name}."


def _int(value: str | None) -> int:
    try:
        return int(value or "")
    except ValueError:
        raise Refusal("That choice is not one of those offered; reload the page.") from None


@admin.register(RoleGrant)
class RoleGrantAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """Every role given or asked for; the waiting ones are decided on the person's roles page."""

    list_display = ("user", "role", "status", "requested_by", "requested_at", "decided_by", "decided_at")
    list_filter = ("status", "role")
    list_select_related = ("user", "role", "requested_by", "decided_by")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return request.user.has_perm("accounts.manage_staff")

    def has_module_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("accounts.manage_staff")


admin.site.unregister(Group)


@admin.register(Group)
class RoleAdmin(BaseGroupAdmin):
    """Roles are read here, never changed: their permissions are code (`accounts.roles`), set again after every migrate."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
