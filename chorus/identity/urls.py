from django.urls import URLPattern, URLResolver, path

from chorus.identity.views import manage, oidc, saml, sign_in

urlpatterns: list[URLPattern | URLResolver] = [
    path("manage/sso/", manage.sso_manage, name="identity_sso"),
    path("manage/sso/saml/", saml.saml_save, name="identity_saml_save"),
    path("manage/sso/saml/metadata.xml", saml.saml_sp_metadata, name="identity_saml_sp_metadata"),
    path(
        "manage/sso/providers/<int:provider_id>/enabled/",
        manage.provider_toggle,
        name="identity_provider_toggle",
    ),
    path(
        "manage/sso/providers/<int:provider_id>/test/",
        manage.provider_test,
        name="identity_provider_test",
    ),
    path(
        "manage/sso/providers/<int:provider_id>/delete/",
        manage.provider_delete,
        name="identity_provider_delete",
    ),
    path(
        "manage/sso/domains/<int:sso_domain_id>/verify/",
        manage.domain_send,
        name="identity_domain_send",
    ),
    path(
        "manage/sso/domains/<int:sso_domain_id>/delete/",
        manage.domain_remove,
        name="identity_domain_remove",
    ),
    path(
        "manage/sso/break-glass/<int:break_glass_id>/delete/",
        manage.break_glass_remove,
        name="identity_break_glass_remove",
    ),
    path("sign-in/sso/", sign_in.sso_discover, name="identity_sso_discover"),
    path("sign-in/sso/continue/", sign_in.sso_start, name="identity_sso_start"),
    path("sso/domains/verify/<str:secret>/", sign_in.domain_verify, name="identity_domain_verify"),
    # allauth's OpenID Connect addresses, served by the strict adapter (chorus/identity/oidc.py).
    path("accounts/oidc/<str:provider_id>/login/", oidc.oidc_login, name="openid_connect_login"),
    path(
        "accounts/oidc/<str:provider_id>/login/callback/",
        oidc.oidc_callback,
        name="openid_connect_callback",
    ),
]
