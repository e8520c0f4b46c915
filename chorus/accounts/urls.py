from chorus.accounts.views import audit, groups, invitations, members, organization, profile, tokens

urlpatterns = [
    *profile.urls,
    *tokens.urls,
    *invitations.urls,
    *members.urls,
    *groups.urls,
    *audit.urls,
    *organization.urls,
]
