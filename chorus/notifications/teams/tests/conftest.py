"""The loopback Teams webhook (`receiver`) for every test of this app."""

from chorus.notifications.teams.tests.receiver import receiver

__all__ = ["receiver"]
