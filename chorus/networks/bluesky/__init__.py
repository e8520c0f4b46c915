"""Bluesky: publishing over the AT Protocol with an app password, and its compose intent."""
