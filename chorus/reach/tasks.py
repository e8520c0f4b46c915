"""Periodic work of the reach app: digests that are due, new posts for the channels, the post
of the day, nudges."""

from __future__ import annotations

from django_tasks import task

from chorus.accounts.models import Organization
from chorus.core.tenancy import in_organization, runs_across_organizations


def _organizations() -> list[Organization]:
    return list(Organization.objects.order_by("pk"))


@task()
@runs_across_organizations("every organization's members whose digest time came")
def digests_due() -> int:
    """Every 15 minutes: queue the digests whose time came in each member's time zone."""
    from chorus.reach.services.digests import digests_queue_due

    created = 0
    for organization in _organizations():
        with in_organization(organization):
            created += digests_queue_due(organization=organization)
    return created


@task()
@runs_across_organizations("every organization's new posts for its channels")
def new_posts_due() -> int:
    """Every minute: tell the organization's channels that take new posts of each post for
    everyone that went live."""
    from chorus.reach.services.new_posts import new_posts_tell

    told = 0
    for organization in _organizations():
        with in_organization(organization):
            told += new_posts_tell(organization=organization)
    return told


@task()
@runs_across_organizations("every organization's post of the day")
def post_of_the_day_due() -> int:
    """Every 15 minutes: start today's post of the day once it is 09:00 (site time)."""
    from chorus.reach.services.post_of_the_day import post_of_the_day_send

    started = 0
    for organization in _organizations():
        with in_organization(organization):
            started += post_of_the_day_send(organization=organization) is not None
    return started


@task()
@runs_across_organizations("every organization's members who have not shared lately")
def nudges_due() -> int:
    """Every day: this month's nudges (at most one a member a month)."""
    from chorus.reach.services.nudges import nudges_queue

    created = 0
    for organization in _organizations():
        with in_organization(organization):
            created += nudges_queue(organization=organization)
    return created
