"""Badge emblems and reward pictures: what members and admins see, and what is refused."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.conf import settings
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from chorus.core.models import AuditEvent
from chorus.factories import MembershipFactory, OrganizationFactory
from chorus.gamification.models import Badge, BadgeAward, Criterion, Reward


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = tmp_path


def jpeg(size: tuple[int, int] = (2000, 1500)) -> bytes:
    buffer = io.BytesIO()
    exif = Image.Exif()
    exif[0x010F] = "Camera Maker"
    Image.new("RGB", size, "orange").save(buffer, format="JPEG", exif=exif.tobytes())
    return buffer.getvalue()


def reward_form(**changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {"name": "Hoodie", "description": "", "price": 100, "stock": 5}
    data["active"] = "on"
    data.update(changes)
    return data


def test_every_criterion_has_an_emblem_from_the_icon_sprite():
    sprite_names = (settings.BASE_DIR / "scripts" / "build_icons.py").read_text()

    for criterion in Criterion.values:
        icon = Badge(criterion=criterion).icon
        assert f'    "{icon}",\n' in sprite_names, criterion


def test_badges_page_shows_earned_emblems_in_colour_and_the_others_greyed(client, organization):
    member = MembershipFactory(organization=organization)
    earned = Badge.objects.create(
        organization=organization, name="Streak", criterion=Criterion.STREAK_WEEKS, threshold=2
    )
    Badge.objects.create(
        organization=organization, name="Globetrotter", criterion=Criterion.NETWORKS, threshold=3
    )
    BadgeAward.objects.create(organization=organization, badge=earned, membership=member)
    client.force_login(member.user)

    html = client.get(reverse("badges")).content.decode()

    assert '<span class="badge-emblem" aria-hidden="true"><svg class="icon"' in html
    assert "#flame" in html
    assert '<span class="badge-emblem locked" aria-hidden="true">' in html
    assert "#globe" in html


def test_admin_badge_pages_show_the_emblems(admin_client, organization):
    badge = Badge.objects.create(
        organization=organization, name="Idea", criterion=Criterion.SUGGESTION_ACCEPTED
    )

    listing = admin_client.get(reverse("manage_badges")).content.decode()
    edit = admin_client.get(reverse("manage_badge_edit", args=[badge.pk])).content.decode()

    assert "badge-emblem small" in listing and "#lightbulb" in listing
    assert "#lightbulb" in edit


def test_an_admin_adds_a_reward_with_a_picture_re_encoded_without_metadata(
    admin_client, organization
):
    upload = SimpleUploadedFile("hoodie.jpg", jpeg(), content_type="image/jpeg")

    response = admin_client.post(reverse("manage_rewards"), reward_form(picture=upload))

    assert response.status_code == 302
    reward = Reward.objects.get(name="Hoodie")
    assert (reward.picture_width, reward.picture_height) == (800, 600)
    with default_storage.open(reward.picture.name, "rb") as handle:
        stored = Image.open(io.BytesIO(handle.read()))
    assert stored.format == "WEBP" and not stored.getexif()
    assert AuditEvent.objects.filter(action="reward.picture_changed").exists()


def test_members_see_the_picture_in_the_catalogue(client, organization):
    reward = Reward.objects.create(organization=organization, name="Mug", price=10, stock=3)
    admin = MembershipFactory(organization=organization, is_admin=True)
    client.force_login(admin.user)
    client.post(
        reverse("manage_reward_edit", args=[reward.pk]),
        reward_form(name="Mug", picture=SimpleUploadedFile("m.jpg", jpeg((400, 300)))),
    )
    reward.refresh_from_db()
    member = MembershipFactory(organization=organization)
    client.force_login(member.user)

    html = client.get(reverse("rewards")).content.decode()
    picture = client.get(reverse("reward_picture", args=[reward.pk]))

    address = f"{reverse('reward_picture', args=[reward.pk])}?v={reward.picture_version}"
    assert f'src="{address}" alt="Mug"' in html
    assert picture.status_code == 200 and picture["Content-Type"] == "image/webp"
    api = client.get("/api/v1/rewards").json()
    assert api[0]["picture_url"] == address


def test_a_file_that_is_not_a_picture_is_refused_and_nothing_is_saved(admin_client, organization):
    upload = SimpleUploadedFile("hoodie.png", b"<svg xmlns='http://www.w3.org/2000/svg'/>")

    response = admin_client.post(reverse("manage_rewards"), reward_form(picture=upload))

    assert response.status_code == 422
    assert "SVG files can carry scripts" in response.content.decode()
    assert not Reward.objects.filter(name="Hoodie").exists()


def test_editing_can_remove_the_picture(admin_client, organization):
    reward = Reward.objects.create(organization=organization, name="Mug", price=10, stock=3)
    url = reverse("manage_reward_edit", args=[reward.pk])
    admin_client.post(url, reward_form(name="Mug", picture=SimpleUploadedFile("m.jpg", jpeg())))

    response = admin_client.post(url, reward_form(name="Mug", remove_picture="on"))

    assert response.status_code == 302
    reward.refresh_from_db()
    assert not reward.picture and reward.picture_width == 0
    assert AuditEvent.objects.filter(action="reward.picture_removed").exists()


def test_another_organizations_reward_picture_is_404(client, organization):
    reward = Reward.objects.create(organization=organization, name="Mug", price=10, stock=3)
    admin = MembershipFactory(organization=organization, is_admin=True)
    client.force_login(admin.user)
    url = reverse("manage_reward_edit", args=[reward.pk])
    client.post(url, reward_form(name="Mug", picture=SimpleUploadedFile("m.jpg", jpeg())))
    stranger = MembershipFactory(organization=OrganizationFactory(name="Globex", slug="globex"))
    client.force_login(stranger.user)

    assert client.get(reverse("reward_picture", args=[reward.pk])).status_code == 404
