from allauth.account.adapter import DefaultAccountAdapter
from django.http import HttpRequest


class AccountAdapter(DefaultAccountAdapter):  # type: ignore[misc]
    """Chorus is invitation-only: nobody signs up without an invitation link."""

    def is_open_for_signup(self, request: HttpRequest) -> bool:
        return False
