from __future__ import annotations

from django.conf import settings
from django.core.exceptions import PermissionDenied, RequestDataTooBig, ValidationError
from django.http import HttpRequest, HttpResponse
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.openapi.docs import Swagger

from chorus.accounts.api.groups import router as groups_router
from chorus.accounts.api.invitations import router as invitations_router
from chorus.accounts.api.me import router as me_router
from chorus.accounts.api.members import router as members_router
from chorus.accounts.api.organization import router as organization_router
from chorus.accounts.api.tokens import router as tokens_router
from chorus.analytics.api.dashboard import router as analytics_router
from chorus.analytics.api.health import router as analytics_health_router
from chorus.analytics.api.me import router as analytics_me_router
from chorus.analytics.api.posts import router as analytics_posts_router
from chorus.api.auth import SessionAuth, TokenAuth
from chorus.care.api.agents import router as care_agents_router
from chorus.care.api.crisis import router as care_crisis_router
from chorus.care.api.inbox import router as care_inbox_router
from chorus.care.api.replies import router as care_replies_router
from chorus.care.api.reports import router as care_reports_router
from chorus.care.api.settings import router as care_settings_router
from chorus.care.api.sources import router as care_sources_router
from chorus.care.api.templates import router as care_templates_router
from chorus.community.api.spaces import router as community_router
from chorus.content.api.posts import router as posts_router
from chorus.content.api.review import router as post_review_router
from chorus.content.api.rules import router as rules_router
from chorus.content.api.sources import router as sources_router
from chorus.content.api.suggestions import router as suggestions_router
from chorus.gamification.api.badges import router as gamification_badges_router
from chorus.gamification.api.challenges import router as gamification_challenges_router
from chorus.gamification.api.leaderboard import router as gamification_leaderboard_router
from chorus.gamification.api.points import router as gamification_points_router
from chorus.gamification.api.rewards import router as gamification_rewards_router
from chorus.links.api.links import router as links_router
from chorus.links.api.visitors import router as link_visitors_router
from chorus.notifications.api.deliveries import router as deliveries_router
from chorus.notifications.api.notifications import router as notifications_router
from chorus.notifications.api.preferences import router as notification_preferences_router
from chorus.notifications.webpush.api.subscriptions import router as push_subscriptions_router
from chorus.pilot.api.pilot import router as pilot_router
from chorus.privacy.api.privacy import router as privacy_router
from chorus.reach.api.announce import router as reach_announce_router
from chorus.reach.api.nudges import router as reach_nudges_router
from chorus.sharing.api.connections import router as connections_router
from chorus.sharing.api.extension import router as extension_router
from chorus.sharing.api.network_settings import router as network_settings_router
from chorus.sharing.api.reviews import router as share_reviews_router
from chorus.sharing.api.shares import router as shares_router
from chorus.sharing.api.topics import router as topics_router
from chorus.surveys.api.surveys import router as surveys_router
from chorus.training.api.certifications import router as training_certifications_router
from chorus.training.api.courses import router as training_courses_router
from chorus.training.api.gates import router as training_gates_router
from chorus.training.api.policy import router as training_policy_router
from chorus.training.api.reports import router as training_reports_router
from chorus.training.api.scenarios import router as training_scenarios_router
from chorus.training.api.sessions import router as training_sessions_router
from chorus.training.selectors.gates import GateRefused
from chorus.webhooks.api.webhooks import router as webhooks_router
from chorus.writing.api.suggestions import router as writing_router

api = NinjaAPI(
    title=f"{settings.SITE_NAME} API",
    version="1",
    description=(
        "Authenticate with a personal API token (`Authorization: Bearer chorus_...`), "
        "created under Settings → API tokens, or with the browser session."
    ),
    auth=[TokenAuth(), SessionAuth()],
    urls_namespace="api",
    # The docs page loads Swagger UI from our own static files (ninja ships them), so it
    # works under the site's Content-Security-Policy. Swagger's bundled "valid" badge
    # would fetch an outside validator; switch it off.
    docs=Swagger(settings={"validatorUrl": None}),
)
api.add_router("/", me_router)
api.add_router("/", tokens_router)
api.add_router("/", members_router)
api.add_router("/", privacy_router)
api.add_router("/", groups_router)
api.add_router("/", invitations_router)
api.add_router("/", organization_router)
api.add_router("/", posts_router)
api.add_router("/", post_review_router)
api.add_router("/", rules_router)
api.add_router("/", sources_router)
api.add_router("/", suggestions_router)
api.add_router("/", notifications_router)
api.add_router("/", notification_preferences_router)
api.add_router("/", push_subscriptions_router)
api.add_router("/", deliveries_router)
api.add_router("/", reach_announce_router)
api.add_router("/", reach_nudges_router)
api.add_router("/", links_router)
api.add_router("/", link_visitors_router)
api.add_router("/", shares_router)
api.add_router("/", share_reviews_router)
api.add_router("/", connections_router)
api.add_router("/", network_settings_router)
api.add_router("/", topics_router)
api.add_router("/", extension_router)
api.add_router("/", analytics_router)
api.add_router("/", analytics_health_router)
api.add_router("/", analytics_posts_router)
api.add_router("/", analytics_me_router)
api.add_router("/", gamification_leaderboard_router)
api.add_router("/", gamification_points_router)
api.add_router("/", gamification_rewards_router)
api.add_router("/", gamification_challenges_router)
api.add_router("/", gamification_badges_router)
api.add_router("/", writing_router)
api.add_router("/", training_courses_router)
api.add_router("/", training_scenarios_router)
api.add_router("/", training_certifications_router)
api.add_router("/", training_gates_router)
api.add_router("/", training_policy_router)
api.add_router("/", training_sessions_router)
api.add_router("/", training_reports_router)
api.add_router("/", care_sources_router)
api.add_router("/", care_inbox_router)
api.add_router("/", care_agents_router)
api.add_router("/", care_replies_router)
api.add_router("/", care_templates_router)
api.add_router("/", care_crisis_router)
api.add_router("/", care_reports_router)
api.add_router("/", care_settings_router)
api.add_router("/", pilot_router)
api.add_router("/", community_router)
api.add_router("/", surveys_router)
api.add_router("/", webhooks_router)


@api.exception_handler(ValidationError)
def validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    """A service refused the input: say why, with the messages it gave."""
    return api.create_response(request, {"detail": " ".join(exc.messages)}, status=422)


@api.exception_handler(GateRefused)
def gate_refused(request: HttpRequest, exc: GateRefused) -> HttpResponse:
    """A certification (or the policy) is missing: 403 with why and the link that fixes it
    (`gates`: reason, fix_url, fix_label each)."""
    return api.create_response(request, exc.verdict.as_error(), status=403)


@api.exception_handler(PermissionDenied)
def permission_denied(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
    message = str(exc) or _("You are not allowed to do this.")
    return api.create_response(request, {"detail": message}, status=403)


@api.exception_handler(RequestDataTooBig)
def request_too_large(request: HttpRequest, exc: RequestDataTooBig) -> HttpResponse:
    """Django would answer its HTML 400 page; a client needs to know the body's limit."""
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    message = _("The request body is too large: the limit is %(limit)s bytes.") % {
        "limit": number_format(limit, force_grouping=True)
    }
    return api.create_response(request, {"detail": message}, status=413)
