"""The WSGI application: the link redirect in front of Django (see chorus/links/edge.py).

`runserver`, gunicorn and granian all serve this one object, so a single process answers
both `/l/<code>` and every page.
"""

import gc
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "chorus.settings")

django_application = get_wsgi_application()

from chorus.links.edge import LinkEdge  # noqa: E402  (needs Django set up first)

application = LinkEdge(django_application)

# Everything loaded so far lives as long as the process: keep it out of the garbage
# collector's full passes (shorter pauses on the redirect; shared pages after a fork).
gc.freeze()
# A request allocates a few dozen objects and keeps none: collect the young generation
# less often than every 700 allocations (fewer, not longer, pauses).
gc.set_threshold(50_000, 20, 20)
