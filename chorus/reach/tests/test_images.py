"""The post's picture in a message: a signed public address a mail client can load."""

from __future__ import annotations

import datetime
import io
from typing import Any

import pytest
import time_machine
from django.core import signing
from django.core.files.base import ContentFile
from django.utils import timezone
from PIL import Image

from chorus.accounts.models import Organization
from chorus.content.models import Post, PostState
from chorus.factories import OrganizationFactory, PostFactory
from chorus.notifications.models import Dispatch
from chorus.reach.links import IMAGE_SALT, image_link
from chorus.reach.services.composers import announcement_compose
from chorus.reach.tests.conftest import joined

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("site")]


def _webp() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (60, 34), (20, 90, 160)).save(buffer, format="WEBP")
    return buffer.getvalue()


def _pictured(organization: Organization, **fields: Any) -> Post:
    post: Post = PostFactory.create(organization=organization, state=PostState.LIVE, **fields)
    post.preview_thumbnail.save("thumb.webp", ContentFile(_webp()), save=True)
    return post


def _path(url: str) -> str:
    return url.removeprefix("https://chorus.example")


def test_a_signed_out_mail_client_loads_a_live_posts_picture(
    client: Any, organization: Organization
) -> None:
    post = _pictured(organization)

    response = client.get(_path(image_link(post)))

    assert response.status_code == 200
    assert response["Content-Type"] == "image/webp"
    assert response["Cache-Control"] == "public, max-age=86400"
    assert response["X-Content-Type-Options"] == "nosniff"
    picture = Image.open(io.BytesIO(b"".join(response.streaming_content)))
    assert picture.size == (60, 34)


def test_messages_about_a_post_carry_its_public_picture_address(
    client: Any, organization: Organization
) -> None:
    post = _pictured(organization, title="Our launch")
    member = joined(organization)
    dispatch = Dispatch.objects.create(
        organization=organization,
        category="announcement",
        key=f"announce:{post.pk}",
        composer="announcement",
        params={"post_id": post.pk},
    )

    member_message, channel_message = announcement_compose(dispatch, [member, None])

    assert member_message is not None and channel_message is not None
    for message in (member_message, channel_message):
        url = message.items[0].image_url
        assert url.startswith("https://chorus.example/r/image/")
        assert client.get(_path(url)).status_code == 200


def test_an_altered_or_expired_picture_link_is_not_found(
    client: Any, organization: Organization
) -> None:
    post = _pictured(organization)
    with time_machine.travel(timezone.now() - datetime.timedelta(days=31)):
        expired = _path(image_link(post))
    forged = signing.dumps({"o": organization.pk, "p": post.pk}, salt="chorus.reach.share-link")
    token = _path(image_link(post)).split("/")[-2]
    tampered = token[:-2] + ("AA" if not token.endswith("AA") else "BB")

    assert client.get(expired).status_code == 404
    assert client.get(f"/r/image/{forged}/").status_code == 404
    assert client.get(f"/r/image/{tampered}/").status_code == 404
    assert client.get("/r/image/not-a-token/").status_code == 404


def test_another_organizations_post_cannot_be_reached_by_editing_the_token(
    client: Any, organization: Organization
) -> None:
    ours = _pictured(organization)
    theirs = _pictured(OrganizationFactory.create(name="Globex", slug="globex"))
    # Only the signature is secret: a token naming their post under our organization (as
    # someone who knew the signing key could write) still finds nothing.
    crossed = signing.dumps({"o": organization.pk, "p": theirs.pk}, salt=IMAGE_SALT)
    token = _path(image_link(ours)).split("/")[-2]
    _, _, rest = token.partition(":")
    edited = (
        signing.b64_encode(f'{{"o":{organization.pk},"p":{theirs.pk}}}'.encode()).decode()
        + f":{rest}"
    )

    assert client.get(f"/r/image/{crossed}/").status_code == 404
    assert client.get(f"/r/image/{edited}/").status_code == 404
    assert client.get(_path(image_link(theirs))).status_code == 200


def test_a_post_no_longer_live_or_without_a_picture_is_not_found(
    client: Any, organization: Organization
) -> None:
    archived = _pictured(organization)
    url = _path(image_link(archived))
    Post.objects.filter(pk=archived.pk).update(state=PostState.ARCHIVED)
    plain: Post = PostFactory.create(organization=organization, state=PostState.LIVE)
    ended = _pictured(organization, publish_end=timezone.now() + datetime.timedelta(hours=1))
    ended_url = _path(image_link(ended))

    assert client.get(url).status_code == 404
    assert client.get(_path(image_link(plain))).status_code == 404
    with time_machine.travel(timezone.now() + datetime.timedelta(hours=2)):
        assert client.get(ended_url).status_code == 404
