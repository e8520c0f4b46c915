"""Announcing a live post to chosen groups on chosen channels (curators and admins)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext, pgettext_lazy

from chorus.accounts.access import MemberRequest, role_required
from chorus.accounts.models import Group
from chorus.content.models import Post
from chorus.notifications.messages import Channel
from chorus.notifications.models import Dispatch
from chorus.reach.selectors.posts import live_posts
from chorus.reach.services.announce import (
    AlreadyAnnounced,
    announcement_key,
    announcement_reach,
    post_announce,
)

CHANNEL_CHOICES = [
    (Channel.IN_APP.value, Channel.IN_APP.label),
    (Channel.EMAIL.value, Channel.EMAIL.label),
    (Channel.SLACK.value, pgettext_lazy("channel", "Slack (members and channels)")),
    (Channel.PUSH.value, Channel.PUSH.label),
    (Channel.TEAMS.value, pgettext_lazy("channel", "Microsoft Teams channels")),
]


# Larger ids are no row's: the database would fail on them instead of finding nothing.
MAX_ID = 2**62


class GroupsField(forms.ModelMultipleChoiceField[Group]):
    def clean(self, value: Any) -> Any:
        for key in value if isinstance(value, list | tuple) else []:
            try:
                number = int(str(key))
            except ValueError:
                continue  # not a number: the field says so itself
            if abs(number) > MAX_ID:
                raise forms.ValidationError(
                    self.error_messages["invalid_choice"],
                    code="invalid_choice",
                    params={"value": key},
                )
        return super().clean(value)


class AnnounceForm(forms.Form):
    groups = GroupsField(
        label=gettext_lazy("Groups"),
        queryset=Group.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=gettext_lazy("None chosen: everyone in the program the post is for."),
    )
    channels = forms.MultipleChoiceField(
        label=gettext_lazy("Channels"),
        choices=CHANNEL_CHOICES,
        widget=forms.CheckboxSelectMultiple,
        help_text=gettext_lazy(
            "Each member gets it only on the channels they chose for announcements."
        ),
    )

    def __init__(self, *args: Any, organization: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        groups = self.fields["groups"]
        assert isinstance(groups, forms.ModelMultipleChoiceField)
        groups.queryset = Group.objects.filter(organization=organization).order_by("kind", "name")


@role_required("curator")
def post_announce_view(request: MemberRequest, post_id: int) -> HttpResponse:
    post = get_object_or_404(Post, organization=request.organization, pk=post_id)
    is_live = Post.objects.filter(
        live_posts(organization=request.organization, now=timezone.now()), pk=post.pk
    ).exists()
    announced = Dispatch.objects.filter(
        organization=request.organization, key=announcement_key(post)
    ).exists()
    data = request.POST if request.method == "POST" else (request.GET or None)
    form = AnnounceForm(
        data,
        organization=request.organization,
        initial={"channels": [Channel.IN_APP.value, Channel.EMAIL.value]},
    )
    reach: int | None = None
    if data is not None and form.is_valid():
        reach = announcement_reach(post=post, groups=form.cleaned_data["groups"])
    elif data is None:
        reach = announcement_reach(post=post, groups=[])
    if request.method == "POST" and is_live and form.is_valid():
        try:
            post_announce(
                post=post,
                groups=form.cleaned_data["groups"],
                channels=form.cleaned_data["channels"],
                actor=request.user,  # type: ignore[arg-type]
            )
        except AlreadyAnnounced:
            messages.error(request, _("This post was already announced today."))
        else:
            messages.success(
                request,
                ngettext(
                    "The announcement is on its way to %(count)s member.",
                    "The announcement is on its way to %(count)s members.",
                    reach or 0,
                )
                % {"count": reach},
            )
        return redirect("reach_announce", post_id=post.pk)
    return render(
        request,
        "reach/announce.html",
        {
            "post": post,
            "form": form,
            "reach": reach,
            "is_live": is_live,
            "announced": announced,
        },
        status=400 if request.method == "POST" else 200,
    )
