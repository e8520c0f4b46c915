"""Django admin for links: for staff to look things up. Clicks and counters are read-only
(the drainer owns them), and raw clicks cannot be added, changed or deleted here."""

from django.contrib import admin
from django.http import HttpRequest

from chorus.links.models import Click, ClickDeadLetter, Link, LinkSettings

COUNTERS = ["clicks", "unique_clicks", "self_clicks", "previews", "last_click_at"]


@admin.register(LinkSettings)
class LinkSettingsAdmin(admin.ModelAdmin[LinkSettings]):
    list_display = ["organization", "short_domain", "fallback_url"]
    search_fields = ["short_domain", "organization__name"]


@admin.register(Link)
class LinkAdmin(admin.ModelAdmin[Link]):
    list_display = ["code", "organization", "post", "network", "is_active", *COUNTERS]
    list_filter = ["is_active", "network", "organization"]
    search_fields = ["code", "destination"]
    raw_id_fields = ["post", "membership"]
    readonly_fields = ["code", "destination", "created_at", *COUNTERS]


@admin.register(Click)
class ClickAdmin(admin.ModelAdmin[Click]):
    list_display = [
        "created_at",
        "link",
        "kind",
        "bot_name",
        "device_class",
        "is_unique",
        "is_self",
    ]
    list_filter = ["kind", "device_class", "is_unique", "is_self"]
    search_fields = ["link__code", "bot_name", "referrer_host"]
    raw_id_fields = ["link"]
    date_hierarchy = "created_at"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(ClickDeadLetter)
class ClickDeadLetterAdmin(admin.ModelAdmin[ClickDeadLetter]):
    """Click records the drainer set aside: read them, delete them once dealt with."""

    list_display = ["created_at", "organization", "reason", "detail"]
    list_filter = ["reason", "organization"]
    search_fields = ["detail", "raw"]
    date_hierarchy = "created_at"
    readonly_fields = ["created_at", "organization", "reason", "detail", "digest", "raw"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
