"""The operators' Django admin for single sign-on: domains (mark one verified after a
check by hand, such as a DNS record), identity providers (secrets never shown)."""

from __future__ import annotations

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest

from chorus.identity.models import DomainVerification, IdentityProvider, SsoDomain
from chorus.identity.services.domains import domain_verify


@admin.register(SsoDomain)
class SsoDomainAdmin(admin.ModelAdmin[SsoDomain]):
    list_display = ["domain", "organization", "verified_at", "verified_by", "verification_email"]
    list_filter = ["verified_by"]
    search_fields = ["domain", "organization__name"]
    readonly_fields = [
        "verified_at",
        "verified_by",
        "verification_email",
        "verification_sent_at",
        "verification_token_hash",
        "added_by",
    ]
    actions = ["mark_verified"]

    @admin.action(description="Mark verified (checked by the operators)")
    def mark_verified(self, request: HttpRequest, queryset: QuerySet[SsoDomain]) -> None:
        for claim in queryset.filter(verified_at__isnull=True):
            try:
                domain_verify(claim=claim, how=DomainVerification.OPERATOR)
            except ValidationError as error:
                self.message_user(request, " ".join(error.messages), messages.ERROR)
            else:
                self.message_user(request, f"{claim.domain} is verified.")


@admin.register(IdentityProvider)
class IdentityProviderAdmin(admin.ModelAdmin[IdentityProvider]):
    list_display = ["name", "kind", "organization", "enabled", "updated_at"]
    list_filter = ["kind", "enabled"]
    search_fields = ["name", "organization__name"]
    exclude = ["client_secret"]
    readonly_fields = ["oidc_configuration", "discovered_at"]
