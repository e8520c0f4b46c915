"""The registry hands out the adapters built here, each with what the share dialog reads."""

from __future__ import annotations

import pytest

from chorus.networks.registry import adapter, oauth_adapter


@pytest.mark.parametrize(("network", "lifetime"), [("linkedin", 60), ("x", None), ("threads", 60)])
def test_oauth_networks_can_be_connected_and_publish(network, lifetime):
    found = oauth_adapter(network)

    assert found.name == network
    assert found.can_publish is True
    assert found.token_lifetime_days == lifetime


@pytest.mark.parametrize(
    ("network", "label", "takes_text"),
    [
        ("linkedin", "LinkedIn", False),
        ("x", "X", True),
        ("threads", "Threads", True),
        ("facebook", "Facebook", False),
        ("xing", "Xing", False),
        ("whatsapp", "WhatsApp", True),
        ("email", "Email", True),
    ],
)
def test_every_channel_has_its_name_label_and_text_rule(network, label, takes_text):
    found = adapter(network)

    assert (found.name, found.label, found.intent_takes_text) == (network, label, takes_text)
