from django.urls import URLPattern, URLResolver, path  # noqa: F401

from chorus.care.views import (  # noqa: F401
    agents,
    crisis,
    inbox,
    replies,
    reports,
    settings,
    sources,
    templates,
)

urlpatterns: list[URLPattern | URLResolver] = [
    # --- inbox (conversations, triage, claim, saved views) ---
    # --- agents (my care profile, duty, the team) ---
    # --- sources (listening, webhook, send to care, manual entry) ---
    # --- replies (compose, approve, publish, escalate) ---
    # --- templates (approved replies) ---
    # --- crisis (flag, pause) ---
    # --- reports (measuring, exports) ---
    path("care/reports/", reports.care_reports, name="care_reports"),
    path("care/reports/export/", reports.care_reports_export, name="care_reports_export"),
    # --- settings ---
    path("care/settings/", settings.care_settings, name="care_settings"),
    path(
        "care/settings/webhook-secret/",
        settings.care_settings_secret_rotate,
        name="care_settings_secret_rotate",
    ),
]
