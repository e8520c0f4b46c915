"""Actions that span apps: one function each, in the layer above the apps it touches.

Each runs in one transaction and calls each app's own service for its part, so a newcomer
finds the whole of "a post is withdrawn" in one place. Pages and API operations call these
instead of the apps' services when the action reaches past one app.
"""
