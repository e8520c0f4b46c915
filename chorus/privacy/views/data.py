"""The member's own page "Your data" (Settings): their export and their erasure request."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from chorus.accounts.access import MemberRequest, member_required
from chorus.privacy.forms import ErasureConfirmForm
from chorus.privacy.selectors import privacy as selectors
from chorus.privacy.services import erasure as erasure_services
from chorus.privacy.services import export as export_services


def _page(request: MemberRequest, form: ErasureConfirmForm | None = None) -> HttpResponse:
    membership = request.membership
    return render(
        request,
        "privacy/data.html",
        {
            "exports": selectors.exports_of(membership=membership),
            "erasure": selectors.erasure_pending(membership=membership),
            "erasure_form": form or ErasureConfirmForm(),
            "erasure_refusal": erasure_services.erasure_refusal(membership=membership),
            "export_days": export_services.EXPORT_DAYS,
        },
    )


@member_required
def data_page(request: MemberRequest) -> HttpResponse:
    return _page(request)


@require_POST
@member_required
def export_request(request: MemberRequest) -> HttpResponse:
    try:
        export_services.export_request(membership=request.membership)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request,
            _("Your data is being prepared. You will be told here and by email when it is ready."),
        )
    return redirect("privacy_data")


@member_required
def export_download(request: MemberRequest, export_id: int) -> HttpResponse:
    export = selectors.export_downloadable(membership=request.membership, export_id=export_id)
    if export is None:
        raise Http404("No such export.")
    path = export_services.export_path(export)
    if not path.exists():
        raise Http404("No such export.")
    day = export.requested_at.date().isoformat()
    # A streamed file: the access decorators type pages as HttpResponse.
    return FileResponse(  # type: ignore[return-value]
        path.open("rb"),
        as_attachment=True,
        filename=f"chorus-my-data-{day}.zip",
        content_type="application/zip",
    )


@require_POST
@member_required
def erasure_request(request: MemberRequest) -> HttpResponse:
    form = ErasureConfirmForm(request.POST)
    if form.is_valid():
        try:
            erasure_services.erasure_request(
                membership=request.membership, confirm_email=form.cleaned_data["email"]
            )
        except ValidationError as error:
            form.add_error("email", error)
        else:
            messages.success(
                request,
                _("Your request was received. You can cancel it here during the next 7 days."),
            )
            return redirect("privacy_data")
    return _page(request, form)


@require_POST
@member_required
def erasure_cancel(request: MemberRequest) -> HttpResponse:
    pending = selectors.erasure_pending(membership=request.membership)
    if pending is not None:
        erasure_services.erasure_cancel(erasure=pending)
        messages.success(request, _("Your request to be erased was cancelled."))
    return redirect("privacy_data")
