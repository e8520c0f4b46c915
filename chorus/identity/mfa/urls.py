from django.urls import URLPattern, URLResolver, path

from chorus.identity.mfa.views import member, policy

urlpatterns: list[URLPattern | URLResolver] = [
    path("two-step-sign-in/required/", member.mfa_required, name="identity_mfa_required"),
    path("manage/two-step-sign-in/", policy.mfa_policy_page, name="identity_mfa_settings"),
]
