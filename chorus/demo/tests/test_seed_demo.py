"""The demo organization: every page a buyer opens shows something true, read through the
pages and the real selectors from what the seed made (not from the seed's own numbers).

Seeding takes a while, so one test walks every role's pages on one seed; running the seed
twice is chorus/accounts/tests/test_commands.py::test_seed_demo_twice_keeps_data.
"""

from __future__ import annotations

from datetime import timedelta
from io import StringIO

from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from chorus.accounts.models import Membership
from chorus.care.models import CareReply, Conversation, ConversationStatus, ReplyStatus
from chorus.content.models import ItemStatus, Post, PostState, SourceItem
from chorus.demo.management.commands.seed_demo import DEMO_PASSWORD
from chorus.links.models import Click
from chorus.sharing.models import Share, ShareStatus

MAYA = "maya.schmidt@acme.example"


def _as(email: str) -> Client:
    client = Client()
    client.force_login(Membership.objects.get(user__email=email).user)
    return client


def check_analytics_show_ninety_days_of_shares_and_clicks() -> None:
    admin = _as("admin@acme.example")
    response = admin.get(reverse("analytics_dashboard"), {"days": 90})
    assert response.status_code == 200
    totals = response.context["totals"]
    assert totals["shares"].value >= 100
    assert totals["clicks"].value >= 500
    assert totals["previews"].value > 0  # bots and link previews, counted apart
    assert totals["reactions"].value > 0  # engagement read back from published shares
    # A curve, not a spike: clicks in every week of the 90 days, on several networks.
    chart = response.context["chart"]
    assert len(chart["labels"]) == 90
    assert len({index // 7 for index, clicks in enumerate(chart["clicks"]) if clicks}) == 13
    assert len(chart["networks"]["labels"]) >= 4
    assert len(response.context["members"]) >= 5
    week = admin.get(reverse("analytics_dashboard"), {"days": 7})
    assert week.context["totals"]["shares"].previous > 0  # a change to compare with
    best = max(Post.objects.filter(state=PostState.LIVE), key=lambda post: post.shares.count())
    post_page = admin.get(reverse("analytics_post", kwargs={"post_id": best.pk}))
    assert post_page.status_code == 200


def check_maya_has_points_badges_a_rank_and_a_challenge_under_way() -> None:
    maya = _as(MAYA)
    points = maya.get(reverse("my_points"))
    assert len(points.context["rows"]) > 0
    board = maya.get(reverse("leaderboard"), {"period": "all"})
    assert board.context["me"].rank is not None
    assert board.context["me"].points > 0
    assert len(board.context["lines"]) >= 10
    assert len(maya.get(reverse("badges")).context["earned"]) >= 1
    current = maya.get(reverse("challenges")).context["current"]
    running = [item for item in current if item["state"] == "active"]
    assert running
    assert 0 < running[0]["progress"].percent < 100
    assert maya.get(reverse("analytics_me"), {"days": 90}).status_code == 200
    assert maya.get(reverse("share_history")).status_code == 200
    rewards = maya.get(reverse("rewards"))
    assert rewards.status_code == 200


def check_maya_and_the_admin_have_notifications() -> None:
    for email in (MAYA, "admin@acme.example"):
        page = _as(email).get(reverse("notifications"))
        assert len(page.context["page"].object_list) >= 1, email


def check_the_feed_has_posts_with_pictures_and_the_post_of_the_day() -> None:
    response = _as(MAYA).get(reverse("feed"))
    cards = response.context["feed"].cards
    assert len(cards) >= 10
    assert cards[0].post.post_of_the_day == timezone.localdate()
    assert all(card.post.images.exists() for card in cards)
    image = cards[0].post.images.first()
    assert image.width == 1200
    assert image.image.read(3) == b"\xff\xd8\xff"  # a JPEG, drawn locally


def check_acme_has_its_look_and_members_follow_topics() -> None:
    maya = _as(MAYA)
    page = maya.get(reverse("home")).content.decode()
    acme = Membership.objects.get(user__email=MAYA).organization
    assert acme.logo_file_name in page  # the shell shows Acme's logo
    theme = maya.get(reverse("organization_theme")).content.decode()
    assert acme.accent_color and acme.accent_color in theme
    # Maya follows two topics; her feed puts them first, after the post of the day.
    cards = maya.get(reverse("feed")).context["feed"].cards
    followed = {"Product", "Culture"}
    assert {topic.name for topic in cards[1].post.topics.all()} & followed
    figures = _as("curator@acme.example").get(reverse("topics_manage")).context["figures"]
    assert sum(figure.followers for figure in figures) >= 3


def check_training_has_courses_progress_and_practice_waiting() -> None:
    from chorus.training.models import CourseCompletion, ScenarioResponse

    learning = _as(MAYA).get(reverse("learning"))
    assert learning.status_code == 200
    page = learning.content.decode()
    assert "Social media policy" in page or "policy" in page.lower()
    maya = Membership.objects.get(user__email=MAYA)
    done = CourseCompletion.objects.filter(membership=maya)
    assert [c.course.starter_key for c in done] == ["policy"]
    assert ScenarioResponse.objects.filter(membership=maya, state="submitted").count() == 1
    tess = _as("trainer@acme.example").get(reverse("home")).content.decode()
    assert "A customer complains on X" in tess or "waits for your feedback" in tess


def check_maya_is_certified_acknowledged_and_going_to_a_session() -> None:
    from chorus.training.models import Certificate, Gate, PolicyAcknowledgement, SessionRsvp

    maya = Membership.objects.get(user__email=MAYA)
    held = Certificate.objects.get(membership=maya)
    assert held.certification.name == "Social media certification" and held.is_valid()
    assert held.expires_at is not None and held.expires_at > timezone.now() + timedelta(days=300)
    certificates = _as(MAYA).get(
        reverse("certificate_detail", kwargs={"certificate_code": held.code})
    )
    assert certificates.status_code == 200
    assert Gate.objects.filter(action="network", network="x").exists()
    assert PolicyAcknowledgement.objects.filter(membership=maya).count() == 1
    going = SessionRsvp.objects.get(membership=maya, state="going")
    assert going.session.title == "LinkedIn profile clinic"
    assert going.session.starts_at > timezone.now()
    sessions = _as(MAYA).get(reverse("sessions")).content.decode()
    assert "Best-practice meeting" in sessions and "LinkedIn profile clinic" in sessions


def check_work_waits_for_the_approver_and_the_curator() -> None:
    queue = _as("approver@acme.example").get(reverse("review_queue"))
    assert len(queue.context["items"]) >= 2
    curator = _as("curator@acme.example")
    suggestions = curator.get(reverse("suggestions"))
    assert suggestions.status_code == 200
    queued = SourceItem.objects.filter(status=ItemStatus.NEW)
    assert queued.count() >= 3
    source = queued[0].source
    detail = curator.get(reverse("source_detail", kwargs={"source_id": source.pk}))
    assert len(detail.context["items"]) >= 3
    # Read by the feed parser from the file shipped with the demo; never polled.
    assert queued.filter(title__contains="Acme Cloud 3.0").exists()
    assert not source.enabled
    admin = _as("admin@acme.example")
    assert b"Approve" in admin.get(reverse("manage_rewards")).content


def check_posts_and_shares_are_in_every_state() -> None:
    states = set(Post.objects.values_list("state", flat=True))
    assert {"live", "scheduled", "in_review", "draft", "rejected"} <= states
    assert Post.objects.count() >= 30
    assert Post.objects.exclude(campaign="").values("campaign").distinct().count() >= 4
    assert {ShareStatus.SHARED, ShareStatus.OPENED} <= set(
        Share.objects.values_list("status", flat=True)
    )
    joined = Membership.objects.filter(program_status="joined").count()
    assert Share.objects.values("membership").distinct().count() >= joined * 2 // 3
    assert Share.objects.values("network").distinct().count() >= 4
    assert Click.objects.filter(kind="bot").exists()
    oldest = Click.objects.order_by("created_at").first()
    assert oldest is not None
    assert oldest.created_at < timezone.now() - timedelta(days=80)


def check_the_trainer_signs_in_with_the_demo_password(output: str) -> None:
    trainer = Membership.objects.get(user__email="trainer@acme.example")
    assert trainer.user.name == "Tess Trainer"
    assert trainer.roles == ["employee", "trainer"]
    assert trainer.user.check_password(DEMO_PASSWORD)
    assert f"trainer   trainer@acme.example  password: {DEMO_PASSWORD}" in output
    assert Client().login(email="trainer@acme.example", password=DEMO_PASSWORD)
    courses = _as("trainer@acme.example").get(reverse("training_courses"))
    assert courses.status_code == 200
    assert "Training" in [str(section.title) for section in courses.context["nav_sections"]]


def check_the_care_desk_has_an_inbox_an_approval_and_reports() -> None:
    sofia = _as("sofia.rossi@acme.example")
    inbox = sofia.get(reverse("care_inbox"))
    assert inbox.status_code == 200
    waiting = Conversation.objects.filter(
        assignee__user__email="sofia.rossi@acme.example", status=ConversationStatus.ASSIGNED
    )
    assert waiting.count() >= 2
    assert {c.network for c in Conversation.objects.all()} >= {"mastodon", "bluesky", "x"}
    assert Conversation.objects.filter(status=ConversationStatus.ESCALATED).exists()
    approver = _as("approver@acme.example")
    queue = approver.get(reverse("care_approvals"))
    assert queue.status_code == 200
    assert "double charge" in queue.content.decode()
    reports = _as("admin@acme.example").get(reverse("care_reports"))
    assert reports.status_code == 200
    # Answered and closed conversations of the last month give the reports times to show.
    assert CareReply.objects.filter(status=ReplyStatus.PUBLISHED).count() >= 20
    assert Conversation.objects.filter(first_response_at__isnull=False).count() >= 20
    # Maya opted in but is not certified for care: her page says why and what to take.
    me = _as(MAYA).get(reverse("care_me"))
    assert "Customer care certification" in me.content.decode()


def check_the_delivery_log_and_the_nudges_have_weeks_behind_them() -> None:
    admin = _as("admin@acme.example")
    log = admin.get(reverse("delivery_log"))
    assert log.status_code == 200
    body = log.content.decode()
    assert "new posts to share this week" in body
    assert "550 5.1.1 mailbox unavailable" in body
    nudges = admin.get(reverse("reach_nudges"))
    assert nudges.status_code == 200
    settings_page = _as(MAYA).get(reverse("notification_preferences"))
    assert settings_page.status_code == 200
    assert 'value="Europe/Berlin"' in settings_page.content.decode()


def check_spaces_have_a_best_practice_a_win_and_a_hidden_reply() -> None:
    maya = _as(MAYA)
    spaces = maya.get(reverse("community_spaces"))
    assert spaces.status_code == 200
    assert "LinkedIn tips" in spaces.content.decode()
    assert "Pilot cohort" in spaces.content.decode()  # invite-only, and Maya is in it
    from chorus.community.models import Space, Thread
    from chorus.core.tenancy import across_organizations

    with across_organizations("the test reads the demo"):
        tips = Space.objects.get(name="LinkedIn tips")
        win = Thread.objects.get(space=tips, kind="win")
        question = Thread.objects.get(space=tips, title="Pictures or no pictures?")
    page = maya.get(reverse("community_space", args=[tips.pk])).content.decode()
    assert "Best practice" in page and "A win" in page
    assert (
        "clicks" in maya.get(reverse("community_thread", args=[tips.pk, win.pk])).content.decode()
    )
    thread = reverse("community_thread", args=[tips.pk, question.pk])
    assert "Hidden by a moderator." in maya.get(thread).content.decode()
    assert "Off topic: a sale" in _as("curator@acme.example").get(thread).content.decode()


def test_the_demo_has_something_true_on_every_page_a_buyer_opens(db: None) -> None:
    output = StringIO()
    call_command("seed_demo", stdout=output)
    check_the_trainer_signs_in_with_the_demo_password(output.getvalue())
    check_analytics_show_ninety_days_of_shares_and_clicks()
    check_maya_has_points_badges_a_rank_and_a_challenge_under_way()
    check_maya_and_the_admin_have_notifications()
    check_the_feed_has_posts_with_pictures_and_the_post_of_the_day()
    check_acme_has_its_look_and_members_follow_topics()
    check_training_has_courses_progress_and_practice_waiting()
    check_maya_is_certified_acknowledged_and_going_to_a_session()
    check_work_waits_for_the_approver_and_the_curator()
    check_posts_and_shares_are_in_every_state()
    check_the_care_desk_has_an_inbox_an_approval_and_reports()
    check_the_delivery_log_and_the_nudges_have_weeks_behind_them()
    check_spaces_have_a_best_practice_a_win_and_a_hidden_reply()
