from chorus.notifications.webpush.tests.pushservice import push_service  # noqa: F401
