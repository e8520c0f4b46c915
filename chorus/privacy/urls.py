from django.urls import URLPattern, URLResolver, path

from chorus.privacy.views import data, manage

urlpatterns: list[URLPattern | URLResolver] = [
    path("settings/data/", data.data_page, name="privacy_data"),
    path("settings/data/export/", data.export_request, name="privacy_export_request"),
    path(
        "settings/data/export/<int:export_id>/download/",
        data.export_download,
        name="privacy_export_download",
    ),
    path("settings/data/erasure/", data.erasure_request, name="privacy_erasure_request"),
    path("settings/data/erasure/cancel/", data.erasure_cancel, name="privacy_erasure_cancel"),
    path("manage/organization/data/", manage.data_overview, name="organization_data"),
    path(
        "manage/organization/data/retention/",
        manage.retention_page,
        name="organization_data_retention",
    ),
    path(
        "manage/organization/data/members/<int:member_id>/erase/",
        manage.member_erase,
        name="organization_data_member_erase",
    ),
    path(
        "manage/organization/data/erasures/<int:erasure_id>/carry-out/",
        manage.erasure_carry_out,
        name="organization_data_erasure_carry_out",
    ),
]
