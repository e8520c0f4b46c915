from django.conf import settings
from ninja import NinjaAPI

from chorus.accounts.api import router as accounts_router
from chorus.api.auth import SessionAuth, TokenAuth

api = NinjaAPI(
    title=f"{settings.SITE_NAME} API",
    version="1",
    description=(
        "Authenticate with a personal API token (`Authorization: Bearer chorus_...`), "
        "created under Settings → API tokens, or with the browser session."
    ),
    auth=[TokenAuth(), SessionAuth()],
    urls_namespace="api",
)
api.add_router("/", accounts_router)
