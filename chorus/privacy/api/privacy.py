"""The personal data API: a member asks for their data, reads its status and downloads it,
asks to be erased (or cancels); an admin erases a member."""

from __future__ import annotations

from datetime import datetime

from django.http import FileResponse, HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status
from ninja.errors import HttpError

from chorus.accounts.selectors import members as member_selectors
from chorus.api.auth import api_roles, calling_member
from chorus.api.schema import Error, Input, PathId
from chorus.privacy.models import DataExport, ErasureRequest
from chorus.privacy.selectors import privacy as selectors
from chorus.privacy.services import erasure as erasure_services
from chorus.privacy.services import export as export_services

router = Router(tags=["personal data"])


class DataExportOut(Schema):
    id: int
    status: str = Field(description="pending | ready | failed | expired")
    requested_at: datetime
    finished_at: datetime | None
    expires_at: datetime | None = Field(description="The download is deleted then")
    size: int = Field(description="Bytes of the ZIP")


class ErasureRequestOut(Schema):
    id: int
    status: str = Field(description="pending | cancelled | done")
    requested_at: datetime
    due_at: datetime = Field(description="Carried out then, unless cancelled")


class ErasureRequestIn(Input):
    email: str = Field(max_length=254, description="The caller's email address, to confirm")


class MemberErasedOut(Schema):
    member_id: int
    name: str = Field(description='What the member is shown as now ("Former member #<id>")')


def _export_out(export: DataExport) -> DataExportOut:
    return DataExportOut(
        id=export.pk,
        status=export.status,
        requested_at=export.requested_at,
        finished_at=export.finished_at,
        expires_at=export.expires_at,
        size=export.size,
    )


def _erasure_out(erasure: ErasureRequest) -> ErasureRequestOut:
    return ErasureRequestOut(
        id=erasure.pk,
        status=erasure.status,
        requested_at=erasure.requested_at,
        due_at=erasure.due_at,
    )


@router.get("/me/data-exports", response=list[DataExportOut], summary="The caller's exports")
@api_roles()
def data_exports_list(request: HttpRequest) -> list[DataExportOut]:
    caller = calling_member(request)
    return [_export_out(export) for export in selectors.exports_of(membership=caller)]


@router.post(
    "/me/data-exports",
    response={202: DataExportOut, 422: Error},
    summary="Ask for a ZIP of all the caller's data",
    description="One at a time: refused while one is being prepared. The caller is told "
    "when it is ready; it is kept for 7 days.",
)
@api_roles()
def data_export_request(request: HttpRequest) -> Status[DataExportOut]:
    caller = calling_member(request)
    export = export_services.export_request(membership=caller)
    export.refresh_from_db()
    return Status(202, _export_out(export))


@router.get(
    "/me/data-exports/{export_id}",
    response={200: DataExportOut, 404: Error},
    summary="One of the caller's exports",
)
@api_roles()
def data_export_get(request: HttpRequest, export_id: PathId) -> DataExportOut:
    caller = calling_member(request)
    export = selectors.export_get(membership=caller, export_id=export_id)
    if export is None:
        raise HttpError(404, _("No such export."))
    return _export_out(export)


@router.get(
    "/me/data-exports/{export_id}/download",
    response={200: None, 404: Error},
    summary="Download the caller's ready export (a ZIP)",
    openapi_extra={
        "responses": {"200": {"content": {"application/zip": {"schema": {"type": "string"}}}}}
    },
)
@api_roles()
def data_export_download(request: HttpRequest, export_id: PathId) -> FileResponse:
    caller = calling_member(request)
    export = selectors.export_downloadable(membership=caller, export_id=export_id)
    if export is None or not export_services.export_path(export).exists():
        raise HttpError(404, _("No such export."))
    return FileResponse(
        export_services.export_path(export).open("rb"),
        as_attachment=True,
        filename=f"chorus-my-data-{export.requested_at.date().isoformat()}.zip",
        content_type="application/zip",
    )


@router.get(
    "/me/erasure-request",
    response={200: ErasureRequestOut, 404: Error},
    summary="The caller's pending erasure request",
)
@api_roles()
def erasure_request_get(request: HttpRequest) -> ErasureRequestOut:
    caller = calling_member(request)
    pending = selectors.erasure_pending(membership=caller)
    if pending is None:
        raise HttpError(404, _("You have not asked to be erased."))
    return _erasure_out(pending)


@router.post(
    "/me/erasure-request",
    response={201: ErasureRequestOut, 422: Error},
    summary="Ask to be erased from this organization",
    description="Confirmed by the caller's email; carried out after 7 days unless cancelled.",
)
@api_roles()
def erasure_request_create(
    request: HttpRequest, body: ErasureRequestIn
) -> Status[ErasureRequestOut]:
    caller = calling_member(request)
    erasure = erasure_services.erasure_request(membership=caller, confirm_email=body.email)
    return Status(201, _erasure_out(erasure))


@router.delete(
    "/me/erasure-request",
    response={204: None, 404: Error},
    summary="Cancel the caller's pending erasure request",
)
@api_roles()
def erasure_request_cancel(request: HttpRequest) -> Status[None]:
    caller = calling_member(request)
    pending = selectors.erasure_pending(membership=caller)
    if pending is None:
        raise HttpError(404, _("You have not asked to be erased."))
    erasure_services.erasure_cancel(erasure=pending)
    return Status(204, None)


@router.post(
    "/members/{member_id}/erase",
    response={200: MemberErasedOut, 404: Error, 422: Error},
    summary="Erase a member's personal data now (admins)",
    description="Refused for the organization's last admin. Cannot be undone.",
)
@api_roles("admin")
def member_erase_api(request: HttpRequest, member_id: PathId) -> MemberErasedOut:
    caller = calling_member(request)
    member = member_selectors.member_get(organization=caller.organization, member_id=member_id)
    if member is None:
        raise HttpError(404, _("No such member."))
    erasure_services.member_erase(membership=member, actor=caller.user)
    return MemberErasedOut(member_id=member.pk, name=erasure_services.former_member_name(member))
