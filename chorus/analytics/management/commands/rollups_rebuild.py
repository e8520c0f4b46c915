"""Rebuild an organization's daily rollups for a range of days (after a bulk import, or to
repair). The dashboards read rollups only, so this is how imported history shows up."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from chorus.accounts.models import Organization
from chorus.analytics.rollups import rollups_rebuild
from chorus.core.tenancy import in_organization, runs_in_no_organization

# A range long enough for any real repair (two years, as the dashboard allows), short
# enough that a typo in a year does not start a rebuild of centuries.
MAX_DAYS = 731


class Command(BaseCommand):
    help = "Rebuild the daily rollups of one organization from one day to another (inclusive)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("organization", help="The organization's slug, e.g. acme")
        parser.add_argument("first", help="The first day, YYYY-MM-DD")
        parser.add_argument("last", help="The last day, YYYY-MM-DD (inclusive)")

    @runs_in_no_organization("it finds the organization by its slug, then works in it")
    def handle(self, *args: Any, organization: str, first: str, last: str, **options: Any) -> None:
        found = Organization.objects.filter(slug=organization).first()
        if found is None:
            raise CommandError(f"No organization has the slug {organization!r}.")
        try:
            start, end = date.fromisoformat(first), date.fromisoformat(last)
        except ValueError as error:
            raise CommandError(f"Write days as YYYY-MM-DD ({error}).") from error
        if end < start:
            raise CommandError("The last day comes before the first.")
        days = (end - start).days + 1
        if days > MAX_DAYS:
            raise CommandError(f"{days:,} days is more than {MAX_DAYS:,}: rebuild in parts.")
        with in_organization(found):
            rows = rollups_rebuild(organization_id=found.pk, first=start, last=end)
        self.stdout.write(
            self.style.SUCCESS(
                f"Rebuilt {days:,} days of {found.name}: {rows:,} rollup rows written."
            )
        )
