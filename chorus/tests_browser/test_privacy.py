"""Personal data in a browser: a member asks for their data on a phone (390 px) and
downloads the ZIP; an admin erases a member on a desktop. Every page fits and passes axe."""

from __future__ import annotations

import io
import json
import re
import zipfile
from typing import Any

import pytest

from chorus.accounts.models import Membership
from chorus.factories import MembershipFactory, OrganizationFactory, ShareFactory
from chorus.tests_browser.test_journeys import sign_in
from chorus.tests_browser.test_reach_pages import DESKTOP, PHONE, _problems

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_member_downloads_their_data_on_a_phone_and_an_admin_erases_them(page: Any) -> None:
    acme = OrganizationFactory(name="Acme", slug="acme")
    MembershipFactory(organization=acme, is_admin=True, user__email="ada@acme.test")
    maya: Membership = MembershipFactory.create(
        organization=acme, user__email="maya@acme.test", user__name="Maya Browserly"
    )
    ShareFactory(membership=maya, text="What I shared from my phone")
    problems: list[str] = []

    page.set_viewport_size({"width": PHONE, "height": 844})
    sign_in(page, "maya@acme.test")
    page.goto("/settings/")
    page.get_by_role("link", name="Your data").click()
    page.wait_for_url(re.compile(r"/settings/data/$"))
    problems += _problems(page, "your data", PHONE)
    page.get_by_role("button", name="Prepare my data").click()
    page.get_by_text("Your data is being prepared").wait_for()
    page.reload()
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download ZIP").click()
    download = download_info.value
    assert download.suggested_filename.endswith(".zip")
    with zipfile.ZipFile(io.BytesIO(open(download.path(), "rb").read())) as archive:
        data = json.loads(archive.read("data.json"))
        assert "README.txt" in archive.namelist()
    assert [share["text"] for share in data["shares"]] == ["What I shared from my phone"]
    problems += _problems(page, "your data (ready)", PHONE)

    page.context.clear_cookies()
    page.set_viewport_size({"width": DESKTOP, "height": 900})
    sign_in(page, "ada@acme.test")
    page.goto(f"/manage/members/{maya.pk}/")
    page.get_by_role("link", name="Erase this member…").click()
    page.wait_for_url(re.compile(rf"/manage/organization/data/members/{maya.pk}/erase/$"))
    problems += _problems(page, "erase a member", DESKTOP)
    page.get_by_label("Type the member's email address to confirm").fill("maya@acme.test")
    page.get_by_role("button", name="Erase this member").click()
    page.wait_for_url(re.compile(rf"/manage/members/{maya.pk}/$"))
    page.get_by_text(f"Former member #{maya.pk}").first.wait_for()
    assert page.get_by_text("Maya Browserly").count() == 0
    problems += _problems(page, "member after erasure", DESKTOP)
    page.goto("/manage/organization/data/")
    problems += _problems(page, "personal data", DESKTOP)
    page.goto("/manage/organization/data/retention/")
    problems += _problems(page, "retention", DESKTOP)
    assert not Membership.objects.get(pk=maya.pk).is_active
    assert problems == []
