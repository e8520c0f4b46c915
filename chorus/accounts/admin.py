from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from chorus.accounts.models import (
    ApiToken,
    Group,
    Invitation,
    Membership,
    Organization,
    ProgramConsent,
    User,
)


@admin.register(User)
class UserAdmin(BaseUserAdmin):  # type: ignore[type-arg]
    ordering = ["email"]
    list_display = ["email", "name", "is_staff", "is_active", "last_login"]
    search_fields = ["email", "name"]
    fieldsets = (
        (None, {"fields": ("email", "password", "name")}),
        ("Permissions", {"fields": ("is_active", "is_staff", "is_superuser")}),
        ("Dates", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "password1", "password2")}),)


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin[Organization]):
    list_display = ["name", "slug", "created_at"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin[Membership]):
    list_display = [
        "user",
        "organization",
        "is_admin",
        "is_curator",
        "is_approver",
        "program_status",
    ]
    list_filter = ["organization", "is_admin", "is_curator", "is_approver", "program_status"]
    search_fields = ["user__email", "user__name"]
    # Joining the program is the member's own act: never editable here.
    readonly_fields = ["program_status", "program_status_changed_at"]


@admin.register(Group)
class GroupAdmin(admin.ModelAdmin[Group]):
    list_display = ["name", "kind", "organization"]
    list_filter = ["organization", "kind"]


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin[Invitation]):
    list_display = [
        "email",
        "organization",
        "created_at",
        "expires_at",
        "accepted_at",
        "revoked_at",
    ]
    exclude = ["token_hash"]


@admin.register(ProgramConsent)
class ProgramConsentAdmin(admin.ModelAdmin[ProgramConsent]):
    list_display = ["membership", "action", "terms_version", "created_at"]

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin[ApiToken]):
    list_display = ["name", "prefix", "membership", "created_at", "revoked_at"]
    exclude = ["token_hash"]
