from django.urls import path

from chorus.identity.scim.views import admin, endpoints

# What an identity provider calls (bearer token, no session; no trailing slashes, as Okta
# and Entra write them). chorus/identity/scim/middleware.py answers these early.
endpoint_patterns = [
    path(
        "scim/v2/ServiceProviderConfig",
        endpoints.service_provider_config,
        name="scim_service_provider_config",
    ),
    path("scim/v2/Schemas", endpoints.schemas, name="scim_schemas"),
    path("scim/v2/Schemas/<str:schema_id>", endpoints.schema, name="scim_schema"),
    path("scim/v2/ResourceTypes", endpoints.resource_types, name="scim_resource_types"),
    path("scim/v2/ResourceTypes/<str:type_id>", endpoints.resource_type, name="scim_resource_type"),
    path("scim/v2/Users", endpoints.users, name="scim_users"),
    path("scim/v2/Users/<str:scim_id>", endpoints.user, name="scim_user"),
    path("scim/v2/Groups", endpoints.groups, name="scim_groups"),
    path("scim/v2/Groups/<str:scim_id>", endpoints.group, name="scim_group"),
]
# The admins' page.
urlpatterns = [
    *endpoint_patterns,
    path("manage/provisioning/", admin.scim_settings, name="identity_scim_settings"),
    path(
        "manage/provisioning/tokens/<int:scim_token_id>/revoke/",
        admin.scim_token_revoke,
        name="identity_scim_token_revoke",
    ),
]
