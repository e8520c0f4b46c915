"""Every gamification page: each part lists its own routes in its module."""

from chorus.gamification import (
    urls_badges,
    urls_challenges,
    urls_leaderboard,
    urls_points,
    urls_rewards,
)

urlpatterns = [
    *urls_leaderboard.urlpatterns,
    *urls_points.urlpatterns,
    *urls_rewards.urlpatterns,
    *urls_challenges.urlpatterns,
    *urls_badges.urlpatterns,
]
