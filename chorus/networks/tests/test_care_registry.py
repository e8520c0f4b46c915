"""The registry hands out the care side of the adapters: who listens, who replies, and
where a member answers by hand."""

from __future__ import annotations

import pytest

from chorus.networks.base import ListeningAdapter, ReplyingAdapter
from chorus.networks.registry import (
    IDEMPOTENT_REPLY_NETWORKS,
    LISTENING_NETWORKS,
    REPLYING_NETWORKS,
    listening_adapter,
    reply_page_url,
    replying_adapter,
)


@pytest.mark.parametrize("network", LISTENING_NETWORKS)
def test_every_listening_network_reads_mentions_searches_and_links(network: str) -> None:
    found: ListeningAdapter = listening_adapter(network)
    assert found.name == network
    assert callable(found.mentions) and callable(found.search) and callable(found.lookup)


@pytest.mark.parametrize("network", REPLYING_NETWORKS)
def test_every_replying_network_posts_replies_and_has_a_reply_page(network: str) -> None:
    found: ReplyingAdapter = replying_adapter(network)
    assert found.name == network
    assert callable(found.reply) and callable(found.reply_intent_url)


def test_replies_retried_safely_only_where_the_network_deduplicates() -> None:
    assert {"mastodon", "bluesky"} == IDEMPOTENT_REPLY_NETWORKS
    assert set(REPLYING_NETWORKS) >= IDEMPOTENT_REPLY_NETWORKS


@pytest.mark.parametrize("network", ["linkedin", "facebook", "threads", "xing", "nowhere"])
def test_networks_without_an_api_are_neither_read_nor_answered(network: str) -> None:
    with pytest.raises(ValueError, match="cannot"):
        listening_adapter(network)
    with pytest.raises(ValueError, match="reply on the post's own page"):
        replying_adapter(network)


@pytest.mark.parametrize("network", ["linkedin", "facebook", "threads", "xing"])
def test_elsewhere_a_member_answers_on_the_customers_post_itself(network: str) -> None:
    url = "https://www.linkedin.com/feed/update/urn:li:activity:7150000000000000000/"
    assert reply_page_url(network, f"  {url} ", "Thanks for asking!") == url


@pytest.mark.parametrize("url", ["", "javascript:alert(1)", "ftp://example.com/post", "post 12"])
def test_a_reply_page_needs_a_web_address(url: str) -> None:
    with pytest.raises(ValueError):
        reply_page_url("linkedin", url, "Thanks")
