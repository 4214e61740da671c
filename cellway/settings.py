"""Cellway settings, read from the environment.

The defaults are the safe ones: DEBUG is off, production refuses to serve
without a secret key, and everything runs on one machine with no servers
(SQLite, local files, the database task queue, local-memory cache). Setting
DATABASE_URL, REDIS_URL, CELLWAY_S3_BUCKET and friends moves each concern to
a real engine; the README lists every variable.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

from cellway.billing import cancellation
from cellway.env import (
    env_bool,
    env_choice,
    env_currency,
    env_decimal,
    env_int,
    env_int_list,
    env_list,
    env_owner_database,
    env_parsed,
    env_pattern,
    env_str,
    env_time_zone,
)

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("CELLWAY_VAR_DIR", str(BASE_DIR / "var")))

DEBUG = env_bool("DJANGO_DEBUG", False)
# Without DJANGO_SECRET_KEY production keeps an empty key: Django refuses only
# where a key is used (sessions, signing), so batch commands that sign nothing
# (outcomes_events, edss_score, migrate) run, while serving is refused up
# front by cellway.wsgi and `check --deploy` (cellway/deploy.py).
SECRET_KEY = env_str("DJANGO_SECRET_KEY")
if not SECRET_KEY and DEBUG:
    SECRET_KEY = "insecure-development-key-never-use-in-production"  # noqa: S105

ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", ["127.0.0.1", "localhost"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", [])

# daphne's `runserver` serves live chat's WebSockets in development; `make demo` asks for it. Only when asked:
# the app imports Twisted as it loads, half a second of every command's, worker's and test run's start otherwise
# (bench/startup.py). Production serves cellway.asgi with an ASGI server and needs no app for it.
RUNSERVER_ASGI = env_bool("CELLWAY_RUNSERVER_ASGI", False)

INSTALLED_APPS = [
    *(["daphne"] if RUNSERVER_ASGI else []),
    # Translated model fields (condition pages); before the admin, whose forms it extends.
    "modeltranslation",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "axes",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "django_tasks_db",
    "channels",
    # django-crontask is not an app here: its package would load APScheduler into every process at start-up.
    # Its one command, the scheduler, is offered by cellway.audit (management/commands/crontask.py).
    "sequences",  # gapless invoice numbers (billing)
    "cellway.accounts",
    "cellway.audit",
    "cellway.cases",
    "cellway.records",
    "cellway.plans",
    "cellway.billing",
    "cellway.travel",
    "cellway.treatment",
    "cellway.outcomes",
    "cellway.cells",
    "cellway.evidence",
    "cellway.conversations",
    "cellway.newsletter",
    "cellway.portal",
    "cellway.console",
    "cellway.site",
    "cellway.deploy.DeployChecks",
]
if DEBUG:
    # The demo clinic and its commands are a developer's tool: they publish a
    # shared password, so production does not even have them.
    INSTALLED_APPS += ["cellway.demo"]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # The public site's language from its address (/en/, /zh-hans/, /ar/); every other page stays in English.
    "cellway.site.middleware.PublicLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "cellway.accounts.middleware.UserTimeZoneMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # The portal (/portal/) is in the signed-in person's own language, else the visitor's.
    "cellway.portal.middleware.PortalLanguageMiddleware",
    # The idle and absolute session ends first, then a one-time password is replaced, then the second factor set up.
    "cellway.accounts.middleware.StaffSessionMiddleware",
    "cellway.accounts.middleware.OneTimePasswordMiddleware",
    "cellway.accounts.middleware.SecondFactorEnrolmentMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "cellway.urls"
WSGI_APPLICATION = "cellway.wsgi.application"
# Pages and live chat's WebSockets (Django Channels): cellway/asgi.py.
ASGI_APPLICATION = "cellway.asgi.application"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "console:home"
LOGOUT_REDIRECT_URL = "account_login"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "cellway" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.csp",
                "cellway.accounts.context_processors.roles",
            ],
        },
    }
]

# Django's widget templates through Jinja2 (a quarter of the case page's rendering), others as before.
FORM_RENDERER = "cellway.renderers.FormRenderer"

# --- Database -------------------------------------------------------------
DATABASE_URL = env_str("DATABASE_URL", f"sqlite:///{VAR_DIR / 'cellway.sqlite3'}")
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=env_int("DB_CONN_MAX_AGE", 60, minimum=0))}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the web process read while the task worker writes; IMMEDIATE
    # takes the write lock at BEGIN so two writers queue instead of failing
    # half-way through a transaction.
    Path(DATABASES["default"]["NAME"]).parent.mkdir(parents=True, exist_ok=True)
    # A new connection per request unless DB_CONN_MAX_AGE says otherwise. An ASGI server (live chat) should
    # keep its connection: there every socket event opens and closes one, and closing the last connection of a
    # WAL database checkpoints it (~10 ms of disk each time, on the one thread the sockets' queries share).
    DATABASES["default"]["CONN_MAX_AGE"] = env_int("DB_CONN_MAX_AGE", 0, minimum=0)
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql" and env_bool("CELLWAY_DB_PREPARE", True):
    # Server-side parameter binding lets psycopg prepare a statement its connection has run twice
    # (prepare_threshold): the case page's query, with its twenty EXISTS probes, is then planned once per
    # connection instead of once per page (PostgreSQL's CPU per case page 8 ms -> 3.5 ms, bench/pages.py).
    # Behind a pooler in transaction mode (PgBouncer before 1.21) set CELLWAY_DB_PREPARE=false.
    DATABASES["default"]["OPTIONS"] = {**DATABASES["default"].get("OPTIONS", {}), "server_side_binding": True, "prepare_threshold": 2}
# On PostgreSQL the application connects as a role that owns no table, and `migrate` (and `restore`) as
# the one that does, so the application cannot lift the trail's guards (cellway/audit/db_roles.py).
DATABASE_OWNER = env_owner_database("DATABASE_MIGRATE_URL", DATABASES["default"])
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache, tasks, scheduler ------------------------------------------------
REDIS_URL = env_str("REDIS_URL")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Live chat's channel layer: in memory in one process by default; on Redis when REDIS_URL is set (or
# CELLWAY_CHANNEL_LAYER=redis), so that several web processes tell each other's sockets.
CHANNEL_LAYER = env_choice("CELLWAY_CHANNEL_LAYER", "redis" if REDIS_URL else "memory", ("memory", "redis"))
# A group send drops, without a word, what a socket's channel cannot hold: a representative's socket carries
# their chats' news (two per message, ten chats in the benchmark), and a server slowed down for seconds filled
# channels' default of 100. A socket that missed one reads what it lacks at the next, but a chat's last message
# would wait for a reconnect: 1,000 holds minutes of news for a few hundred bytes each.
CHANNEL_CAPACITY = 1000
if CHANNEL_LAYER == "redis":
    if not REDIS_URL:
        raise ImproperlyConfigured("CELLWAY_CHANNEL_LAYER=redis needs REDIS_URL.")
    # A socket's receive waits on Redis (BZPOPMIN) 5 s at a time; redis-py 8 also gives up reading after 5 s by
    # default, which closed every idle socket with a TimeoutError: the read waits longer than the pop.
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {"hosts": [{"address": REDIS_URL, "socket_timeout": 30}], "capacity": CHANNEL_CAPACITY},
        }
    }
else:
    # channels' in-memory layer with its expiry sweep once a second rather than on every send and receive.
    CHANNEL_LAYERS = {"default": {"BACKEND": "cellway.channel_layers.InMemoryChannelLayer", "CONFIG": {"capacity": CHANNEL_CAPACITY}}}

TASKS_BACKEND = env_choice("CELLWAY_TASKS_BACKEND", "rq" if REDIS_URL else "db", ("db", "rq", "immediate"))
if REDIS_URL:
    INSTALLED_APPS += ["django_rq"]
    RQ_SHOW_ADMIN_LINK = False  # the dashboard is registered for superusers only (console/admin.py)
    RQ_QUEUES = {"default": {"URL": REDIS_URL}}
if TASKS_BACKEND == "rq":
    if not REDIS_URL:
        raise ImproperlyConfigured("CELLWAY_TASKS_BACKEND=rq needs REDIS_URL.")
    TASKS = {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default"]}}
elif TASKS_BACKEND == "db":
    TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
else:  # immediate
    TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
CRONTASK = {"REDIS_URL": REDIS_URL or None}

# --- Files -----------------------------------------------------------------
MEDIA_ROOT = Path(env_str("CELLWAY_MEDIA_ROOT", str(VAR_DIR / "media")))
STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
S3_BUCKET = env_str("CELLWAY_S3_BUCKET")
if S3_BUCKET:
    default_storage = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": S3_BUCKET,
            "endpoint_url": env_str("CELLWAY_S3_ENDPOINT_URL") or None,
            "region_name": env_str("CELLWAY_S3_REGION") or None,
            "default_acl": "private",
            "querystring_auth": True,
            "file_overwrite": False,
        },
    }
else:
    default_storage = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
STORAGES = {
    "default": default_storage,
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
# Uploads larger than this stream to a temporary file instead of memory.
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024

# --- Records intake (records/conf.py reads these) -----------------------------
_MiB = 1024 * 1024
# 4 GiB by default: a zipped imaging DVD.
RECORDS_UPLOAD_MAX_BYTES = env_int("CELLWAY_UPLOAD_MAX_MIB", 4096, minimum=1) * _MiB
# The browser sends chunks of this size; it is also the most one request may carry.
RECORDS_UPLOAD_CHUNK_BYTES = env_int("CELLWAY_UPLOAD_CHUNK_MIB", 8, minimum=1, maximum=1024) * _MiB
# Empty: MEDIA_ROOT/.uploads, decided when used (tests move MEDIA_ROOT).
RECORDS_UPLOAD_DIR = env_str("CELLWAY_UPLOAD_DIR")
RECORDS_UPLOAD_ABANDON_HOURS = env_int("CELLWAY_UPLOAD_ABANDON_HOURS", 48, minimum=1)
# A ClamAV daemon by Unix socket (takes precedence) or host and port; neither set: no scanning, said so.
CLAMD_SOCKET = env_str("CLAMD_SOCKET")
CLAMD_HOST = env_str("CLAMD_HOST")
CLAMD_PORT = env_int("CLAMD_PORT", 3310, minimum=1, maximum=65535)
CLAMD_TIMEOUT = env_int("CLAMD_TIMEOUT", 120, minimum=1)

# --- Email -------------------------------------------------------------------
_MAILER_BACKENDS = {
    "console": "django.core.mail.backends.console.EmailBackend",
    "file": "django.core.mail.backends.filebased.EmailBackend",
    "smtp": "django.core.mail.backends.smtp.EmailBackend",
}
EMAIL_DELIVERY = env_choice("CELLWAY_EMAIL", "console" if DEBUG else "smtp", _MAILER_BACKENDS)
_mailer_options: dict[str, object] = {}
if EMAIL_DELIVERY == "file":
    _mailer_options = {"file_path": str(VAR_DIR / "mail")}
elif EMAIL_DELIVERY == "smtp":
    _mailer_options = {
        "host": env_str("CELLWAY_SMTP_HOST", "localhost"),
        "port": env_int("CELLWAY_SMTP_PORT", 587, minimum=1, maximum=65535),
        "username": env_str("CELLWAY_SMTP_USER"),
        "password": env_str("CELLWAY_SMTP_PASSWORD"),
        "use_tls": True,
    }
MAILERS = {"default": {"BACKEND": _MAILER_BACKENDS[EMAIL_DELIVERY], "OPTIONS": _mailer_options}}
DEFAULT_FROM_EMAIL = env_str("CELLWAY_FROM_EMAIL", "Cellway clinic <care@cellway.example>")
# Where people reach Cellway from outside: the start of every link in a mail (confirmations, downloads,
# unsubscribe, pay links), which no request is there to tell. https in production (check --deploy says so).
PUBLIC_URL = env_str("CELLWAY_PUBLIC_URL", "http://127.0.0.1:8000").rstrip("/")
# Replies to a case's mail come back to case+<code>.<hmac>@REPLY_DOMAIN, and every Message-ID is made on it
# (cellway.cases.reply_address; conversations threads the replies). The inquiry address's mail opens inquiries.
REPLY_DOMAIN = env_pattern(
    "CELLWAY_REPLY_DOMAIN", "reply.cellway.example", r"[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+", "a mail domain, e.g. reply.clinic.example"
).lower()
INQUIRY_EMAIL = env_pattern("CELLWAY_INQUIRY_EMAIL", "inquiries@cellway.example", r"[^@\s]+@[^@\s]+", "an email address").lower()
# An emailed attachment larger than this is kept out, and its sender told (the records intake checks the rest).
MAIL_ATTACHMENT_MAX_MIB = env_int("CELLWAY_MAIL_ATTACHMENT_MAX_MIB", 25, minimum=1, maximum=1024)
# django-anymail's Mailgun webhooks, mail in (/anymail/mailgun/inbound/) and bounces (/anymail/mailgun/tracking/),
# are signed with this key; unset, both answer 404.
ANYMAIL = {"MAILGUN_WEBHOOK_SIGNING_KEY": env_str("ANYMAIL_MAILGUN_WEBHOOK_SIGNING_KEY")}

# --- Time, language ----------------------------------------------------------
USE_TZ = True
TIME_ZONE = "UTC"
LANGUAGE_CODE = "en"
USE_I18N = True
# The public site's languages (the staff console is in English). Arabic is written right to left.
LANGUAGES = [("en", "English"), ("zh-hans", "Simplified Chinese"), ("ar", "Arabic")]
MODELTRANSLATION_DEFAULT_LANGUAGE = "en"
LANGUAGE_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SAMESITE = "Lax"

# --- The clinic's own rules (DESIGN.md, "Rules the system enforces") --------
CLINIC_NAME = env_str("CELLWAY_CLINIC_NAME", "Cellway Clinic")
CLINIC_TIME_ZONE = env_time_zone("CELLWAY_CLINIC_TIME_ZONE", "Europe/Belgrade")
CLINIC_CURRENCY = env_currency("CELLWAY_CLINIC_CURRENCY", "EUR")
SCREENING_MAX_AGE_MONTHS = env_int("CELLWAY_SCREENING_MAX_AGE_MONTHS", 3, minimum=1, maximum=24)
DEPOSIT_DAYS_BEFORE_ARRIVAL = env_int("CELLWAY_DEPOSIT_DAYS_BEFORE_ARRIVAL", 7, minimum=0, maximum=365)
BALANCE_DAYS_BEFORE_THERAPY = env_int("CELLWAY_BALANCE_DAYS_BEFORE_THERAPY", 1, minimum=0, maximum=365)
# Printed on quotes and invoices: where the clinic is, where a transfer goes, and, where the clinic's
# jurisdiction exempts medical care from tax, the wording that says so (nothing of it is hard-coded).
CLINIC_ADDRESS = env_str("CELLWAY_CLINIC_ADDRESS", "Bulevar Oslobođenja 1, 21000 Novi Sad, Serbia")
CLINIC_BANK_DETAILS = env_str("CELLWAY_CLINIC_BANK_DETAILS", "IBAN RS35 0000 0000 0000 0000 00 · SWIFT XXXXRSBG (demo account)")
CLINIC_TAX_EXEMPTION_NOTE = env_str("CELLWAY_CLINIC_TAX_EXEMPTION_NOTE", "")
QUOTE_VALID_DAYS = env_int("CELLWAY_QUOTE_VALID_DAYS", 30, minimum=1, maximum=365)
DEPOSIT_PERCENT = env_decimal("CELLWAY_DEPOSIT_PERCENT", Decimal(30), minimum=Decimal(1), maximum=Decimal(100))
# --- Card payments: Stripe's hosted Checkout (cellway/billing/stripe_api.py) ----------
# Without a secret key the "Pay by card" button is not offered; without a webhook secret the webhook
# answers 503 and says why. STRIPE_API_BASE points the official client elsewhere (the local fake of the
# tests and the demo, cellway/demo/fake_stripe.py, or a staging proxy).
STRIPE_SECRET_KEY = env_str("STRIPE_SECRET_KEY")
STRIPE_WEBHOOK_SECRET = env_str("STRIPE_WEBHOOK_SECRET")
STRIPE_API_BASE = env_pattern(
    "STRIPE_API_BASE", "https://api.stripe.com", r"https?://[A-Za-z0-9.\-\[\]:]+(/[^\s]*)?", "an http(s) address like https://api.stripe.com"
).rstrip("/")
# How old a webhook's signed timestamp may be (seconds) before it is refused as stale (a replay).
STRIPE_WEBHOOK_TOLERANCE = env_int("STRIPE_WEBHOOK_TOLERANCE", 300, minimum=10, maximum=3600)
# A pay link mailed to a patient works this many days; after that its page offers to send a new one.
PAY_LINK_DAYS = env_int("CELLWAY_PAY_LINK_DAYS", 30, minimum=1, maximum=365)
# A Checkout Session left open expires after this many minutes (Stripe allows 30 minutes to 24 hours).
CHECKOUT_SESSION_MINUTES = env_int("CELLWAY_CHECKOUT_SESSION_MINUTES", 60, minimum=30, maximum=1440)

# What a declined, refused or withdrawn case gets back: days before arrival → refundable percentage, most days first,
# the last tier at 0 days (cellway/billing/cancellation.py). Screening judged unsatisfactory always refunds in full.
CANCELLATION_POLICY = env_parsed(
    "CELLWAY_CANCELLATION_POLICY",
    cancellation.DEFAULT_POLICY,
    cancellation.parse_policy,
    "days:percent tiers, most days first, ending at 0 days (e.g. 60:100,30:50,0:0)",
)
# Rule 11: who is told at once of a serious adverse event (with the case's assigned specialist); comma-separated.
MEDICAL_DIRECTOR_EMAIL = env_list("CELLWAY_MEDICAL_DIRECTOR_EMAIL", [])
# Live chat (issue 13): opening hours in the clinic's zone ("08-20": from 08:00 to 20:00; "00-24" always),
# the longest message, how many messages one visitor may send a minute, how many open chats one
# representative carries at most, and how long a representative counts as present after their last heartbeat.
CHAT_HOURS = env_pattern("CELLWAY_CHAT_HOURS", "08-20", r"([01]\d|2[0-3])-([01]\d|2[0-4])", "hours like 08-20 (from-to, 00 to 24)")
CHAT_MESSAGE_MAX_CHARS = env_int("CELLWAY_CHAT_MESSAGE_MAX_CHARS", 2000, minimum=1, maximum=20000)
CHAT_MESSAGES_PER_MINUTE = env_int("CELLWAY_CHAT_MESSAGES_PER_MINUTE", 20, minimum=1, maximum=10000)
# Portal messages with the care team (conversations.services.post_portal_message): the longest, and how many one
# person may send on one case in an hour (a flood is refused, said so).
PORTAL_MESSAGE_MAX_CHARS = env_int("CELLWAY_PORTAL_MESSAGE_MAX_CHARS", 4000, minimum=1, maximum=20000)
PORTAL_MESSAGES_PER_HOUR = env_int("CELLWAY_PORTAL_MESSAGES_PER_HOUR", 12, minimum=1, maximum=10000)
# Files one case takes through the portal's record upload (portal.services.check_upload_record), as the public
# inquiry link takes 40 (records.public.MAX_FILES): a flood is refused, said so; the care team asks by mail for more.
PORTAL_UPLOADS_PER_CASE = env_int("CELLWAY_PORTAL_UPLOADS_PER_CASE", 40, minimum=1, maximum=10000)
CHAT_MAX_OPEN_PER_REPRESENTATIVE = env_int("CELLWAY_CHAT_MAX_OPEN", 4, minimum=1, maximum=100)
CHAT_PRESENCE_SECONDS = env_int("CELLWAY_CHAT_PRESENCE_SECONDS", 45, minimum=10, maximum=3600)
FOLLOW_UP_MONTHS = env_int_list("CELLWAY_FOLLOW_UP_MONTHS", [1, 3, 6, 12], minimum=1, increasing=True)
# Reminders go this many days before a due date (0 = on the day), once each.
PAYMENT_REMIND_DAYS_AHEAD = env_int_list("CELLWAY_PAYMENT_REMIND_DAYS", [3, 0], minimum=0)
# ...and this many days after an invoice's due date while it is still open.
PAYMENT_REMIND_DAYS_AFTER = env_int_list("CELLWAY_PAYMENT_REMIND_DAYS_AFTER", [3, 10], minimum=1)
FOLLOW_UP_REMIND_DAYS_AHEAD = env_int_list("CELLWAY_FOLLOW_UP_REMIND_DAYS", [7, 0], minimum=0)

# --- Cell products (cellway/cells) ----------------------------------------------
# From the clinic's ICCBBA licence. Until they are assigned, labels carry a clearly marked local code
# (cellway.cells.isbt128.LOCAL_FACILITY / LOCAL_PRODUCT), never an invented ICCBBA one.
ISBT128_FACILITY = env_pattern("CELLWAY_ISBT128_FIN", "", r"[A-Z][0-9]{4}", "an ICCBBA facility identification number like G1234")
ISBT128_PRODUCT_CODE = env_pattern(
    "CELLWAY_ISBT128_PRODUCT_CODE", "", r"[A-Z][0-9A-Z]{4}", "an ISBT 128 product description code like S1234"
)
# Vials expiring within this many days show on the laboratory's "expiring" queue.
CELLS_EXPIRING_DAYS = env_int("CELLWAY_CELLS_EXPIRING_DAYS", 14, minimum=1, maximum=365)

# --- Outcomes registry (outcomes/conf.py reads these) --------------------------
# A cohort figure resting on fewer patients than this is not shown (small numbers identify people).
OUTCOMES_MIN_COHORT = env_int("CELLWAY_OUTCOMES_MIN_COHORT", 10, minimum=1)
# An assessment overdue by more than this many days counts the patient as lost to follow-up.
OUTCOMES_LOST_AFTER_DAYS = env_int("CELLWAY_OUTCOMES_LOST_AFTER_DAYS", 90, minimum=1)

# --- eBook and newsletter (newsletter/conf.py reads these) ---------------------
# A confirmation link works this many days after the request; a download link this many after the confirmation.
NEWSLETTER_CONFIRM_DAYS = env_int("CELLWAY_NEWSLETTER_CONFIRM_DAYS", 3, minimum=1, maximum=30)
NEWSLETTER_DOWNLOAD_DAYS = env_int("CELLWAY_NEWSLETTER_DOWNLOAD_DAYS", 7, minimum=1, maximum=90)
# Mails per issue per minute (the scheduler sends one batch a minute): what the provider is fed at most.
NEWSLETTER_BATCH_SIZE = env_int("CELLWAY_NEWSLETTER_BATCH_SIZE", 200, minimum=1, maximum=10000)
# Bounces and complaints come back by django-anymail's Mailgun tracking webhook (/anymail/mailgun/tracking/),
# signed with ANYMAIL's key (the mail section); unset, the webhook answers 404.

# --- Security ----------------------------------------------------------------
# Signing in is django-allauth's flow (password, then the second factor when
# the person has one); django-axes still pauses a username at one address
# after repeated failed sign-ins (guessing passwords to patient records), for
# a while, not forever. RoleBackend (Django's ModelBackend reading a person's
# permissions from User.access) checks the password for allauth's authenticate()
# and answers the permission questions; allauth's own backend is not needed
# with sign-in by username (its extra is sign-in by email address or code).
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "cellway.accounts.backends.RoleBackend"]
AXES_FAILURE_LIMIT = env_int("CELLWAY_SIGN_IN_ATTEMPTS", 5, minimum=1)
_LOCKOUT_MINUTES = env_int("CELLWAY_SIGN_IN_LOCKOUT_MINUTES", 15, minimum=1)
AXES_COOLOFF_TIME = dt.timedelta(minutes=_LOCKOUT_MINUTES)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
# allauth's form names the field "login"; its authenticate() passes it on as "username".
AXES_USERNAME_CALLABLE = "cellway.accounts.signals.username_tried"
AXES_RESET_ON_SUCCESS = True
AXES_DISABLE_ACCESS_LOG = True  # sign-ins are on our own audit trail (accounts/signals.py)
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_VERBOSE = False  # sign-ins and failures are on our own audit trail
BEHIND_PROXY = env_bool("DJANGO_BEHIND_PROXY")
AXES_IPWARE_PROXY_COUNT = 1 if BEHIND_PROXY else None
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Accounts (django-allauth): staff sign in by username; nobody signs up (the
# clinic administrator creates accounts); a forgotten password is reset by an
# emailed link, and the answer is the same whether the address is known or not.
ACCOUNT_ADAPTER = "cellway.accounts.adapter.AccountAdapter"
ACCOUNT_LOGIN_METHODS = {"username"}
ACCOUNT_SIGNUP_FIELDS = ["username*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = "none"
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_EMAIL_UNKNOWN_ACCOUNTS = False  # no mail at all to an address nobody has
ACCOUNT_SESSION_REMEMBER = False  # shared ward computers: a sign-in ends with the browser
ACCOUNT_LOGIN_ON_PASSWORD_RESET = False
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_EMAIL_SUBJECT_PREFIX = ""
ACCOUNT_EMAIL_NOTIFICATIONS = True  # the person hears of every change of their password or second factor
PASSWORD_RESET_TIMEOUT = 60 * env_int("CELLWAY_PASSWORD_RESET_MINUTES", 60, minimum=5, maximum=7 * 24 * 60)
# axes counts failures per username and address with one limit for every
# combination (the highest count wins), so an address-wide axes parameter
# would pause a whole ward behind one NAT after 5 failures. One address trying
# many usernames is slowed by allauth's per-address limit on failed sign-ins instead.
SIGN_IN_ADDRESS_ATTEMPTS = env_int("CELLWAY_SIGN_IN_ADDRESS_ATTEMPTS", 20, minimum=1)
ACCOUNT_RATE_LIMITS = {
    "login": "30/m/ip",
    "login_failed": f"{SIGN_IN_ADDRESS_ATTEMPTS}/{_LOCKOUT_MINUTES}m/ip",
    "reset_password": "10/h/ip,3/h/key",
    "reset_password_from_key": "20/h/ip",
    "change_password": "5/m/user",
    "reauthenticate": "10/m/user",
    "signup": "5/h/ip",
    # The portal's sign-in codes: a flood to one address is stopped whatever the address (known or not).
    "request_login_code": "20/h/ip,3/15m/key",
}

# The patient portal signs in by a code mailed to the person's address and typed into the same browser (a link
# scanner opening the mail cannot use it up). Only portal people (no role, an open grant) are sent one
# (cellway.portal.forms); for any other address the page answers the same and nothing is sent. Staff sign in
# by username and password as before: their sign-in page offers no code.
ACCOUNT_LOGIN_BY_CODE_ENABLED = True
# A patient with an address is invited to the portal (their grant and a mail) when their case is opened.
PORTAL_INVITE_ON_OPENING = env_bool("CELLWAY_PORTAL_INVITE_ON_OPENING", True)
# A follow-up questionnaire not answered from home: its people are mailed the day its window opens, and once more
# this many days later if it is still unanswered (portal/reminders.py).
PORTAL_QUESTIONNAIRE_REMIND_AGAIN_DAYS = env_int("CELLWAY_PORTAL_QUESTIONNAIRE_REMIND_AGAIN_DAYS", 7, minimum=1, maximum=60)
ACCOUNT_LOGIN_BY_CODE_TIMEOUT = 10 * 60
ACCOUNT_LOGIN_BY_CODE_MAX_ATTEMPTS = 3
ACCOUNT_FORMS = {"request_login_code": "cellway.portal.forms.CodeRequestForm"}

# The second factor (allauth.mfa): an authenticator app (TOTP), passkeys
# (WebAuthn) and single-use recovery codes. `required`: a member of staff
# without one is sent to set one up and can do nothing else until done.
STAFF_MFA = env_choice("CELLWAY_STAFF_MFA", "required", ("required", "optional", "off"))
MFA_SUPPORTED_TYPES = ["totp", "webauthn", "recovery_codes"]
MFA_TOTP_ISSUER = CLINIC_NAME
MFA_TOTP_TOLERANCE = 1  # a phone clock 30 seconds off still works; each code is still taken once
MFA_PASSKEY_LOGIN_ENABLED = False  # a passkey is a second factor after the password, not instead of it
MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = DEBUG  # passkeys need HTTPS, except on a developer's loopback
# Signing (audit.services.sign) asks for the second factor as well as the
# password unless the session proved both within this many minutes (21 CFR 11.200(a)(1)).
SIGNING_FRESH_SECONDS = 60 * env_int("CELLWAY_SIGNING_FRESH_MINUTES", 10, minimum=1, maximum=24 * 60)
ACCOUNT_REAUTHENTICATION_TIMEOUT = SIGNING_FRESH_SECONDS

# Sessions: idle for this long, or this old, and the person signs in again.
SESSION_IDLE_SECONDS = 60 * env_int("CELLWAY_SESSION_IDLE_MINUTES", 30, minimum=1)
SESSION_COOKIE_AGE = env_int("CELLWAY_SESSION_SECONDS", 8 * 3600, minimum=60)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env_bool("DJANGO_SECURE_COOKIES", not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
LANGUAGE_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", not DEBUG)
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]  # load balancers probe over plain HTTP
SECURE_HSTS_SECONDS = env_int("DJANGO_HSTS_SECONDS", 0 if DEBUG else 31536000, minimum=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if BEHIND_PROXY else None
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "object-src": [CSP.NONE],
    "frame-ancestors": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "form-action": [CSP.SELF],
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_choice("CELLWAY_LOG_LEVEL", "INFO", ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"))},
    # The scheduler's own chatter (a lock renewed every 5 s, crontask's heartbeat every minute) would bury what matters.
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "axes": {"level": "WARNING"},
        "apscheduler": {"level": "WARNING"},
        "crontask": {"level": "WARNING"},
    },
}
