from django.urls import path

from chorus.accounts.views import audit, groups, invitations, members, organization, profile, tokens

urlpatterns = [
    path("program/", profile.program, name="program"),
    path("program/leave/", profile.program_leave, name="program_leave"),
    path("settings/", profile.settings_page, name="settings"),
    path("settings/ranking/", profile.settings_ranking, name="settings_ranking"),
    path("organizations/switch/", profile.organization_switch, name="organization_switch"),
    path("organizations/none/", profile.no_organization, name="no_organization"),
    path("settings/tokens/", tokens.token_create, name="token_create"),
    path("settings/tokens/<int:token_id>/revoke/", tokens.token_revoke, name="token_revoke"),
    path("manage/invitations/", invitations.invitation_list, name="invitations"),
    path(
        "manage/invitations/<int:invitation_id>/resend/",
        invitations.invitation_resend,
        name="invitation_resend",
    ),
    path(
        "manage/invitations/<int:invitation_id>/revoke/",
        invitations.invitation_revoke,
        name="invitation_revoke",
    ),
    path("manage/invitations/import/", invitations.import_upload, name="member_import_upload"),
    path(
        "manage/invitations/import/<int:import_id>/",
        invitations.import_preview,
        name="member_import",
    ),
    path(
        "manage/invitations/import/<int:import_id>/confirm/",
        invitations.import_confirm,
        name="member_import_confirm",
    ),
    path("invitations/<str:secret>/", invitations.invitation_accept, name="invitation_accept"),
    path("manage/members/", members.member_list, name="members"),
    path("manage/members/<int:member_id>/", members.member_detail, name="member_detail"),
    path("manage/members/<int:member_id>/roles/", members.member_update_roles, name="member_roles"),
    path(
        "manage/members/<int:member_id>/groups/", members.member_update_groups, name="member_groups"
    ),
    path(
        "manage/members/<int:member_id>/deactivate/",
        members.member_deactivate,
        name="member_deactivate",
    ),
    path(
        "manage/members/<int:member_id>/reactivate/",
        members.member_reactivate,
        name="member_reactivate",
    ),
    path("manage/groups/", groups.group_list, name="groups"),
    path("manage/groups/<int:group_id>/", groups.group_detail, name="group_detail"),
    path(
        "manage/groups/<int:group_id>/candidates/", groups.group_candidates, name="group_candidates"
    ),
    path(
        "manage/groups/<int:group_id>/members/add/",
        groups.group_add_members,
        name="group_add_members",
    ),
    path(
        "manage/groups/<int:group_id>/members/<int:member_id>/remove/",
        groups.group_remove_member,
        name="group_remove_member",
    ),
    path("manage/groups/<int:group_id>/delete/", groups.group_delete, name="group_delete"),
    path("manage/audit/", audit.audit_log, name="audit_log"),
    path("manage/organization/", organization.organization_settings, name="organization_settings"),
    path("organization/theme.css", organization.organization_theme, name="organization_theme"),
    path(
        "organization/logo/<str:secret>", organization.organization_logo, name="organization_logo"
    ),
]
