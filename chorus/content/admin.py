from django.contrib import admin

from chorus.content.models import (
    Caption,
    ComplianceRule,
    ContentPolicy,
    Post,
    PostImage,
    PostTransition,
    PostVersion,
    Source,
    SourceItem,
    Suggestion,
    Topic,
)


class CaptionInline(admin.TabularInline):  # type: ignore[type-arg]
    model = Caption
    extra = 0


class PostImageInline(admin.TabularInline):  # type: ignore[type-arg]
    model = PostImage
    extra = 0


class PostTransitionInline(admin.TabularInline):  # type: ignore[type-arg]
    model = PostTransition
    extra = 0
    readonly_fields = ["from_state", "to_state", "actor", "reason", "created_at"]
    can_delete = False

    def has_add_permission(self, request: object, obj: object = None) -> bool:
        return False


@admin.register(Post)
class PostAdmin(admin.ModelAdmin[Post]):
    list_display = ["title", "organization", "state", "campaign", "publish_start", "version"]
    list_filter = ["state", "organization"]
    search_fields = ["title", "campaign", "link_url"]
    raw_id_fields = ["created_by", "submitted_by", "approved_by", "suggested_by"]
    inlines = [CaptionInline, PostImageInline, PostTransitionInline]


@admin.register(PostVersion)
class PostVersionAdmin(admin.ModelAdmin[PostVersion]):
    list_display = ["post", "number", "created_by", "created_at"]
    raw_id_fields = ["post", "created_by"]


@admin.register(Topic)
class TopicAdmin(admin.ModelAdmin[Topic]):
    list_display = ["name", "organization"]
    search_fields = ["name"]


@admin.register(ContentPolicy)
class ContentPolicyAdmin(admin.ModelAdmin[ContentPolicy]):
    list_display = ["organization", "length_action", "require_other_approver"]


admin.site.register(ComplianceRule)
admin.site.register(Source)
admin.site.register(SourceItem)
admin.site.register(Suggestion)
