"""The gamification API: one router, each part adding its operations in its module."""

from ninja import Router

from chorus.gamification import (
    api_badges,
    api_challenges,
    api_leaderboard,
    api_points,
    api_rewards,
)

router = Router(tags=["gamification"])
router.add_router("/", api_leaderboard.router)
router.add_router("/", api_points.router)
router.add_router("/", api_rewards.router)
router.add_router("/", api_challenges.router)
router.add_router("/", api_badges.router)
