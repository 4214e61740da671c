import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cellway.settings")
application = get_wsgi_application()

# Refuse to serve without a secret key, before the first request: settings
# leave it empty so that batch commands can run (cellway/deploy.py).
from cellway.accounts import passkeys  # noqa: E402
from cellway.deploy import require_secret_key  # noqa: E402 - needs the apps loaded above

require_secret_key()
# The passkeys' module, deferred at start-up for commands and workers, is loaded before any thread serves.
passkeys.load_now()
