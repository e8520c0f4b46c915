"""Acme's customer care: product areas, approved replies in English and German, two
agents (Sofia, certified and on duty; Maya, who opted in and still has the care
certification to earn), the support team's address, a month of answered conversations
for the reports, and today's inbox: new posts from Mastodon, Bluesky and X, one
conversation whose reply waits for the approver, one handed to the support team, and a
potential crisis flagged and resolved last week.

Everything goes through care's own services (ingestion, routing, replies, escalation), as
a real organization's would; only the history's timestamps are moved back afterwards.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta

from django.utils import timezone

from chorus.accounts.models import Membership, Organization
from chorus.care.models import (
    CareReply,
    CareTag,
    Conversation,
    CrisisFlag,
    Message,
    MessageDirection,
    Origin,
    ReplyTemplate,
)
from chorus.care.services import agents as agent_services
from chorus.care.services.crisis import crisis_flag, crisis_resolve
from chorus.care.services.escalation import conversation_escalate
from chorus.care.services.inbox import (
    conversation_claim,
    conversation_close,
    conversation_priority_set,
)
from chorus.care.services.ingest import incoming_ingest
from chorus.care.services.replies import ReplyDraft, reply_confirm_posted, reply_create
from chorus.care.services.targets import care_settings_for
from chorus.care.services.templates import TemplateFields, template_create, template_render
from chorus.networks.base import Incoming
from chorus.notifications.models import Notification
from chorus.notifications.services.notifications import notifications_mark_read
from chorus.training.models import Choice, Course, Scenario, ScenarioResponse
from chorus.training.services.certification import certificates_award_due
from chorus.training.services.lessons import lesson_mark_read
from chorus.training.services.quizzes import attempt_answer, attempt_start
from chorus.training.services.scenarios import response_review, response_submit

AREAS = ["Billing", "Delivery", "App", "Account"]

TEMPLATES = [
    (
        "Looking into it",
        "en",
        ["Delivery", "Account"],
        "Hi {customer}, I'm {first_name} and I work at Acme. Sorry about this: I've passed it "
        "to our support team and they'll get back to you here today. {link}",
        "https://acme.example/help",
    ),
    (
        "App: known issue",
        "en",
        ["App"],
        "Hi {customer}, {first_name} from Acme here. We know about this one and a fix is on "
        "its way; until then, signing out and in again helps. Updates: {link}",
        "https://status.acme.example",
    ),
    (
        "Billing: where to look",
        "en",
        ["Billing"],
        "Hi {customer}, I'm {first_name} at Acme. Your invoices and payment options are all "
        "in one place here: {link} — and if something looks wrong, our billing team helps.",
        "https://acme.example/billing",
    ),
    (
        "Wir kümmern uns",
        "de",
        ["Delivery", "Account", "Billing"],
        "Hallo {customer}, ich bin {first_name} von Acme. Das tut mir leid: Ich habe es an "
        "unser Support-Team weitergegeben, es meldet sich heute hier bei dir. {link}",
        "https://acme.example/hilfe",
    ),
]

# Today's inbox: (network, handle, name, text, minutes ago, language hint).
TODAY = [
    (
        "mastodon",
        "@jonas@social.example",
        "Jonas",
        "@acme my order #48213 was due on Monday and the tracking page hasn't moved since. "
        "Any idea what's going on?",
        35,
    ),
    (
        "bluesky",
        "ren.bsky.social",
        "Ren",
        "Is it just me or does the Acme app log me out every time I switch networks? "
        "Getting old fast.",
        80,
    ),
    (
        "x",
        "@priya_codes",
        "Priya",
        "@Acme I was charged twice for my March invoice. Who do I talk to about a refund?",
        20,
    ),
    (
        "mastodon",
        "@lena@norden.example",
        "Lena",
        "@acme Mein Paket ist seit einer Woche unterwegs und die Sendungsverfolgung zeigt "
        "nichts Neues. Könnt ihr mal nachsehen?",
        55,
    ),
    (
        "bluesky",
        "marco.bsky.social",
        "Marco",
        "Shoutout to whoever at Acme fixed the export bug so fast. Saved my quarter-end.",
        140,
    ),
]

# A month of answered conversations (for the reports): network, area, hours to answer.
HISTORY_NETWORKS = ["mastodon", "bluesky", "x"]


def _incoming(
    network: str, index: int, handle: str, name: str, text: str, at: datetime
) -> Incoming:
    """A customer's public post as the network's adapter would hand it over."""
    hosts = {
        "mastodon": f"https://social.example/@{handle.strip('@').split('@')[0]}/{110000 + index}",
        "bluesky": f"https://bsky.app/profile/{handle}/post/3demo{index:05d}",
        "x": f"https://x.com/{handle.strip('@')}/status/{1790000000000000000 + index}",
    }
    url = hosts[network]
    remote_id = (
        f"at://did:plc:demo{index:05d}/app.bsky.feed.post/3demo{index:05d}"
        if network == "bluesky"
        else url.rsplit("/", 1)[-1]
    )
    return Incoming(
        remote_id=remote_id,
        url=url,
        text=text,
        author_handle=handle,
        author_name=name,
        posted_at=at,
        extra={"cid": f"bafydemo{index:05d}"} if network == "bluesky" else {},
    )


def _course_done(member: Membership, course: Course) -> None:
    for lesson in course.lessons.all():
        lesson_mark_read(membership=member, lesson=lesson)
    if not course.questions.exists():
        return
    attempt = attempt_start(membership=member, course=course)
    for drawn in attempt.drawn:
        right = Choice.objects.filter(question_id=drawn["question"], is_correct=True)
        attempt_answer(
            membership=member,
            attempt=attempt,
            question_id=drawn["question"],
            choice_ids=list(right.values_list("pk", flat=True)),
        )


def _certify_for_care(*, sofia: Membership, coach: Membership) -> None:
    """Sofia took the crisis course and passed the practice scenario: certified for care."""
    crisis = Course.objects.filter(organization=sofia.organization, starter_key="crisis").first()
    scenario = Scenario.objects.filter(organization=sofia.organization, course=crisis).first()
    if crisis is None or scenario is None:
        return
    _course_done(sofia, crisis)
    if not ScenarioResponse.objects.filter(membership=sofia, scenario=scenario).exists():
        response = response_submit(
            membership=sofia,
            scenario=scenario,
            text=(
                "Sorry about the wait, that's not OK. I work at Acme (#employee) and have "
                "passed this to our support team: they'll answer you here today."
            ),
        )
        response_review(
            reviewer=coach, response=response, decision="pass", feedback="Calm, honest, clear."
        )
    certificates_award_due(membership=sofia)


def care_add(
    *,
    organization: Organization,
    admin: Membership,
    approver: Membership,
    coach: Membership,
    maya: Membership,
    sofia: Membership,
) -> None:
    """Acme's care desk, as described in the module's docstring."""
    areas = {
        name: CareTag.objects.get_or_create(organization=organization, name=name)[0]
        for name in AREAS
    }
    found = care_settings_for(organization=organization)
    found.escalation_email = "support@acme.example"
    found.save(update_fields=["escalation_email"])
    for name, language, tags, body, link in TEMPLATES:
        if not ReplyTemplate.objects.filter(organization=organization, name=name).exists():
            template_create(
                membership=approver,
                fields=TemplateFields(
                    name=name,
                    body=body,
                    link=link,
                    language=language,
                    tags=[areas[tag] for tag in tags],
                ),
            )

    _certify_for_care(sofia=sofia, coach=coach)
    for member, languages, tags in (
        (sofia, ["en", "de"], ["Delivery", "App", "Billing"]),
        (maya, ["en", "de"], ["App"]),
    ):
        agent_services.agent_opt_in(membership=member)
        agent = agent_services.agent_for(membership=member)
        agent.languages = languages
        agent.timezone = "Europe/Berlin"
        agent.work_days = [0, 1, 2, 3, 4, 5, 6]
        agent.work_start, agent.work_end = time(0, 0), time(23, 59)
        agent.on_duty = member == sofia
        agent.save()
        agent.tags.set([areas[tag] for tag in tags])

    _history_add(organization=organization, sofia=sofia, areas=list(areas.values()))
    _today_add(organization=organization, admin=admin, sofia=sofia, maya=maya, areas=areas)


def _history_add(*, organization: Organization, sofia: Membership, areas: list[CareTag]) -> None:
    """Thirty conversations over the last month, each answered by Sofia with an approved
    reply (posted by hand: the demo connects no accounts), then closed; their times moved
    back so the reports have first-response and resolution times to show."""
    now = timezone.now()
    templates = list(ReplyTemplate.objects.filter(organization=organization, language="en"))
    for index in range(30):
        network = HISTORY_NETWORKS[index % 3]
        opened = now - timedelta(days=30 - index, hours=index % 7)
        item = _incoming(
            network,
            900 + index,
            f"customer{index}.bsky.social" if network == "bluesky" else f"@customer{index}",
            f"Customer {index}",
            "Hi Acme, a question about my account: where do I change my invoice address?",
            opened,
        )
        conversation = incoming_ingest(
            organization=organization, items=[item], network=network, origin=Origin.SOURCE
        )[0]
        conversation.tags.set([areas[index % len(areas)]])
        conversation = conversation_claim(conversation=conversation, membership=sofia)
        template = templates[index % len(templates)]
        text = template_render(template=template, conversation=conversation, membership=sofia)
        reply = reply_create(
            membership=sofia,
            conversation=conversation,
            draft=ReplyDraft(text=text, template=template),
        )
        reply_confirm_posted(reply=reply, membership=sofia)
        conversation_close(conversation=conversation, membership=sofia)
        answered = opened + timedelta(minutes=20 + (index * 37) % 300)
        closed = answered + timedelta(hours=2 + index % 20)
        Conversation.objects.filter(pk=conversation.pk).update(
            first_response_at=answered,
            resolved_at=closed,
            last_message_at=answered,
            assigned_at=opened + timedelta(minutes=5),
            claimed_by=None,
            claim_expires_at=None,
        )
        CareReply.objects.filter(pk=reply.pk).update(
            created_at=answered, published_at=answered, reactions=index % 6, replies=index % 3
        )
        Message.objects.filter(conversation=conversation, direction=MessageDirection.REPLY).update(
            posted_at=answered, created_at=answered
        )
    # What the month told Sofia (conversations routed to her) she has read long ago.
    told = Notification.objects.filter(organization=organization, membership=sofia)
    notifications_mark_read(membership=sofia, ids=list(told.values_list("pk", flat=True)))


def _today_add(
    *,
    organization: Organization,
    admin: Membership,
    sofia: Membership,
    maya: Membership,
    areas: dict[str, CareTag],
) -> None:
    """Today's posts (routed to Sofia, who is on duty), one reply in Sofia's own words
    waiting for the approver, one conversation handed to the support team, and last
    week's flagged and resolved crisis."""
    now = timezone.now()
    conversations = []
    for index, (network, handle, name, text, minutes) in enumerate(TODAY):
        item = _incoming(network, index, handle, name, text, now - timedelta(minutes=minutes))
        conversations += incoming_ingest(
            organization=organization, items=[item], network=network, origin=Origin.SOURCE
        )
    order, app, billing, german, thanks = conversations
    order.tags.set([areas["Delivery"]])
    app.tags.set([areas["App"]])
    billing.tags.set([areas["Billing"]])
    german.tags.set([areas["Delivery"]])
    billing = conversation_priority_set(conversation=billing, membership=admin, priority="high")

    # Sofia answers the billing question in her own words: it waits for the approver.
    billing = conversation_claim(conversation=billing, membership=sofia)
    reply_create(
        membership=sofia,
        conversation=billing,
        draft=ReplyDraft(
            text=(
                "Hi @priya_codes, I'm Sofia from Acme. A double charge is on us: our billing "
                "team will refund it, could you DM them your invoice number?"
            )
        ),
    )
    # The delivery question goes to the support team, with the whole thread.
    order = conversation_claim(conversation=order, membership=sofia)
    conversation_escalate(
        conversation=order,
        membership=sofia,
        note="Order #48213: the carrier's tracking stopped on Monday.",
    )
    # Thanks need no answer from us today: closed by the admin.
    conversation_close(conversation=thanks, membership=admin)

    seen = app.messages.order_by("pk").first()
    flag = crisis_flag(
        membership=maya,
        description="Several posts say the mobile app logs people out; it is spreading on Bluesky.",
        link=seen.remote_url if seen is not None else "",
    )
    crisis_resolve(
        flag=flag,
        membership=admin,
        resolution="A known bug, fixed in 4.2.1; the template 'App: known issue' answers it.",
    )
    CrisisFlag.objects.filter(pk=flag.pk).update(
        created_at=now - timedelta(days=6), resolved_at=now - timedelta(days=6, hours=-3)
    )
