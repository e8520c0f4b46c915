from django.urls import URLPattern, URLResolver, path

from chorus.care.views import (
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
    path("care/", inbox.care_inbox, name="care_inbox"),
    path("care/views/", inbox.care_saved_view_create, name="care_saved_view_create"),
    path(
        "care/views/<int:saved_view_id>/delete/",
        inbox.care_saved_view_delete,
        name="care_saved_view_delete",
    ),
    path("care/c/<int:conversation_id>/", inbox.care_conversation, name="care_conversation"),
    path(
        "care/c/<int:conversation_id>/claim/",
        inbox.care_conversation_claim,
        name="care_conversation_claim",
    ),
    path(
        "care/c/<int:conversation_id>/release/",
        inbox.care_conversation_release,
        name="care_conversation_release",
    ),
    path(
        "care/c/<int:conversation_id>/status/",
        inbox.care_conversation_status,
        name="care_conversation_status",
    ),
    path(
        "care/c/<int:conversation_id>/priority/",
        inbox.care_conversation_priority,
        name="care_conversation_priority",
    ),
    path(
        "care/c/<int:conversation_id>/tags/",
        inbox.care_conversation_tags,
        name="care_conversation_tags",
    ),
    path(
        "care/c/<int:conversation_id>/assign/",
        inbox.care_conversation_assign,
        name="care_conversation_assign",
    ),
    path(
        "care/c/<int:conversation_id>/note/",
        inbox.care_conversation_note,
        name="care_conversation_note",
    ),
    # --- agents (my care profile, duty, the team) ---
    path("care/me/", agents.care_me, name="care_me"),
    path("care/me/opt-in/", agents.care_opt_in, name="care_opt_in"),
    path("care/me/opt-out/", agents.care_opt_out, name="care_opt_out"),
    path("care/me/duty/", agents.care_duty, name="care_duty"),
    path("care/team/", agents.care_team, name="care_team"),
    path("care/team/<int:agent_id>/clear/", agents.care_team_clear, name="care_team_clear"),
    # --- sources (listening, webhook, send to care, manual entry) ---
    path("care/sources/", sources.care_sources, name="care_sources"),
    path("care/sources/new/", sources.care_source_new, name="care_source_new"),
    path("care/sources/<int:care_source_id>/", sources.care_source_edit, name="care_source_edit"),
    path(
        "care/sources/<int:care_source_id>/delete/",
        sources.care_source_delete,
        name="care_source_delete",
    ),
    path(
        "care/sources/<int:care_source_id>/check/",
        sources.care_source_check,
        name="care_source_check",
    ),
    path("care/sources/webhook/secret/", sources.care_inbound_secret, name="care_inbound_secret"),
    path("care/sources/webhook/off/", sources.care_inbound_disable, name="care_inbound_disable"),
    path("care/webhook/<str:inbound_key>/", sources.care_webhook, name="care_webhook"),
    path("care/send/", sources.care_send, name="care_send"),
    path("care/new/", sources.care_new, name="care_new"),
    # --- replies (compose, approve, publish, escalate) ---
    path(
        "care/c/<int:conversation_id>/reply/",
        replies.care_reply_compose,
        name="care_reply_compose",
    ),
    path(
        "care/c/<int:conversation_id>/escalate/",
        replies.care_escalate,
        name="care_escalate",
    ),
    path(
        "care/replies/<int:reply_id>/posted/", replies.care_reply_posted, name="care_reply_posted"
    ),
    path("care/approvals/", replies.care_approvals, name="care_approvals"),
    path(
        "care/replies/<int:reply_id>/approve/",
        replies.care_reply_approve,
        name="care_reply_approve",
    ),
    path(
        "care/replies/<int:reply_id>/return/",
        replies.care_reply_return,
        name="care_reply_return",
    ),
    # --- templates (approved replies) ---
    path("care/templates/", templates.care_templates, name="care_templates"),
    path("care/templates/new/", templates.care_template_new, name="care_template_new"),
    path(
        "care/templates/<int:template_id>/",
        templates.care_template_edit,
        name="care_template_edit",
    ),
    path(
        "care/templates/<int:template_id>/delete/",
        templates.care_template_delete,
        name="care_template_delete",
    ),
    # --- crisis (flag, pause) ---
    path("care/crisis/", crisis.care_crisis_list, name="care_crisis_list"),
    path("care/crisis/flag/", crisis.care_crisis_flag, name="care_crisis_flag"),
    path(
        "care/crisis/<int:crisis_flag_id>/resolve/",
        crisis.care_crisis_resolve,
        name="care_crisis_resolve",
    ),
    path("care/crisis/pause/", crisis.care_crisis_pause, name="care_crisis_pause"),
    path("care/crisis/resume/", crisis.care_crisis_resume, name="care_crisis_resume"),
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
