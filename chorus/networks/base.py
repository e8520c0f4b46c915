"""What every network adapter offers, the data it passes around and the errors it raises.

Adapters never touch the database: they take a `Connection` (decrypted tokens plus the
app credentials, for the length of one call) and return plain values. When an adapter
refreshes tokens it updates the connection in place and sets `refreshed`, and the
caller stores the new tokens (encrypted). Every HTTP call goes through
`chorus.core.http.SafeTransport`, since some hosts (Mastodon instances, Bluesky PDSes)
are chosen by members.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import ClassVar, Protocol


@dataclass
class AppCredentials:
    """An OAuth client: entered by an admin, or registered per Mastodon instance."""

    client_id: str = ""
    client_secret: str = ""


@dataclass
class Connection:
    """A member's connected account, decrypted for the duration of one call."""

    app: AppCredentials
    access_token: str
    refresh_token: str = ""
    expires_at: datetime | None = None
    # The member's server: a Mastodon instance or a Bluesky PDS (https://host).
    instance: str = ""
    # The network's id for the member (LinkedIn person id, X user id, Bluesky DID...).
    account_id: str = ""
    handle: str = ""
    # Set by an adapter that refreshed the tokens, so the caller stores them.
    refreshed: bool = False


@dataclass(frozen=True)
class Profile:
    """Who a connection is, read once when the member connects (and on refresh)."""

    account_id: str
    handle: str
    display_name: str = ""
    url: str = ""
    followers: int | None = None


@dataclass(frozen=True)
class RemotePost:
    remote_id: str
    url: str


@dataclass(frozen=True)
class Metrics:
    """Engagement read back for one remote post; None where the network does not say."""

    remote_id: str
    reactions: int | None = None
    reposts: int | None = None
    replies: int | None = None
    impressions: int | None = None


@dataclass(frozen=True)
class Authorization:
    """Where to send the member to grant access, and what to keep until they come back."""

    url: str
    state: str
    code_verifier: str = ""
    extra: dict[str, str] = field(default_factory=dict)


class NetworkError(Exception):
    """A failure with a message a member can read."""

    def __init__(self, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


class RateLimited(NetworkError):
    """Try again later: after `retry_after` seconds when the network said so."""

    def __init__(
        self, message: str, *, retry_after: float | None = None, status: int | None = 429
    ) -> None:
        super().__init__(message, status=status)
        self.retry_after = retry_after


class AuthExpired(NetworkError):
    """The token is expired or revoked and cannot be refreshed: the member must reconnect."""


class Rejected(NetworkError):
    """The network refused the content itself (too long, duplicate, forbidden): do not retry."""

    def __init__(self, message: str, *, reason: str = "", status: int | None = None) -> None:
        super().__init__(message, status=status)
        self.reason = reason or message


class Unavailable(NetworkError):
    """The network is down, timed out or answered 5xx: retry with back-off."""


class Adapter(Protocol):
    """One social network. Intent links need no keys; the rest only where `can_publish`."""

    name: ClassVar[str]
    label: ClassVar[str]
    # Whether the intent link carries our text, or only the URL (LinkedIn, Facebook).
    intent_takes_text: ClassVar[bool]
    # Whether members can connect an account and Chorus can post for them.
    can_publish: ClassVar[bool]

    def intent_url(self, text: str, url: str, *, instance: str = "") -> str: ...


class PublishingAdapter(Adapter, Protocol):
    # How many days a token lives when the network says nothing (LinkedIn: 60).
    token_lifetime_days: ClassVar[int | None]

    def publish(
        self, connection: Connection, text: str, url: str, idempotency_key: str
    ) -> RemotePost: ...

    def fetch_metrics(self, connection: Connection, remote_ids: list[str]) -> list[Metrics]: ...

    def profile(self, connection: Connection) -> Profile: ...

    def revoke(self, connection: Connection) -> None:
        """Best effort: tell the network we no longer hold the token."""


class OAuthAdapter(PublishingAdapter, Protocol):
    """A network members connect to by OAuth 2.0 (with PKCE where the network takes it)."""

    def authorization(
        self, app: AppCredentials, *, redirect_uri: str, instance: str = ""
    ) -> Authorization: ...

    def exchange_code(
        self,
        app: AppCredentials,
        *,
        code: str,
        redirect_uri: str,
        authorization: Authorization,
        instance: str = "",
    ) -> Connection: ...

    def refresh(self, connection: Connection) -> None:
        """New tokens into `connection` (and `refreshed` set), or AuthExpired."""


# Customer care: listening to what people write to or about an organization, and replying
# in their thread. -----------------------------------------------------------------------


@dataclass(frozen=True)
class Incoming:
    """One public post read from a network: a mention, a search hit, a post a member sent
    to care by its link. `root_id`/`parent_id` place it in its thread (empty: it starts
    one); `extra` keeps what replying needs besides the id (Bluesky: the post's `cid`, the
    root's `uri` and `cid`)."""

    remote_id: str
    url: str
    text: str
    author_handle: str
    author_name: str = ""
    author_url: str = ""
    author_id: str = ""
    posted_at: datetime | None = None
    parent_id: str = ""
    root_id: str = ""
    language: str = ""
    extra: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class IncomingPage:
    """What one poll found, oldest first, and the cursor the next poll starts from
    (Mastodon's newest id, Bluesky's `seenAt`/cursor, X's `newest_id`)."""

    items: list[Incoming]
    cursor: str = ""


@dataclass(frozen=True)
class ReplyTarget:
    """The post a reply answers, as the network needs it: Mastodon `in_reply_to_id`,
    X `reply.in_reply_to_tweet_id`, Bluesky `reply.root`/`reply.parent` (uri and cid)."""

    remote_id: str
    url: str = ""
    root_id: str = ""
    extra: dict[str, str] = field(default_factory=dict)


class ListeningAdapter(Protocol):
    """A network whose mentions and searches an organization's care inbox reads, with the
    organization's own credentials (`Connection` of its official account or API key)."""

    name: ClassVar[str]
    label: ClassVar[str]

    def mentions(self, account: Connection, *, cursor: str = "") -> IncomingPage: ...

    def search(self, account: Connection, query: str, *, cursor: str = "") -> IncomingPage: ...

    def lookup(self, url: str, *, account: Connection | None = None) -> Incoming:
        """The public post at `url` (text and author), or NetworkError / ValueError."""


class ReplyingAdapter(Protocol):
    """A network where Chorus can post a reply in a thread from a member's own account."""

    name: ClassVar[str]

    def reply(
        self, connection: Connection, text: str, target: ReplyTarget, idempotency_key: str
    ) -> RemotePost: ...

    def reply_intent_url(self, text: str, target: ReplyTarget, *, instance: str = "") -> str:
        """Where a member replies by hand (the network's reply page, with the text where
        the network takes it); the member confirms in Chorus afterwards."""
