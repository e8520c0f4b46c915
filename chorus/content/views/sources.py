"""Curators' pages for third-party content: RSS/Atom sources and the curation queue."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.formats import date_format
from django.utils.timezone import localtime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_POST

from chorus.accounts.access import MemberRequest, role_required
from chorus.content.feeds import poll_interval_minutes
from chorus.content.models import ItemStatus, Post, Source, SourceItem
from chorus.content.selectors import sources as source_selectors
from chorus.content.services import sources as source_services
from chorus.core.validators import WebURLFormField

ITEMS_PER_PAGE = 50


class SourceAddForm(forms.Form):
    url = WebURLFormField(
        label=gettext_lazy("Feed or website address"),
        help_text=gettext_lazy("An RSS or Atom feed, or a page that advertises one."),
    )


class SourceEditForm(forms.Form):
    title = forms.CharField(max_length=300, required=False, label=gettext_lazy("Title"))
    enabled = forms.BooleanField(required=False, label=gettext_lazy("Poll this source"))


def _source_or_404(request: MemberRequest, source_id: int) -> Source:
    return get_object_or_404(Source, pk=source_id, organization=request.organization)


def _item_or_404(request: MemberRequest, item_id: int) -> SourceItem:
    items = SourceItem.objects.select_related("source", "post", "organization")
    return get_object_or_404(items, pk=item_id, organization=request.organization)


def _clean_text(value: str) -> str:
    # NUL characters are refused by PostgreSQL: drop them rather than fail.
    return value.replace("\x00", "")


# Sources ------------------------------------------------------------------------------


@role_required("curator")
def source_list(request: MemberRequest) -> HttpResponse:
    form = SourceAddForm(request.POST or None)
    retry_offer = False
    if request.method == "POST" and form.is_valid():
        try:
            source = source_services.source_create(
                organization=request.organization,
                actor=request.user,  # type: ignore[arg-type]
                url=_clean_text(form.cleaned_data["url"]),
                retry_later=request.POST.get("retry_later") == "1",
            )
        except source_services.FeedUnavailable as error:
            # Not a mistake in the form: the page offers to save it and retry later.
            form.add_error("url", error.messages[0])
            retry_offer = True
        except ValidationError as error:
            form.add_error("url", error.messages[0])
        else:
            _source_added_message(request, source)
            return redirect("sources")
    sources = source_selectors.source_list(organization=request.organization)
    status = 400 if form.is_bound and not retry_offer else 200
    context = {
        "form": form,
        "sources": sources,
        "retry_offer": retry_offer,
        "retry_minutes": poll_interval_minutes(1),
    }
    return render(request, "content/sources.html", context, status=status)


def _source_added_message(request: MemberRequest, source: Source) -> None:
    if source.last_error:
        messages.warning(
            request,
            _(
                "Saved %(source)s. Its feed could not be read yet: %(error)s. "
                "Chorus tries again at %(time)s."
            )
            % {
                "source": source,
                "error": source.last_error,
                "time": date_format(localtime(source.next_poll_at), "SHORT_DATETIME_FORMAT"),
            },
        )
        return
    count = source.items.count()
    messages.success(
        request,
        ngettext(
            "Added %(source)s: %(count)s item in the queue.",
            "Added %(source)s: %(count)s items in the queue.",
            count,
        )
        % {"source": source, "count": count},
    )


@role_required("curator")
def source_detail(request: MemberRequest, source_id: int) -> HttpResponse:
    source = _source_or_404(request, source_id)
    initial = {"title": source.title, "enabled": source.enabled}
    form = SourceEditForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        source_services.source_update(
            source=source,
            actor=request.user,  # type: ignore[arg-type]
            title=_clean_text(form.cleaned_data["title"]),
            enabled=form.cleaned_data["enabled"],
        )
        messages.success(request, _("Source saved."))
        return redirect("source_detail", source_id=source.pk)
    items = source_selectors.source_item_list(
        organization=request.organization, source_id=source.pk
    )
    context = {"source": source, "form": form, "items": items[:10]}
    return render(
        request, "content/source_detail.html", context, status=400 if form.errors else 200
    )


@require_POST
@role_required("curator")
def source_delete(request: MemberRequest, source_id: int) -> HttpResponse:
    source = _source_or_404(request, source_id)
    name = str(source)
    source_services.source_delete(source=source, actor=request.user)  # type: ignore[arg-type]
    messages.success(request, _("Source %(source)s deleted.") % {"source": name})
    return redirect("sources")


@require_POST
@role_required("curator")
def source_poll(request: MemberRequest, source_id: int) -> HttpResponse:
    source = _source_or_404(request, source_id)
    if not source.enabled:
        messages.error(request, _("This source is switched off; switch it on to poll it."))
    else:
        source_services.source_poll_now(source=source, actor=request.user)  # type: ignore[arg-type]
        messages.success(request, _("%(source)s will be polled in a moment.") % {"source": source})
    if request.POST.get("next") == "list":
        return redirect("sources")
    return redirect("source_detail", source_id=source.pk)


# The curation queue -------------------------------------------------------------------


@role_required("curator")
def curation_queue(request: MemberRequest) -> HttpResponse:
    status = request.GET.get("status", ItemStatus.NEW)
    status = status if status in ItemStatus.values or status == "all" else ItemStatus.NEW
    sources = list(Source.objects.filter(organization=request.organization).order_by("title"))
    source_id = _int_or_none(request.GET.get("source", ""))
    if source_id not in {source.pk for source in sources}:
        source_id = None
    items = source_selectors.source_item_list(
        organization=request.organization,
        status="" if status == "all" else status,
        source_id=source_id,
    )
    page = Paginator(items, ITEMS_PER_PAGE).get_page(request.GET.get("page"))
    _add_post_urls(page.object_list)
    context: dict[str, Any] = {
        "page": page,
        "status": status,
        "statuses": [*ItemStatus.choices, ("all", _("All"))],
        "sources": sources,
        "source_id": source_id,
    }
    return render(request, "content/queue.html", context)


def _int_or_none(value: str) -> int | None:
    return int(value) if value.isdigit() and len(value) < 18 else None


def _post_url(post: Post) -> str:
    for name in ("post_edit", "post_detail"):
        try:
            return reverse(name, kwargs={"post_id": post.pk})
        except NoReverseMatch:
            continue
    return reverse("posts")


def _add_post_urls(items: Iterable[SourceItem]) -> None:
    for item in items:
        item.post_url = _post_url(item.post) if item.post is not None else ""  # type: ignore[attr-defined]


def _row_response(
    request: MemberRequest, item: SourceItem, *, notice: str = "", error: str = ""
) -> HttpResponse:
    """The updated queue row for htmx; otherwise back to the queue with a message."""
    if request.htmx:  # type: ignore[attr-defined]
        _add_post_urls([item])
        context = {"item": item, "notice": notice, "error": error}
        return render(request, "content/queue_row.html", context)
    if error:
        messages.error(request, error)
    else:
        messages.success(request, notice)
    return redirect("curation_queue")


@require_POST
@role_required("curator")
def queue_item_draft(request: MemberRequest, item_id: int) -> HttpResponse:
    item = _item_or_404(request, item_id)
    try:
        post = source_services.source_item_create_draft(item=item, actor=request.user)  # type: ignore[arg-type]
    except ValidationError as error:
        return _row_response(request, item, error=error.messages[0])
    item.refresh_from_db()
    if request.htmx:  # type: ignore[attr-defined]
        return _row_response(request, item, notice=_("Draft created."))
    messages.success(
        request, _("Draft created from “%(item)s”.") % {"item": item.title or item.url}
    )
    return redirect(_post_url(post))


@require_POST
@role_required("curator")
def queue_item_dismiss(request: MemberRequest, item_id: int) -> HttpResponse:
    item = _item_or_404(request, item_id)
    try:
        source_services.source_item_dismiss(item=item, actor=request.user)  # type: ignore[arg-type]
    except ValidationError as error:
        return _row_response(request, item, error=error.messages[0])
    return _row_response(request, item, notice=_("Dismissed."))
