"""Settings for the test suite: the production settings with a throwaway key.

Tests run against the same security settings as production, except that the
live server used by browser tests speaks plain HTTP on loopback.
"""

import os

os.environ.setdefault("DJANGO_SECRET_KEY", "test-only-secret-key-not-for-production")
os.environ.setdefault("CELLWAY_VAR_DIR", os.path.join(os.path.dirname(os.path.dirname(__file__)), "var", "test"))
os.environ.setdefault("CELLWAY_TASKS_BACKEND", "immediate")
# Most tests sign in with force_login and no second factor; the tests of the second factor set it to required.
os.environ.setdefault("CELLWAY_STAFF_MFA", "off")
# Tests that count mails and trail rows after opening a case would count the portal's invitation; the portal's
# own tests turn it on (cellway/portal/tests).
os.environ.setdefault("CELLWAY_PORTAL_INVITE_ON_OPENING", "false")
# Live chat is open around the clock in tests (the hours' own tests set them), on the in-memory channel layer.
os.environ.setdefault("CELLWAY_CHAT_HOURS", "00-24")
os.environ.setdefault("CELLWAY_CHANNEL_LAYER", "memory")

from cellway.settings import *  # noqa: E402,F403

# Production leaves the demo app out (DEBUG only); the tests use its staff and journey walker and test its commands.
INSTALLED_APPS = [*INSTALLED_APPS, "cellway.demo"] if "cellway.demo" not in INSTALLED_APPS else INSTALLED_APPS  # noqa: F405
ALLOWED_HOSTS = ["testserver", "localhost", "127.0.0.1"]
SECURE_SSL_REDIRECT = False
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
SECURE_HSTS_SECONDS = 0
STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}  # noqa: F405
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# Serve static files from the apps directly (no collectstatic in tests).
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True

# `make test` and CI run the suite on two processes (pytest-xdist). Each test starts with an empty cache, and
# Django's RedisCache.clear() empties the whole Redis database: each worker gets its own database
# (gw0 the one REDIS_URL names, gw1 the one below it), so one worker's clear never wipes the other's counters.
_worker = os.environ.get("PYTEST_XDIST_WORKER", "")
if os.environ.get("REDIS_URL") and _worker.startswith("gw"):
    from urllib.parse import urlsplit, urlunsplit

    from cellway.settings import REDIS_URL as _base_redis_url

    _url = urlsplit(_base_redis_url)
    _db = int(_url.path.strip("/") or 0) - int(_worker[2:])
    REDIS_URL = urlunsplit(_url._replace(path=f"/{_db}"))  # noqa: F811
    CACHES["default"]["LOCATION"] = REDIS_URL  # noqa: F405
    RQ_QUEUES = {"default": {"URL": REDIS_URL}}
    CRONTASK = {"REDIS_URL": REDIS_URL}
