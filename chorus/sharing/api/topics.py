"""The topics API: the organization's topics, which ones I follow, following and unfollowing.

Posts of the topics a member follows come first in their feed (after the post of the day).
"""

from __future__ import annotations

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Schema
from ninja.errors import HttpError

from chorus.api.auth import api_roles, calling_member
from chorus.api.schema import Error, PathId
from chorus.content.models import Topic
from chorus.sharing.selectors.topics import topic_choices, topic_get
from chorus.sharing.services.topics import topic_follow, topic_unfollow

router = Router(tags=["topics"])


class TopicFollowOut(Schema):
    id: int
    name: str
    following: bool


def _topic(request: HttpRequest, topic_id: int) -> Topic:
    topic = topic_get(organization=calling_member(request).organization, topic_id=topic_id)
    if topic is None:
        raise HttpError(404, _("No such topic."))
    return topic


def _out(topic: Topic, *, following: bool) -> TopicFollowOut:
    return TopicFollowOut(id=topic.pk, name=topic.name, following=following)


@router.get(
    "/topics",
    response=list[TopicFollowOut],
    summary="The organization's topics, and whether I follow each",
)
@api_roles()
def topic_list(request: HttpRequest) -> list[TopicFollowOut]:
    member = calling_member(request)
    return [
        TopicFollowOut(id=choice.pk, name=choice.name, following=choice.followed)
        for choice in topic_choices(organization=member.organization, membership=member)
    ]


@router.put(
    "/topics/{topic_id}/follow",
    response={200: TopicFollowOut, 404: Error},
    summary="Follow a topic",
    description="Its posts come first in my feed. Following it again changes nothing.",
)
@api_roles()
def topic_follow_put(request: HttpRequest, topic_id: PathId) -> TopicFollowOut:
    topic = _topic(request, topic_id)
    topic_follow(membership=calling_member(request), topic=topic)
    return _out(topic, following=True)


@router.delete(
    "/topics/{topic_id}/follow",
    response={200: TopicFollowOut, 404: Error},
    summary="Stop following a topic",
)
@api_roles()
def topic_follow_delete(request: HttpRequest, topic_id: PathId) -> TopicFollowOut:
    topic = _topic(request, topic_id)
    topic_unfollow(membership=calling_member(request), topic=topic)
    return _out(topic, following=False)
