"""Every gamification page."""

from django.urls import URLPattern, path

from chorus.gamification.views import badges, challenges, leaderboard, points, rewards, settings

urlpatterns: list[URLPattern] = [
    path("leaderboard/", leaderboard.leaderboard, name="leaderboard"),
    path("points/", points.my_points, name="my_points"),
    path("manage/gamification/", settings.gamification_settings, name="gamification_settings"),
    path("rewards/", rewards.rewards, name="rewards"),
    path("rewards/<int:reward_id>/request/", rewards.reward_request, name="reward_request"),
    path("rewards/<int:reward_id>/picture/", rewards.reward_picture, name="reward_picture"),
    path(
        "rewards/requests/<int:reward_request_id>/cancel/",
        rewards.reward_cancel,
        name="reward_cancel",
    ),
    path("manage/rewards/", rewards.manage_rewards, name="manage_rewards"),
    path("manage/rewards/<int:reward_id>/", rewards.manage_reward_edit, name="manage_reward_edit"),
    path(
        "manage/rewards/<int:reward_id>/active/",
        rewards.manage_reward_active,
        name="manage_reward_active",
    ),
    path(
        "manage/rewards/requests/<int:reward_request_id>/decide/",
        rewards.manage_reward_decide,
        name="manage_reward_decide",
    ),
    path("challenges/", challenges.challenges, name="challenges"),
    path("manage/challenges/", challenges.manage_challenges, name="manage_challenges"),
    path(
        "manage/challenges/<int:challenge_id>/",
        challenges.manage_challenge,
        name="manage_challenge",
    ),
    path(
        "manage/challenges/<int:challenge_id>/delete/",
        challenges.manage_challenge_delete,
        name="manage_challenge_delete",
    ),
    path("badges/", badges.badges, name="badges"),
    path("manage/badges/", badges.manage_badges, name="manage_badges"),
    path(
        "manage/badges/suggested/", badges.manage_badges_suggested, name="manage_badges_suggested"
    ),
    path("manage/badges/<int:badge_id>/", badges.manage_badge_edit, name="manage_badge_edit"),
    path(
        "manage/badges/<int:badge_id>/active/",
        badges.manage_badge_active,
        name="manage_badge_active",
    ),
]
