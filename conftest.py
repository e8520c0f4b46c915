"""Suite-wide test settings and fixtures (factories live in chorus/factories.py)."""

from __future__ import annotations

from typing import Any

import pytest
from django.conf import settings as django_settings
from django.core.cache import cache
from django.utils import translation

from chorus.core.tenancy import across_organizations
from chorus.factories import MembershipFactory, OrganizationFactory


@pytest.fixture(autouse=True)
def _test_settings(settings: Any) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture(autouse=True)
def _each_test_starts_with_an_empty_cache() -> None:
    """What one test left in the cache (sign-in rate limits, remembered settings) is not
    the next one's: the suite signs in hundreds of times a minute from one address."""
    cache.clear()


@pytest.fixture(autouse=True)
def _tests_see_every_organization() -> Any:
    """A test builds its world and checks it across organizations. What it calls through an
    entry point (a page or API call, a task, a command) opens its own scope as in
    production, so a query missing its scope there still raises."""
    with across_organizations("a test builds and checks its world"):
        yield


@pytest.fixture(autouse=True)
def _each_test_starts_in_english() -> Any:
    """A request in German leaves German active in its thread: each test starts and ends
    in the default language, whatever the previous one asked for."""
    translation.activate(django_settings.LANGUAGE_CODE)
    yield
    translation.activate(django_settings.LANGUAGE_CODE)


@pytest.fixture
def organization(db: None) -> Any:
    return OrganizationFactory(name="Acme", slug="acme")


@pytest.fixture
def admin_member(organization: Any) -> Any:
    return MembershipFactory(organization=organization, is_admin=True, user__email="ada@acme.test")


@pytest.fixture
def employee(organization: Any) -> Any:
    return MembershipFactory(organization=organization, user__email="emma@acme.test")


@pytest.fixture
def admin_client(client: Any, admin_member: Any) -> Any:
    client.force_login(admin_member.user)
    return client


@pytest.fixture
def employee_client(client: Any, employee: Any) -> Any:
    client.force_login(employee.user)
    return client
