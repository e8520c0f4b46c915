"""Network logos beside network names: the share dialog and the template tag."""

from __future__ import annotations

from typing import Any

from django.template import Context, Template

from chorus.accounts.models import ProgramStatus
from chorus.content.models import PostState
from chorus.factories import MembershipFactory, PostFactory


def render(source: str, **context: Any) -> str:
    return Template("{% load networks %}" + source).render(Context(context))


def test_a_mark_is_the_logo_hidden_from_screen_readers_and_the_name_as_text():
    html = render('{% network_mark "bluesky" %}')

    assert html == (
        '<span class="network-mark"><svg class="icon" aria-hidden="true" focusable="false">'
        '<use href="/static/vendor/icons.svg#network-bluesky"></use></svg>'
        "<span>Bluesky</span></span>"
    )


def test_a_mark_takes_the_label_too_and_email_gets_the_mail_icon():
    assert "#network-linkedin" in render('{% network_mark "LinkedIn" %}')
    assert "#mail" in render('{% network_mark "email" %}')
    assert render('{% network_mark "<b>odd</b>" %}') == (
        '<span class="network-mark">&lt;b&gt;odd&lt;/b&gt;</span>'
    )


def test_marks_are_separated_by_commas():
    html = render("{{ networks|network_marks }}", networks=["X", "Bluesky"])

    assert "<span>X</span></span>, <span" in html


def test_the_share_dialog_names_each_network_with_its_logo(client, organization):
    member = MembershipFactory(organization=organization, program_status=ProgramStatus.JOINED)
    post = PostFactory(organization=organization, state=PostState.LIVE)
    client.force_login(member.user)

    html = client.get(f"/feed/{post.pk}/share/").content.decode()

    assert '<summary><h2><span class="network-mark"><svg class="icon" aria-hidden="true"' in html
    assert "#network-linkedin" in html and "<span>LinkedIn</span>" in html
