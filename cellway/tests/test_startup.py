"""Start-up cost: loading the project must not pull in the libraries only some pages, commands and tasks use.

pydicom, numpy, Pillow and fhir.resources together cost about a second to
import; Stripe's library 0.2 s, APScheduler (with django-crontask) 0.2 s,
anymail's webhook views (with requests and urllib3) 0.15 s, icalendar 0.1 s;
fido2 with cryptography 0.1 s; python-stdnum (with pydoc) 50 ms, Babel 30 ms;
the PDF libraries more. Every management
command, worker and test run loads the URL configuration (and through it every
view module), so the modules the views import keep these libraries inside the
functions that use them; crontask is not an installed app (its command:
cellway/audit); allauth's WebAuthn module, which imports fido2, is deferred
(cellway/accounts/passkeys.py).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HEAVY = (
    "pydicom",
    "numpy",
    "PIL",
    "fhir.resources",
    "stripe",
    "icalendar",
    "apscheduler",
    "crontask",
    "requests",
    "fido2",
    "cryptography",
    "stdnum",
    "babel",
    "weasyprint",
    "reportlab",
)

PROBE = """
import json, sys
import django
django.setup()
import cellway.urls  # every view module, as `manage.py check` and the web server load them
heavy = sorted({root for name in sys.modules for root in sys.argv[1:] if name == root or name.startswith(root + ".")})
print(json.dumps(heavy))
"""


# What a batch command or worker that reads no page loads: django.setup() alone, the apps' signal receivers
# importing their services only when the signal comes.
SETUP_PROBE = """
import json, sys
import django
django.setup()
print(json.dumps(sorted(name for name in sys.argv[1:] if name in sys.modules)))
"""
SERVICES = ("cellway.portal.services", "cellway.records.services", "cellway.conversations.services", "cellway.outcomes.services")

# A web process loads the deferred passkeys' module before it serves (a first read from two threads could race),
# and the module is allauth's own, whole.
WEB_PROBE = """
import json, sys
import cellway.wsgi
from allauth.mfa.webauthn.internal import auth, flows
print(json.dumps([type(auth).__name__, "fido2.server" in sys.modules, flows.auth is auth, callable(auth.begin_registration)]))
"""


def probe(code: str, *args: str) -> list[object]:
    # Without REDIS_URL: redis-py itself (8.x, redis.utils) imports cryptography, which every process of a clinic on
    # Redis then loads for its cache and queue anyway; the question here is what our code loads.
    env = {k: v for k, v in os.environ.items() if k != "REDIS_URL"}
    env |= {"DJANGO_SETTINGS_MODULE": "cellway.settings_test", "PYTHONPATH": str(ROOT)}
    done = subprocess.run(  # noqa: S603 - our own interpreter and code
        [sys.executable, "-c", code, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr
    answer: list[object] = json.loads(done.stdout.strip().splitlines()[-1])
    return answer


def test_loading_the_urls_imports_no_library_that_only_some_pages_or_commands_use() -> None:
    loaded = probe(PROBE, *HEAVY)
    assert loaded == [], f"imported at start-up: {', '.join(map(str, loaded))}; import them inside the functions that need them"


def test_setting_up_django_loads_no_domain_services_for_the_signals_alone() -> None:
    loaded = probe(SETUP_PROBE, *SERVICES)
    assert loaded == [], f"imported by django.setup(): {', '.join(map(str, loaded))}; import them in the receivers (apps.py)"


def test_the_web_entry_point_loads_the_deferred_passkeys_module_before_serving() -> None:
    assert probe(WEB_PROBE) == ["module", True, True, True]
