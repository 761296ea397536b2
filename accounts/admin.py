from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.core.exceptions import ValidationError
from django.db import transaction

from core.services import journal_record

from . import services
from .errors import AccountsError
from .models import LearnerProfile, RoleInvitation, RoleMembership, TermsVersion, User


class RecordViewJournaledMixin:
    """Opening a person's record in the admin is a staff read of learner data: it
    goes to the journal (who, when, which record; nothing of its content)."""

    def change_view(self, request, object_id, form_url="", extra_context=None):
        if request.method == "GET":
            record = self.get_object(request, unquote(object_id))
            if record is not None:
                journal_record(
                    actor=request.user,
                    action="accounts.learner_record_viewed",
                    target=record,
                    details={"via": "django-admin"},
                )
        return super().change_view(request, object_id, form_url, extra_context)


@admin.register(User)
class UserAdmin(RecordViewJournaledMixin, BaseUserAdmin):
    ordering = ["email"]
    list_display = ("email", "first_name", "is_staff", "is_active")
    search_fields = ("email", "first_name")
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        ("Identité", {"fields": ("first_name", "last_name")}),
        ("Droits", {"fields": ("is_active", "is_staff", "is_superuser", "groups")}),
        ("Dates", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (None, {"classes": ("wide",), "fields": ("email", "password1", "password2")}),
    )

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser

    # Deleting an account goes through the one service that also forgets its
    # sessions and admin history and writes the journal.
    def delete_model(self, request, obj):
        try:
            services.account_delete(
                user=obj, actor=request.user, reason=services.DeletionReason.STAFF
            )
        except AccountsError as error:
            # Inside the admin's transaction: undo whatever it did around us.
            transaction.set_rollback(True)
            self.message_user(request, error.message, messages.ERROR)

    def delete_queryset(self, request, queryset):
        for user in queryset:
            self.delete_model(request, user)

    def log_deletions(self, request, queryset):
        """Not in Django's log, whose line would keep the e-mail address: the
        journal records the deletion with the account's number only."""


def _check(rule, **kwargs) -> None:
    """Runs a rule of accounts.services from an admin form (its error on `user`)."""
    if any(value is None for value in kwargs.values()):
        return  # a field error already says what is missing
    try:
        rule(**kwargs)
    except AccountsError as error:
        raise ValidationError({"user": error.message}) from error


class LearnerProfileAdminForm(forms.ModelForm):
    class Meta:
        model = LearnerProfile
        fields = ["user", "birth_date", "commune", "onboarded_at"]

    def clean(self):
        cleaned = super().clean()
        if "user" in self.changed_data:
            # An account holding a staff role does not become a learner's.
            _check(services.learner_profile_check, user=cleaned.get("user"))
        return cleaned


@admin.register(LearnerProfile)
class LearnerProfileAdmin(RecordViewJournaledMixin, admin.ModelAdmin):
    form = LearnerProfileAdminForm
    list_display = ("user", "commune")
    raw_id_fields = ("user", "commune")


admin.site.register(TermsVersion)


class RoleMembershipAdminForm(forms.ModelForm):
    class Meta:
        model = RoleMembership
        fields = ["user", "role", "epci"]

    def clean(self):
        cleaned = super().clean()
        _check(
            services.role_membership_check,
            user=cleaned.get("user"),
            role=cleaned.get("role"),
            epci=cleaned.get("epci"),
        )
        return cleaned


@admin.register(RoleMembership)
class RoleMembershipAdmin(admin.ModelAdmin):
    """Adding here gives the role at once, without invitation (superusers only, in
    practice), through the same service as the rest: staff accounts only, journaled.
    A role is never edited; it is revoked (action below) and given again."""

    form = RoleMembershipAdminForm
    list_display = ("user", "role", "epci", "granted_at", "revoked_at")
    list_filter = ("role", "epci")
    actions = ["revoke"]

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return ()
        return ("user", "role", "epci", "granted_at", "granted_by", "revoked_at")

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["user", "role", "epci"]
        return list(self.get_readonly_fields(request, obj))

    def save_model(self, request, obj, form, change):
        if change:
            return  # nothing is editable on an existing role
        # The form has run the same checks; the service runs them again, locked.
        membership = services.role_membership_create(
            actor=request.user,
            user=obj.user,
            role=obj.role,
            epci=obj.epci,
            granted_by=request.user,
        )
        # The admin goes on with `obj` (history, redirect): make it the saved row.
        obj.pk, obj.granted_at, obj.granted_by = (
            membership.pk,
            membership.granted_at,
            membership.granted_by,
        )
        obj._state.adding = False
        obj._state.db = membership._state.db

    @admin.action(description="Retirer les rôles sélectionnés")
    def revoke(self, request, queryset):
        for membership in queryset.active():
            try:
                services.role_revoke(actor=request.user, membership=membership)
            except AccountsError as error:
                self.message_user(request, error.message, messages.ERROR)


@admin.register(RoleInvitation)
class RoleInvitationAdmin(admin.ModelAdmin):
    """To read only: invitations are sent and cancelled on /espace/roles/."""

    list_display = ("email", "role", "epci", "sent_at", "expires_at", "accepted_at")
    list_filter = ("role", "epci")
    search_fields = ("email",)
    exclude = ("token_hash",)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
