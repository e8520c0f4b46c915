"""Link previews' images: fetched from a real server on loopback, re-encoded, served by us."""

from __future__ import annotations

import io
import struct
import zlib
from typing import Any

import pytest
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.urls import reverse
from PIL import Image

from chorus.accounts.models import ProgramStatus
from chorus.content.models import Post, PostState, PreviewStatus
from chorus.content.services import posts as post_services
from chorus.content.tests.feed_server import feed_server
from chorus.factories import MembershipFactory, OrganizationFactory, PostFactory


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def server(settings: Any) -> Any:
    settings.HTTP_ALLOW_LOOPBACK = True
    with feed_server() as running:
        yield running


def picture(
    size: tuple[int, int] = (1600, 900), image_format: str = "JPEG", **options: Any
) -> bytes:
    buffer = io.BytesIO()
    mode = "RGBA" if image_format in ("PNG", "WEBP") and options.pop("alpha", False) else "RGB"
    Image.new(mode, size, (200, 40, 60) if mode == "RGB" else (200, 40, 60, 128)).save(
        buffer, format=image_format, **options
    )
    return buffer.getvalue()


def page_with_image(server: Any, image_path: str, title: str = "Our launch") -> str:
    return str(
        server.serve(
            "/article",
            f'<html><head><meta property="og:title" content="{title}">'
            f'<meta property="og:image" content="{image_path}"></head></html>',
            content_type="text/html; charset=utf-8",
        )
    )


def post_with_page(organization: Any, url: str, **fields: Any) -> Any:
    fields.setdefault("state", PostState.LIVE)
    return PostFactory(organization=organization, title="Launch day", link_url=url, **fields)


def stored(name: str) -> Image.Image:
    with default_storage.open(name, "rb") as handle:
        image = Image.open(io.BytesIO(handle.read()))
        image.load()
        return image


def test_the_preview_image_is_fetched_resized_and_stored_without_metadata(server, organization):
    exif = Image.Exif()
    exif[0x010F] = "Spy Camera Inc."  # Make
    exif[0x8825] = {2: (48.0, 8.0, 0.0)}  # GPS latitude
    server.serve("/hero.jpg", picture(exif=exif.tobytes()), content_type="image/jpeg")
    post = post_with_page(organization, page_with_image(server, "/hero.jpg"))

    assert post_services.post_update_preview(post_id=post.pk) == PreviewStatus.OK

    post.refresh_from_db()
    assert post.preview_image_url == server.url("/hero.jpg")
    assert (post.preview_image_width, post.preview_image_height) == (1200, 675)
    large, small = stored(post.preview_image.name), stored(post.preview_thumbnail.name)
    assert large.format == small.format == "WEBP"
    assert large.size == (1200, 675)
    assert small.size == (600, 338)
    assert post.preview_thumbnail_width == 600
    assert not large.getexif() and "exif" not in large.info and "icc_profile" not in large.info
    assert post.preview_image.name.startswith(f"previews/{organization.pk}/{post.pk}/")
    assert post.preview_image_error == ""


def test_the_same_image_is_not_fetched_again_on_refresh(server, organization):
    server.serve("/hero.png", picture(image_format="PNG"), content_type="image/png")
    post = post_with_page(organization, page_with_image(server, "/hero.png"))
    post_services.post_update_preview(post_id=post.pk)
    first = Post.objects.get(pk=post.pk).preview_image.name

    post_services.post_update_preview(post_id=post.pk)

    assert len(server.requests_to("/hero.png")) == 1
    assert Post.objects.get(pk=post.pk).preview_image.name == first


def test_a_new_image_replaces_the_old_files(
    server, organization, django_capture_on_commit_callbacks
):
    server.serve("/one.png", picture(image_format="PNG"), content_type="image/png")
    server.serve("/two.png", picture((800, 800), image_format="PNG"), content_type="image/png")
    post = post_with_page(organization, page_with_image(server, "/one.png"))
    post_services.post_update_preview(post_id=post.pk)
    old = Post.objects.get(pk=post.pk)
    page_with_image(server, "/two.png")

    with django_capture_on_commit_callbacks(execute=True):
        post_services.post_update_preview(post_id=post.pk)

    post.refresh_from_db()
    assert (post.preview_image_width, post.preview_image_height) == (800, 800)
    assert default_storage.exists(post.preview_image.name)
    assert not default_storage.exists(old.preview_image.name)
    assert not default_storage.exists(old.preview_thumbnail.name)


@pytest.mark.parametrize(
    ("body", "content_type", "reason"),
    [
        (b"<html>Not found</html>", "text/html", "not an image (text/html)"),
        (b"definitely not a picture", "image/png", "is not an image we can read"),
        (
            b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
            "image/svg+xml",
            "not an image (image/svg+xml)",
        ),
        (
            b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"></svg>',
            "image/png",
            "SVG",
        ),
    ],
)
def test_what_is_not_an_image_leaves_the_preview_without_one(
    server, organization, body, content_type, reason
):
    server.serve("/hero", body, content_type=content_type)
    post = post_with_page(organization, page_with_image(server, "/hero"))

    assert post_services.post_update_preview(post_id=post.pk) == PreviewStatus.OK

    post.refresh_from_db()
    assert post.preview_title == "Our launch"
    assert not post.preview_image and not post.preview_thumbnail
    assert reason in post.preview_image_error


def huge_png(width: int, height: int) -> bytes:
    """A small PNG whose header claims width by height pixels (the way bombs start)."""
    data = bytearray(picture((8, 8), image_format="PNG"))
    # IHDR follows the 8-byte signature and the chunk's length and type: width, height, CRC.
    data[16:24] = struct.pack(">II", width, height)
    data[29:33] = struct.pack(">I", zlib.crc32(bytes(data[12:29])))
    return bytes(data)


def test_a_decompression_bomb_is_refused(server, organization, settings):
    # 20000 by 20000 pixels claimed in a few bytes: 1.2 GB if decoded.
    server.serve("/bomb.png", huge_png(20_000, 20_000), content_type="image/png")
    post = post_with_page(organization, page_with_image(server, "/bomb.png"))

    post_services.post_update_preview(post_id=post.pk)

    post.refresh_from_db()
    assert post.preview_status == PreviewStatus.OK and not post.preview_image
    assert "too many pixels" in post.preview_image_error


def test_an_image_over_the_size_limit_is_not_read(server, organization, settings):
    settings.POST_IMAGE_MAX_BYTES = 10_000
    server.serve("/big.png", b"\x89PNG" + b"0" * 20_000, content_type="image/png")
    post = post_with_page(organization, page_with_image(server, "/big.png"))

    post_services.post_update_preview(post_id=post.pk)

    post.refresh_from_db()
    assert not post.preview_image
    assert "too large" in post.preview_image_error


def test_an_image_on_a_private_address_is_refused(server, organization, settings):
    post = post_with_page(organization, page_with_image(server, "http://10.0.0.1/hero.png"))

    post_services.post_update_preview(post_id=post.pk)

    post.refresh_from_db()
    assert post.preview_status == PreviewStatus.OK and not post.preview_image
    assert "private or local network" in post.preview_image_error


def test_an_animated_gif_keeps_its_first_frame(server, organization):
    frames = [Image.new("RGB", (300, 200), color) for color in ("red", "blue", "green")]
    buffer = io.BytesIO()
    frames[0].save(buffer, format="GIF", save_all=True, append_images=frames[1:], duration=100)
    server.serve("/anim.gif", buffer.getvalue(), content_type="image/gif")
    post = post_with_page(organization, page_with_image(server, "/anim.gif"))

    post_services.post_update_preview(post_id=post.pk)

    post.refresh_from_db()
    image = stored(post.preview_image.name)
    assert image.size == (300, 200)
    assert getattr(image, "n_frames", 1) == 1
    red, green, blue = image.convert("RGB").getpixel((150, 100))  # type: ignore[misc]
    assert red > 200 and green < 40 and blue < 40


def test_a_transparent_png_stays_transparent(server, organization):
    server.serve(
        "/logo.png", picture((400, 400), image_format="PNG", alpha=True), content_type="image/png"
    )
    post = post_with_page(organization, page_with_image(server, "/logo.png"))

    post_services.post_update_preview(post_id=post.pk)

    post.refresh_from_db()
    assert stored(post.preview_image.name).mode == "RGBA"


def test_a_new_link_forgets_the_image_and_its_files(
    server, organization, django_capture_on_commit_callbacks
):
    curator = MembershipFactory(organization=organization, is_curator=True)
    server.serve("/hero.png", picture(image_format="PNG"), content_type="image/png")
    post = post_with_page(organization, page_with_image(server, "/hero.png"), state=PostState.DRAFT)
    post_services.post_update_preview(post_id=post.pk)
    post.refresh_from_db()
    names = [post.preview_image.name, post.preview_thumbnail.name]
    server.serve(
        "/other", "<html><head><title>Other</title></head></html>", content_type="text/html"
    )

    with django_capture_on_commit_callbacks(execute=True):
        post_services.post_update(
            post=post,
            actor=curator.user,
            title=post.title,
            commentary=post.commentary,
            link_url=server.url("/other"),
            captions=None,
            campaign=post.campaign,
            details=post_services.post_details(post),
        )

    post.refresh_from_db()
    assert post.preview_title == "Other"
    assert not post.preview_image and post.preview_image_width == 0
    assert not any(default_storage.exists(name) for name in names)


def test_members_see_the_stored_image_in_the_feed_with_the_title_as_alt_text(
    server, client, organization
):
    server.serve("/hero.jpg", picture(), content_type="image/jpeg")
    post = post_with_page(organization, page_with_image(server, "/hero.jpg"))
    post_services.post_update_preview(post_id=post.pk)
    post.refresh_from_db()
    member = MembershipFactory(organization=organization, program_status=ProgramStatus.JOINED)
    client.force_login(member.user)

    html = client.get("/feed/").content.decode()

    small = reverse("post_preview_thumbnail", args=[post.pk])
    assert f'src="{small}?v={post.preview_image_version}"' in html
    assert 'alt="Our launch"' in html
    assert server.url("/hero.jpg") not in html  # never the other site's address
    response = client.get(small)
    assert response.status_code == 200
    assert response["Content-Type"] == "image/webp"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert Image.open(io.BytesIO(b"".join(response.streaming_content))).size == (600, 338)  # type: ignore[attr-defined]


def test_another_organizations_preview_image_is_404(server, client, organization):
    server.serve("/hero.jpg", picture(), content_type="image/jpeg")
    post = post_with_page(organization, page_with_image(server, "/hero.jpg"))
    post_services.post_update_preview(post_id=post.pk)
    stranger = MembershipFactory(organization=OrganizationFactory(name="Globex", slug="globex"))
    client.force_login(stranger.user)

    assert client.get(reverse("post_preview_image", args=[post.pk])).status_code == 404
    assert client.get(reverse("post_preview_thumbnail", args=[post.pk])).status_code == 404


def test_a_post_without_a_stored_image_answers_404(client, organization):
    post = PostFactory(organization=organization, preview_image_url="https://example.com/x.png")
    client.force_login(MembershipFactory(organization=organization).user)

    assert client.get(reverse("post_preview_image", args=[post.pk])).status_code == 404


def test_the_post_page_and_the_api_show_the_stored_image(server, client, organization):
    server.serve("/hero.jpg", picture(), content_type="image/jpeg")
    post = post_with_page(organization, page_with_image(server, "/hero.jpg"))
    post_services.post_update_preview(post_id=post.pk)
    post.refresh_from_db()
    client.force_login(MembershipFactory(organization=organization, is_curator=True).user)

    html = client.get(reverse("post_detail", args=[post.pk])).content.decode()
    api = client.get(f"/api/v1/posts/{post.pk}").json()

    assert f"{reverse('post_preview_image', args=[post.pk])}?v=" in html
    assert api["preview"]["stored_image_url"].startswith(
        reverse("post_preview_image", args=[post.pk])
    )
    assert api["preview"]["stored_image_width"] == 1200


def test_the_command_stores_images_of_previews_fetched_before(server, organization):
    server.serve("/hero.jpg", picture(), content_type="image/jpeg")
    url = page_with_image(server, "/hero.jpg")
    older = post_with_page(
        organization,
        url,
        preview_status=PreviewStatus.OK,
        preview_image_url=server.url("/hero.jpg"),
    )
    out = io.StringIO()

    call_command("preview_images_fetch", stdout=out)

    older.refresh_from_db()
    assert older.preview_image and older.preview_image_width == 1200
    assert "1 post preview(s) handed to the worker." in out.getvalue()
