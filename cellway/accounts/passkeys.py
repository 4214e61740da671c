"""Passkeys' library (fido2, and with it cryptography) loaded when a passkey is used, not by every process.

django-allauth imports ``allauth.mfa.webauthn.internal.auth`` at module level on the way to its MFA views
(``mfa.base.views`` -> ``mfa.stages`` -> ``webauthn.internal.flows``), and that module imports fido2: about
0.1 s of every command's, worker's and test run's start-up (they all load the URLs), though only adding or
confirming with a passkey needs it. allauth uses the module only inside its functions, so ``defer`` puts it in
``sys.modules`` as a lazy module (the standard library's ``importlib.util.LazyLoader`` recipe): it runs on
the first attribute read, and everything that imported it gets the loaded module from then on.

Python before 3.12.3 can race two threads on that first read, so the web entry points (wsgi.py, asgi.py),
whose processes sign people in anyway, call ``load_now`` before they serve.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys

WEBAUTHN_AUTH = "allauth.mfa.webauthn.internal.auth"


def defer() -> None:
    """Register allauth's WebAuthn module as lazy, unless something has imported it already."""
    if WEBAUTHN_AUTH in sys.modules:
        return
    spec = importlib.util.find_spec(WEBAUTHN_AUTH)  # imports the (empty) parent packages only
    if spec is None or spec.loader is None:
        return
    lazy = importlib.util.LazyLoader(spec.loader)
    spec.loader = lazy
    module = importlib.util.module_from_spec(spec)
    sys.modules[WEBAUTHN_AUTH] = module
    parent, _, child = WEBAUTHN_AUTH.rpartition(".")
    setattr(sys.modules[parent], child, module)  # as an ordinary import leaves it: `from parent import auth`
    lazy.exec_module(module)


def load_now() -> None:
    """Run the deferred module now (its first attribute read), before a threaded server serves."""
    getattr(importlib.import_module(WEBAUTHN_AUTH), "__file__", None)
