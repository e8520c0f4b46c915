"""Forms of the content pages. They parse and validate input; services do the writes."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from chorus.accounts.models import Group, GroupKind, Organization
from chorus.content.compliance import CheckResult, check_text
from chorus.content.models import CaptionMode, ComplianceRule, Network, Post
from chorus.content.services.posts import PostDetails, post_image_validate
from chorus.core.validators import WebURLFormField

MAX_IMAGES_PER_SAVE = 10
CAPTION_MAX_LENGTH = 70000
DATETIME_FORMAT = "%Y-%m-%dT%H:%M"


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleImageField(forms.FileField):
    """Several files in one input; cleans to a list (empty when none was chosen)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault(
            "widget",
            MultipleFileInput(attrs={"accept": "image/jpeg,image/png,image/gif,image/webp"}),
        )
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[UploadedFile]:
        files = data if isinstance(data, list | tuple) else [data] if data else []
        return [super(MultipleImageField, self).clean(item, initial) for item in files]


def caption_field_name(network: str) -> str:
    return f"caption_{network}"


def _caption_attrs(network: str) -> dict[str, str]:
    """Each caption asks for its length and compliance verdict as it is typed (htmx)."""
    return {
        "rows": "3",
        "hx-post": reverse("post_caption_check"),
        "hx-trigger": "load, input changed delay:400ms",
        "hx-vals": json.dumps({"network": network}),
        "hx-target": f"#verdict-{network}",
        "hx-swap": "innerHTML",
        "hx-sync": "this:replace",
    }


@dataclass(frozen=True)
class CaptionSlot:
    """One network's caption field with its length and verdict as the page opens."""

    network: str
    field: forms.BoundField
    result: CheckResult

    @property
    def over(self) -> bool:
        return self.result.length > self.result.limit


class PostForm(forms.Form):
    title = forms.CharField(max_length=200, label=_("Title"))
    commentary = forms.CharField(
        required=False,
        max_length=10000,
        widget=forms.Textarea(attrs={"rows": 3}),
        label=_("Commentary"),
        help_text=_("For members: why this matters and how to talk about it."),
    )
    link_url = WebURLFormField(required=False, label=_("Link"))
    caption_mode = forms.ChoiceField(
        choices=CaptionMode.choices,
        initial=CaptionMode.EDITABLE,
        widget=forms.RadioSelect,
        label=_("Caption mode"),
    )
    target = forms.ChoiceField(
        choices=[("all", _("All members")), ("groups", _("Chosen groups"))],
        initial="all",
        widget=forms.RadioSelect,
        label=_("Audience"),
    )
    target_groups = forms.ModelMultipleChoiceField(
        queryset=Group.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label=_("Groups"),
        help_text=_(
            "Groups of one kind add up; different kinds narrow down "
            "(Sales in France = Sales and France)."
        ),
    )
    topics = forms.CharField(
        required=False,
        max_length=1500,
        label=_("Topics"),
        help_text=_("Comma-separated, e.g. AI, hiring, events."),
    )
    publish_start = forms.DateTimeField(
        required=False,
        label=_("Publish from"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_FORMAT),
    )
    publish_end = forms.DateTimeField(
        required=False,
        label=_("Publish until"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_FORMAT),
    )
    post_of_the_day = forms.DateField(
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        label=_("Post of the day"),
        help_text=_("The coordinated daily action: one post per day."),
    )
    pilot_until = forms.DateTimeField(
        required=False,
        label=_("Pilot first, everyone from"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_FORMAT),
        help_text=_(
            "Until then only the pilot members of its audience see the post; "
            "then everyone it is meant for. Leave empty to reach everyone at once."
        ),
    )
    requires_certification = forms.BooleanField(
        required=False,
        label=_("Only certified members may share this post"),
        # The page names what the admin requires (training sits above content).
        help_text=_("An admin sets which certification on the “What needs certification” page."),
    )
    campaign = forms.CharField(
        required=False,
        max_length=100,
        label=_("Campaign"),
        widget=forms.TextInput(attrs={"list": "campaign-options", "autocomplete": "off"}),
    )
    images = MultipleImageField(required=False, label=_("Add images"))
    image_alt_text = forms.CharField(
        required=False,
        max_length=500,
        label=_("Alt text of the new images"),
        help_text=_("Describe the image for people who can't see it."),
    )

    def __init__(
        self, *args: Any, organization: Organization, pilot_running: bool = False, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.organization = organization
        # "Pilot first" is offered only while a pilot runs (the page asks the pilot app);
        # a date set before stays as it is when the field is not shown.
        if not pilot_running:
            del self.fields["pilot_until"]
        groups_field: Any = self.fields["target_groups"]
        groups_field.queryset = Group.objects.filter(organization=organization).order_by(
            "kind", "name"
        )
        for network, label in Network.choices:
            self.fields[caption_field_name(network)] = forms.CharField(
                required=False,
                max_length=CAPTION_MAX_LENGTH,
                label=label,
                widget=forms.Textarea(attrs=_caption_attrs(network)),
                strip=False,
            )

    @staticmethod
    def initial_for(post: Post) -> dict[str, Any]:
        initial: dict[str, Any] = {
            name: getattr(post, name)
            for name in (
                "title",
                "commentary",
                "link_url",
                "caption_mode",
                "publish_start",
                "publish_end",
                "post_of_the_day",
                "requires_certification",
                "campaign",
                "pilot_until",
            )
        }
        initial["target"] = "all" if post.target_all else "groups"
        initial["target_groups"] = list(post.target_groups.all())
        initial["topics"] = ", ".join(topic.name for topic in post.topics.all())
        for caption in post.captions.all():
            initial[caption_field_name(caption.network)] = caption.text
        return initial

    def caption_fields(self) -> list[CaptionSlot]:
        """Every network's caption field, each with its counter and verdict in the page as
        it opens (htmx then asks again, with the highlights, and as the curator types)."""
        rules = list(ComplianceRule.objects.filter(organization=self.organization))
        link_url = str(self["link_url"].value() or "")
        slots = []
        for network in Network.values:
            field = self[caption_field_name(network)]
            text = str(field.value() or "").replace("\r\n", "\n")
            result = check_text(
                organization=self.organization,
                network=network,
                text=text[:CAPTION_MAX_LENGTH],
                link_url=link_url[:2000],
                rules=rules,
            )
            slots.append(CaptionSlot(network=network, field=field, result=result))
        return slots

    def groups_by_kind(self) -> list[tuple[str, list[Any]]]:
        """The group checkboxes, under a heading per kind (department, region, ...)."""
        widgets = list(self["target_groups"])
        grouped = []
        for kind, label in GroupKind.choices:
            boxes = [box for box in widgets if box.data["value"].instance.kind == kind]
            if boxes:
                grouped.append((str(label), boxes))
        return grouped

    def clean_images(self) -> list[UploadedFile]:
        images: list[UploadedFile] = self.cleaned_data.get("images") or []
        if len(images) > MAX_IMAGES_PER_SAVE:
            raise ValidationError(
                gettext("Add at most %(count)s images at a time.") % {"count": MAX_IMAGES_PER_SAVE}
            )
        problems = []
        for image in images:
            try:
                post_image_validate(image)
            except ValidationError as error:
                problems.extend(error.messages)
        if problems:
            raise ValidationError(problems)
        return images

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("publish_start"), data.get("publish_end")
        if start and end and end <= start:
            self.add_error("publish_end", gettext("The publish window must end after it starts."))
        no_groups = data.get("target") == "groups" and not data.get("target_groups")
        if no_groups and "target_groups" not in self.errors:
            self.add_error("target_groups", gettext("Choose at least one group, or all members."))
        return data

    def captions(self) -> dict[str, str]:
        return {
            network: self.cleaned_data.get(caption_field_name(network)) or ""
            for network in Network.values
        }

    def details(self) -> PostDetails:
        data = self.cleaned_data
        return PostDetails(
            caption_mode=data["caption_mode"],
            target_all=data["target"] == "all",
            target_groups=list(data.get("target_groups") or []),
            topic_names=(data.get("topics") or "").split(","),
            publish_start=data.get("publish_start"),
            publish_end=data.get("publish_end"),
            post_of_the_day=data.get("post_of_the_day"),
            requires_certification=bool(data.get("requires_certification")),
            pilot_until=data.get("pilot_until")
            if "pilot_until" in self.fields
            else self.initial.get("pilot_until"),
        )

    def image_uploads(self) -> list[tuple[UploadedFile, str]]:
        alt_text = self.cleaned_data.get("image_alt_text") or ""
        return [(image, alt_text) for image in self.cleaned_data.get("images") or []]


class RejectForm(forms.Form):
    reason = forms.CharField(
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        label=_("Reason"),
        help_text=_("The curator sees this and fixes the post."),
    )


class ImageAltForm(forms.Form):
    alt_text = forms.CharField(required=False, max_length=500, label=_("Alt text"))
