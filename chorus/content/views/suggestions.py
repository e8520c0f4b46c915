"""Employee suggestions: members propose links, curators accept (a draft post) or decline."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Page, Paginator
from django.db.models import Case, IntegerField, QuerySet, Value, When
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from chorus.accounts.access import MemberRequest, member_required, role_required
from chorus.actions import suggestions as suggestion_actions
from chorus.content.models import Post, Suggestion, SuggestionStatus
from chorus.content.services import suggestions as suggestion_services

PER_PAGE = 25


class SuggestionForm(forms.Form):
    url = forms.CharField(
        label=_("Link"),
        max_length=2000,
        widget=forms.URLInput(attrs={"placeholder": "https://", "inputmode": "url"}),
        help_text=_("An article, a video or a page worth sharing (http or https)."),
    )
    reason = forms.CharField(
        label=_("Why it matters"),
        max_length=suggestion_services.SUGGESTION_REASON_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("A sentence or two for the communications team."),
    )

    def clean_url(self) -> str:
        return suggestion_services.suggestion_clean_url(self.cleaned_data["url"])


class AcceptForm(forms.Form):
    title = forms.CharField(label=_("Post title"), max_length=200, required=False)


def _paginate(request: MemberRequest, suggestions: QuerySet[Suggestion]) -> Page[Suggestion]:
    return Paginator(suggestions, PER_PAGE).get_page(request.GET.get("page"))


@member_required
def my_suggestions(request: MemberRequest) -> HttpResponse:
    suggestions = Suggestion.objects.filter(
        organization=request.organization, membership=request.membership
    ).order_by("-created_at", "-id")
    return render(
        request, "content/suggestions_mine.html", {"page": _paginate(request, suggestions)}
    )


@member_required
def suggestion_create(request: MemberRequest) -> HttpResponse:
    if not request.membership.is_advocate:
        # Suggesting is an advocacy action: invite them to (re)join instead.
        status = 403 if request.method == "POST" else 200
        return render(request, "content/suggestion_join.html", status=status)
    form = SuggestionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            suggestion_services.suggestion_create(
                membership=request.membership,
                url=form.cleaned_data["url"],
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as error:
            form.add_error(None, error.messages[0])
        except PermissionDenied:
            return render(request, "content/suggestion_join.html", status=403)
        else:
            messages.success(request, gettext("Thank you! A curator will look at your suggestion."))
            return redirect("my_suggestions")
    status = 400 if form.is_bound else 200
    return render(request, "content/suggestion_form.html", {"form": form}, status=status)


@role_required("curator")
def suggestions(request: MemberRequest) -> HttpResponse:
    status = request.GET.get("status", "")
    if status not in SuggestionStatus.values:
        status = ""
    found = Suggestion.objects.filter(organization=request.organization)
    if status:
        found = found.filter(status=status)
    # Waiting suggestions first: they are the curator's work.
    pending_first = Case(
        When(status=SuggestionStatus.PENDING, then=Value(0)),
        default=Value(1),
        output_field=IntegerField(),
    )
    found = found.select_related("membership__user", "decided_by", "post").order_by(
        pending_first, "-created_at", "-id"
    )
    context = {
        "page": _paginate(request, found),
        "status": status,
        "statuses": SuggestionStatus.choices,
    }
    return render(request, "content/suggestions_manage.html", context)


def _suggestion_or_404(request: MemberRequest, suggestion_id: int) -> Suggestion:
    return get_object_or_404(
        Suggestion.objects.select_related("organization", "membership__user"),
        pk=suggestion_id,
        organization=request.organization,
    )


def post_url(post: Post) -> str:
    """The post's page (built by the posts views), or the post list until it exists."""
    try:
        return reverse("post_detail", args=[post.pk])
    except NoReverseMatch:
        return reverse("posts")


@require_POST
@role_required("curator")
def suggestion_accept(request: MemberRequest, suggestion_id: int) -> HttpResponse:
    suggestion = _suggestion_or_404(request, suggestion_id)
    form = AcceptForm(request.POST)
    title = form.cleaned_data["title"] if form.is_valid() else ""
    try:
        post = suggestion_actions.suggestion_accept(
            suggestion=suggestion,
            actor=request.user,  # type: ignore[arg-type]
            title=title,
        )
    except ValidationError as error:
        messages.error(request, error.messages[0])
        return redirect("suggestions")
    messages.success(request, gettext("Suggestion accepted: here is its draft post."))
    return redirect(post_url(post))


@require_POST
@role_required("curator")
def suggestion_decline(request: MemberRequest, suggestion_id: int) -> HttpResponse:
    suggestion = _suggestion_or_404(request, suggestion_id)
    try:
        # The service checks the reason (required, length-limited) and the status.
        suggestion_services.suggestion_decline(
            suggestion=suggestion,
            actor=request.user,  # type: ignore[arg-type]
            reason=request.POST.get("reason", ""),
        )
    except ValidationError as error:
        messages.error(request, error.messages[0])
    else:
        messages.success(request, gettext("Suggestion declined; the member has been told why."))
    return redirect("suggestions")
