from django.urls import URLPattern, path

from chorus.gamification.views import rewards

urlpatterns: list[URLPattern] = [
    path("rewards/", rewards.rewards, name="rewards"),
    path("rewards/<int:reward_id>/request/", rewards.reward_request, name="reward_request"),
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
]
