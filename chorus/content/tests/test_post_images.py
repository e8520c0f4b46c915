from __future__ import annotations

import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from chorus.content.models import PostImage
from chorus.content.services import posts as post_services
from chorus.factories import MembershipFactory, OrganizationFactory, PostFactory


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def curator_client(client, organization):
    curator = MembershipFactory(organization=organization, is_curator=True)
    client.force_login(curator.user)
    return client


def image_file(name="photo.png", size=(40, 30), image_format="PNG"):
    buffer = io.BytesIO()
    Image.new("RGB", size, "teal").save(buffer, format=image_format)
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


def edit_data(post, **changes):
    data = {
        "title": post.title,
        "commentary": post.commentary,
        "caption_mode": post.caption_mode,
        "target": "all",
    }
    data.update(changes)
    return data


def test_valid_png_is_accepted():
    assert post_services.post_image_validate(image_file()) == "PNG"


def test_text_file_named_png_is_refused():
    upload = SimpleUploadedFile("notes.png", b"just some text", content_type="image/png")
    with pytest.raises(ValidationError, match=r"notes\.png is not an image we can read"):
        post_services.post_image_validate(upload)


def test_image_of_a_type_not_allowed_is_refused():
    with pytest.raises(ValidationError, match=r"pic\.bmp is a BMP image; allowed: JPEG, PNG"):
        post_services.post_image_validate(image_file("pic.bmp", image_format="BMP"))


def test_too_big_file_is_refused(settings):
    settings.POST_IMAGE_MAX_BYTES = 100
    with pytest.raises(ValidationError, match="an image may be at most"):
        post_services.post_image_validate(image_file(size=(200, 200)))


def test_too_many_pixels_is_refused(settings):
    settings.POST_IMAGE_MAX_PIXELS = 1000
    with pytest.raises(ValidationError, match="too many pixels"):
        post_services.post_image_validate(image_file(size=(100, 100)))


def test_decompression_bomb_is_refused(monkeypatch):
    # Pillow's own limit (lowered here) raises DecompressionBombError before ours applies.
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 100)
    with pytest.raises(ValidationError, match="too many pixels"):
        post_services.post_image_validate(image_file(size=(100, 100)))


def test_truncated_image_is_refused():
    data = image_file().read()
    upload = SimpleUploadedFile("cut.png", data[: len(data) // 2])
    with pytest.raises(ValidationError, match=r"cut\.png"):
        post_services.post_image_validate(upload)


def test_images_are_uploaded_with_the_edit_form(curator_client, organization):
    post = PostFactory(organization=organization)
    response = curator_client.post(
        reverse("post_edit", args=[post.pk]),
        edit_data(
            post,
            images=[image_file("a.png"), image_file("b.jpg", image_format="JPEG")],
            image_alt_text="Our team",
        ),
    )
    assert response.status_code == 302
    images = list(post.images.all())
    assert [(i.width, i.height, i.alt_text) for i in images] == [(40, 30, "Our team")] * 2
    assert images[1].image.name.endswith(".jpg")


def test_each_bad_file_gets_its_own_message_and_nothing_is_saved(curator_client, organization):
    post = PostFactory(organization=organization)
    response = curator_client.post(
        reverse("post_edit", args=[post.pk]),
        edit_data(
            post,
            title="Changed title",
            images=[
                image_file("good.png"),
                SimpleUploadedFile("bad.png", b"text"),
                SimpleUploadedFile("worse.gif", b"GIF89a broken"),
            ],
        ),
    )
    body = response.content.decode()
    assert response.status_code == 400
    assert "bad.png is not an image" in body and "worse.gif is not an image" in body
    assert "Changed title" in body
    post.refresh_from_db()
    assert post.title != "Changed title" and not post.images.exists()


def test_image_is_served_to_members_of_the_organization_only(client, organization):
    post = PostFactory(organization=organization)
    image = post_services.post_image_add(post=post, actor=None, upload=image_file(), alt_text="x")
    url = reverse("post_image", args=[post.pk, image.pk])
    member = MembershipFactory(organization=organization)
    client.force_login(member.user)
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert b"".join(response.streaming_content).startswith(b"\x89PNG")
    outsider = MembershipFactory(organization=OrganizationFactory())
    client.force_login(outsider.user)
    assert client.get(url).status_code == 404


def test_missing_image_file_is_404(curator_client, organization):
    post = PostFactory(organization=organization)
    image = PostImage.objects.create(post=post, image="posts/gone.png", width=1, height=1)
    assert curator_client.get(reverse("post_image", args=[post.pk, image.pk])).status_code == 404


def test_curator_deletes_an_image_and_edits_alt_text(curator_client, organization):
    post = PostFactory(organization=organization)
    image = post_services.post_image_add(post=post, actor=None, upload=image_file())
    response = curator_client.post(
        reverse("post_image_alt", args=[post.pk, image.pk]), {"alt_text": "A teal square"}
    )
    assert response.status_code == 302
    image.refresh_from_db()
    assert image.alt_text == "A teal square"
    response = curator_client.post(reverse("post_image_delete", args=[post.pk, image.pk]))
    assert response.status_code == 302
    assert not PostImage.objects.filter(pk=image.pk).exists()


def test_employee_cannot_delete_an_image(employee_client, organization):
    post = PostFactory(organization=organization)
    image = post_services.post_image_add(post=post, actor=None, upload=image_file())
    url = reverse("post_image_delete", args=[post.pk, image.pk])
    assert employee_client.post(url).status_code == 403
    assert PostImage.objects.filter(pk=image.pk).exists()


def stored(image: PostImage) -> Image.Image:
    image.image.open("rb")
    try:
        return Image.open(io.BytesIO(image.image.read()))
    finally:
        image.image.close()


def test_an_upload_is_stored_as_a_new_file_without_its_metadata(organization):
    """A photo keeps its format but loses what the camera wrote: where and with what."""
    exif = Image.Exif()
    exif[0x010F] = "Spy Camera Inc."  # Make
    exif[0x8825] = {2: (48.0, 8.0, 0.0)}  # GPS latitude
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), "teal").save(buffer, format="JPEG", exif=exif.tobytes())
    assert Image.open(io.BytesIO(buffer.getvalue())).getexif()  # the upload has it
    post = PostFactory(organization=organization)
    image = post_services.post_image_add(
        post=post, actor=None, upload=SimpleUploadedFile("holiday.jpg", buffer.getvalue())
    )
    picture = stored(image)
    assert picture.format == "JPEG" and image.image.name.endswith(".jpg")
    assert not picture.getexif() and "exif" not in picture.info
    assert (image.width, image.height) == (64, 48)


def test_a_huge_picture_is_stored_at_most_4096_pixels_a_side(organization):
    post = PostFactory(organization=organization)
    image = post_services.post_image_add(
        post=post, actor=None, upload=image_file("wide.png", size=(8192, 1024))
    )
    assert (image.width, image.height) == (4096, 512)
    assert stored(image).size == (4096, 512)


def test_gif_and_webp_become_formats_every_network_takes(organization):
    post = PostFactory(organization=organization)
    gif = io.BytesIO()
    frame = Image.new("P", (20, 20), 0)
    frame.info["transparency"] = 0
    frame.save(gif, format="GIF")
    webp = io.BytesIO()
    Image.new("RGB", (20, 20), "navy").save(webp, format="WEBP")
    transparent = post_services.post_image_add(
        post=post, actor=None, upload=SimpleUploadedFile("spark.gif", gif.getvalue())
    )
    opaque = post_services.post_image_add(
        post=post, actor=None, upload=SimpleUploadedFile("photo.webp", webp.getvalue())
    )
    assert stored(transparent).format == "PNG" and transparent.image.name.endswith(".png")
    assert stored(opaque).format == "JPEG" and opaque.image.name.endswith(".jpg")


def test_an_svg_drawing_is_refused_with_the_reason(curator_client, organization):
    post = PostFactory(organization=organization)
    drawing = b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"><script/></svg>'
    response = curator_client.post(
        reverse("post_edit", args=[post.pk]),
        edit_data(post, images=[SimpleUploadedFile("logo.svg", drawing)]),
    )
    assert response.status_code == 400
    assert "logo.svg is an SVG drawing" in response.content.decode()
    assert not post.images.exists()
