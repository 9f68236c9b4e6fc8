from __future__ import annotations

from typing import TYPE_CHECKING, Any

from allauth.account import admin as account_admin
from allauth.account.models import EmailAddress
from allauth.mfa import admin as mfa_admin
from allauth.mfa.models import Authenticator
from allauth.usersessions import admin as usersessions_admin
from allauth.usersessions.models import UserSession
from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.contrib.auth import admin as auth_admin
from django.contrib.auth.models import User
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext_lazy as _

from practice import services
from practice.accounts import has_second_factor, helper_of
from practice.models import AccessLogEntry, StaffMember
from support.models import Helper

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

    AdminMixin = admin.ModelAdmin[Any]  # the mixins below are for ModelAdmin subclasses
else:
    AdminMixin = object


class ReadOnlyAdmin(AdminMixin):
    """Shown, never added to, changed or deleted in the admin."""

    actions = None

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(AccessLogEntry)
class AccessLogEntryAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    """Read only, for everyone: the log is added to by the portal and never changed."""

    list_display = ("at", "user_email", "action", "record", "session")
    list_filter = ("action",)
    search_fields = ("user_email", "record")
    date_hierarchy = "at"
    fields = list_display
    readonly_fields = list_display


class InvitationForm(forms.ModelForm):
    role = forms.ChoiceField(
        label=_("Rol"),
        choices=[
            (services.StaffRole.HELPER, _("Hulpverlener: eigen afspraken en intakes")),
            (
                services.StaffRole.COORDINATOR,
                _("Coördinator: overzicht en aanmeldingen, geen intakes"),
            ),
        ],
    )
    helper = forms.ModelChoiceField(
        label=_("Hulpverlener in het overzicht"),
        queryset=Helper.objects.filter(user__isnull=True),
        required=False,
    )

    class Meta:
        model = StaffMember
        fields = ("email",)
        labels = {"email": _("E-mailadres")}

    def clean_email(self) -> str:
        email = self.cleaned_data["email"].strip()
        if not email:
            raise forms.ValidationError(_("Vul een e-mailadres in."))
        taken = EmailAddress.objects.filter(email__iexact=email).exists()
        if taken or User.objects.filter(email__iexact=email).exists():
            raise forms.ValidationError(_("Er is al een account met dit e-mailadres."))
        return email

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if data.get("role") == services.StaffRole.HELPER and not data.get("helper"):
            self.add_error("helper", _("Kies bij welke hulpverlener dit account hoort."))
        return data


@admin.register(StaffMember)
class StaffMemberAdmin(admin.ModelAdmin):
    """Staff accounts: invited here, with a password and a second factor of their own."""

    list_display = ("email", "role", "second_factor", "is_active", "last_login")
    list_filter = ("is_active", "is_staff")
    search_fields = ("email",)
    fields = ("email", "is_active", "groups", "user_permissions", "last_login", "date_joined")
    readonly_fields = ("email", "last_login", "date_joined")
    filter_horizontal = ("groups", "user_permissions")
    actions = ("resend_invitation",)

    def get_queryset(self, request: HttpRequest) -> QuerySet[StaffMember]:
        return (
            super()
            .get_queryset(request)
            .filter(is_superuser=False)
            .exclude(is_staff=False, helper__isnull=True)
        )

    def get_form(
        self,
        request: HttpRequest,
        obj: StaffMember | None = None,
        change: bool = False,
        **kwargs: Any,
    ) -> type[forms.ModelForm[Any]]:
        if obj is None:
            kwargs["form"] = InvitationForm
            kwargs["fields"] = ("email", "role", "helper")
        return super().get_form(request, obj, change, **kwargs)

    def get_fields(self, request: HttpRequest, obj: StaffMember | None = None):
        return ("email", "role", "helper") if obj is None else self.fields

    def get_readonly_fields(self, request: HttpRequest, obj: StaffMember | None = None):
        return () if obj is None else self.readonly_fields

    def save_model(self, request: HttpRequest, obj: StaffMember, form, change: bool) -> None:
        if change:
            super().save_model(request, obj, form, change)
            return
        user = services.staff_invite(
            email=form.cleaned_data["email"],
            role=form.cleaned_data["role"],
            helper=form.cleaned_data.get("helper"),
        )
        obj.pk = user.pk
        self.message_user(request, _("De uitnodiging is verstuurd."), messages.SUCCESS)

    def save_related(self, request: HttpRequest, form, formsets, change: bool) -> None:
        if change:
            super().save_related(request, form, formsets, change)

    def has_delete_permission(self, request: HttpRequest, obj: StaffMember | None = None) -> bool:
        return not _helper_account(obj) and super().has_delete_permission(request, obj)

    @admin.display(description=_("rol"))
    def role(self, user: StaffMember) -> StrOrPromise:
        if helper_of(user) is not None:
            return _("hulpverlener")
        return _("coördinator") if user.is_staff else "–"

    @admin.display(description=_("tweede stap"), boolean=True)
    def second_factor(self, user: StaffMember) -> bool:
        return has_second_factor(user)

    @admin.action(description=_("Uitnodiging opnieuw versturen"))
    def resend_invitation(self, request: HttpRequest, queryset: QuerySet[StaffMember]) -> None:
        for user in queryset.filter(is_active=True):
            services.staff_invitation_send(user=user)
        self.message_user(request, _("De uitnodigingen zijn opnieuw verstuurd."))


for model in (User, EmailAddress, UserSession, Authenticator):
    admin.site.unregister(model)


# -- visitors stay out of the admin -------------------------------------------------------------
# A visitor's account (for "Mijn afspraken") would tell an administrator who booked; the admin
# lists staff accounts only, with their addresses and sessions.

STAFF_ONLY = Q(is_staff=True) | Q(is_superuser=True) | Q(helper__isnull=False)


class StaffOnlyMixin(AdminMixin):
    user_path = "user__"

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        staff = User.objects.filter(STAFF_ONLY).values("pk")
        lookup = f"{self.user_path}pk__in" if self.user_path else "pk__in"
        return super().get_queryset(request).filter(**{lookup: staff})


def _someone_else(request: HttpRequest, user_id: int | None) -> bool:
    return user_id is not None and user_id != request.user.pk


def _helper_account(user: User | None) -> bool:
    # Deleting it would free her directory entry for a new account invited by anyone: a helper's
    # account is ended by making it inactive.
    return user is not None and Helper.objects.filter(user_id=user.pk).exists()


# -- nobody takes over someone else's account -----------------------------------------------------
# A password, an address and a second factor are each person's own. In the admin nobody (a
# superuser neither) chooses another account's password, changes its address (a password reset
# would then go to the new one) or removes or reads its authenticator: otherwise an administrator
# could log in as a helper and read her intakes. A staff member who forgot her password asks for
# a reset link by e-mail; a lost authenticator is reset by two staff members together with
# `manage.py reset_second_factor` (docs/staff.md).


@admin.register(User)
class StaffUserAdmin(StaffOnlyMixin, auth_admin.UserAdmin):
    user_path = ""

    def get_fieldsets(self, request: HttpRequest, obj: User | None = None):
        fieldsets = super().get_fieldsets(request, obj)
        if obj is None or not _someone_else(request, obj.pk):
            return fieldsets
        # Another account: no password section (with its button to set one).
        return [
            (name, {**options, "fields": [f for f in options["fields"] if f != "password"]})
            for name, options in fieldsets
        ]

    def get_readonly_fields(self, request: HttpRequest, obj: User | None = None):
        readonly = tuple(super().get_readonly_fields(request, obj))
        if obj is not None and _someone_else(request, obj.pk):
            readonly += ("username", "email")
        return readonly

    def has_delete_permission(self, request: HttpRequest, obj: User | None = None) -> bool:
        return not _helper_account(obj) and super().has_delete_permission(request, obj)

    def user_change_password(
        self, request: HttpRequest, id: str, form_url: str = ""
    ) -> HttpResponse:
        user = self.get_object(request, unquote(id))
        if user is not None and not _someone_else(request, user.pk):
            # Her own password: on the account page, which asks for the current one first.
            return redirect("account_change_password")
        messages.error(
            request,
            _(
                "Een wachtwoord kiest iedereen zelf. Wie het vergeten is, vraagt op de "
                "inlogpagina een nieuw aan via ‘Wachtwoord vergeten?’."
            ),
        )
        if user is None:
            return redirect("admin:auth_user_changelist")
        return redirect("admin:auth_user_change", user.pk)


@admin.register(EmailAddress)
class StaffEmailAddressAdmin(ReadOnlyAdmin, StaffOnlyMixin, account_admin.EmailAddressAdmin):
    """Addresses are read here; each person changes her own on her account page."""


@admin.register(Authenticator)
class StaffAuthenticatorAdmin(ReadOnlyAdmin, StaffOnlyMixin, mfa_admin.AuthenticatorAdmin):
    """Which second factors each account has; never their secrets, and nothing to change."""

    fields = ("user", "type", "created_at", "last_used_at")
    readonly_fields = fields


@admin.register(UserSession)
class StaffUserSessionAdmin(StaffOnlyMixin, usersessions_admin.UserSessionAdmin):
    pass
