"""Create an organization and invite its first admin (for a new production deployment)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.core.validators import validate_email
from django.db import transaction
from django.utils.text import slugify

from chorus.accounts.models import Organization, Role
from chorus.accounts.services.invitations import invitation_create, invitations_send_on_commit
from chorus.core.tenancy import in_organization, runs_in_no_organization


class Command(BaseCommand):
    help = "Create an organization and email its first admin an invitation link."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("name", help="The organization's name, e.g. 'Acme Corp'")
        parser.add_argument("admin_email", help="Who becomes its first admin")
        parser.add_argument("--slug", help="Short identifier (default: from the name)")

    @runs_in_no_organization("it creates the organization, then works in it")
    def handle(
        self, *args: Any, name: str, admin_email: str, slug: str | None, **options: Any
    ) -> None:
        name = name.strip()
        slug = slugify(slug or name)
        if not name or not slug:
            raise CommandError("Give the organization a name with letters or digits.")
        try:
            validate_email(admin_email)
        except ValidationError as error:
            raise CommandError(f"{admin_email!r} is not an email address.") from error
        if Organization.objects.filter(slug=slug).exists():
            raise CommandError(f"An organization with the slug {slug!r} already exists.")
        with transaction.atomic():
            organization = Organization.objects.create(name=name, slug=slug)
            with in_organization(organization):
                invitation = invitation_create(
                    organization=organization,
                    actor=None,
                    email=admin_email,
                    roles=[Role.ADMIN, Role.EMPLOYEE],
                    send=False,
                )
            invitations_send_on_commit(invitation_ids=[invitation.pk])
        self.stdout.write(
            self.style.SUCCESS(
                f"Created {name} ({slug}). An invitation to become its admin was queued for "
                f"{admin_email}; the worker sends it."
            )
        )
