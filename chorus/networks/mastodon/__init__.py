"""Mastodon: publishing to any instance through its API, and its share page."""
