"""The ASGI entry: pages over HTTP (Django) and live chat's WebSockets (Django Channels).

Served by uvicorn (uvloop, httptools, websockets-sansio), in production and by `make demo`:
`uvicorn cellway.asgi:application --lifespan off --ws-per-message-deflate false` where WebSockets are wanted,
beside or instead of gunicorn's WSGI entry (compressing each small chat frame costs more CPU than it saves). Any
ASGI server works (daphne's `runserver` with CELLWAY_RUNSERVER_ASGI=1); uvicorn spends less CPU on a chat message
than daphne (bench/README.md).
"""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cellway.settings")
django_application = get_asgi_application()

# Imported once the apps are loaded (the consumers import models).
from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402
from django.urls import path  # noqa: E402

from cellway.accounts import passkeys  # noqa: E402
from cellway.console.chat.consumers import RepresentativeConsumer  # noqa: E402
from cellway.deploy import require_secret_key  # noqa: E402
from cellway.site.chat_socket import VisitorConsumer  # noqa: E402

require_secret_key()
# The passkeys' module, deferred at start-up for commands and workers, is loaded before any thread serves.
passkeys.load_now()

websocket_urlpatterns = [
    path("ws/chat/<uuid:uuid>/", VisitorConsumer.as_asgi()),
    path("ws/console/chats/", RepresentativeConsumer.as_asgi()),
]

# A socket from another site's page is refused (its Origin must be one of ALLOWED_HOSTS); the session and the
# signed-in user come from the same cookies as the pages'.
application = ProtocolTypeRouter(
    {
        "http": django_application,
        "websocket": AllowedHostsOriginValidator(AuthMiddlewareStack(URLRouter(websocket_urlpatterns))),
    }
)
