"""Settings are parsed once at start-up; a bad value stops start-up with the variable's name."""

from __future__ import annotations

import os
import runpy
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

import cellway.settings

SETTINGS_FILE = cellway.settings.__file__
ROOT = Path(SETTINGS_FILE).resolve().parent.parent


@pytest.fixture
def start_up(monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    """Run cellway/settings.py afresh with the given environment; returns its settings."""

    def run(**env: str) -> dict[str, object]:
        monkeypatch.setenv("DJANGO_SECRET_KEY", "x" * 50)
        monkeypatch.setenv("CELLWAY_VAR_DIR", str(tmp_path))
        for name in ("DJANGO_DEBUG", "REDIS_URL", "DATABASE_URL", "DATABASE_MIGRATE_URL", "CELLWAY_TASKS_BACKEND", "CELLWAY_STAFF_MFA"):
            monkeypatch.delenv(name, raising=False)
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        return runpy.run_path(SETTINGS_FILE)

    return run


def test_the_defaults_are_typed(start_up):
    s = start_up()
    assert s["DEPOSIT_PERCENT"] == Decimal(30) and isinstance(s["DEPOSIT_PERCENT"], Decimal)
    assert s["FOLLOW_UP_MONTHS"] == [1, 3, 6, 12]
    assert (s["CLINIC_TIME_ZONE"], s["CLINIC_CURRENCY"]) == ("Europe/Belgrade", "EUR")
    assert s["RECORDS_UPLOAD_MAX_BYTES"] == 4096 * 1024 * 1024
    assert (s["OUTCOMES_MIN_COHORT"], s["OUTCOMES_LOST_AFTER_DAYS"]) == (10, 90)
    assert (s["PAYMENT_REMIND_DAYS_AHEAD"], s["FOLLOW_UP_REMIND_DAYS_AHEAD"]) == ([3, 0], [7, 0])
    assert s["PORTAL_QUESTIONNAIRE_REMIND_AGAIN_DAYS"] == 7
    assert s["PORTAL_UPLOADS_PER_CASE"] == 40
    # Sign-in and sessions: a second factor required, 30 minutes idle, 8 hours at most, fresh for signing 10 minutes.
    assert s["STAFF_MFA"] == "required"
    assert (s["SESSION_IDLE_SECONDS"], s["SESSION_COOKIE_AGE"], s["SIGNING_FRESH_SECONDS"]) == (1800, 28800, 600)
    assert s["SECURE_REDIRECT_EXEMPT"] == [r"^healthz$"]


def test_good_values_are_read_into_their_types(start_up):
    s = start_up(
        CELLWAY_DEPOSIT_PERCENT="12.5",
        CELLWAY_FOLLOW_UP_MONTHS="1, 6,12,24",
        CELLWAY_CLINIC_TIME_ZONE="America/Sao_Paulo",
        CELLWAY_UPLOAD_MAX_MIB="100",
        CLAMD_PORT="3311",
        CELLWAY_EMAIL="File",
        CELLWAY_PORTAL_UPLOADS_PER_CASE="5",
    )
    assert s["DEPOSIT_PERCENT"] == Decimal("12.5")
    assert s["FOLLOW_UP_MONTHS"] == [1, 6, 12, 24]
    assert s["CLINIC_TIME_ZONE"] == "America/Sao_Paulo"
    assert s["RECORDS_UPLOAD_MAX_BYTES"] == 100 * 1024 * 1024
    assert s["CLAMD_PORT"] == 3311
    assert s["EMAIL_DELIVERY"] == "file"
    assert s["PORTAL_UPLOADS_PER_CASE"] == 5


@pytest.mark.parametrize(
    ("name", "value", "said"),
    [
        # whole numbers, and their ranges
        ("CELLWAY_UPLOAD_MAX_MIB", "4GB", "whole number of at least 1"),
        ("CELLWAY_OUTCOMES_MIN_COHORT", "0", "whole number of at least 1"),
        ("CELLWAY_SCREENING_MAX_AGE_MONTHS", "three", "whole number from 1 to 24"),
        ("CELLWAY_DEPOSIT_DAYS_BEFORE_ARRIVAL", "-7", "whole number from 0 to 365"),
        ("CLAMD_PORT", "70000", "whole number from 1 to 65535"),
        ("CELLWAY_SMTP_PORT", "smtp", "whole number from 1 to 65535"),
        ("CELLWAY_SIGN_IN_ATTEMPTS", "0", "whole number of at least 1"),
        ("CELLWAY_SIGN_IN_ADDRESS_ATTEMPTS", "many", "whole number of at least 1"),
        ("CELLWAY_SESSION_IDLE_MINUTES", "0", "whole number of at least 1"),
        ("CELLWAY_SIGNING_FRESH_MINUTES", "0", "whole number from 1 to 1440"),
        ("CELLWAY_PASSWORD_RESET_MINUTES", "1", "whole number from 5 to 10080"),
        # decimals
        ("CELLWAY_DEPOSIT_PERCENT", "150", "number from 1 to 100"),
        ("CELLWAY_DEPOSIT_PERCENT", "30%", "number from 1 to 100"),
        ("CELLWAY_DEPOSIT_PERCENT", "NaN", "number from 1 to 100"),
        # lists
        ("CELLWAY_FOLLOW_UP_MONTHS", "1,3,3,12", "each larger than the one before"),
        ("CELLWAY_FOLLOW_UP_MONTHS", "12,6", "each larger than the one before"),
        ("CELLWAY_FOLLOW_UP_MONTHS", "0,3", "at least 1"),
        ("CELLWAY_FOLLOW_UP_MONTHS", "1;3;6", "comma-separated list"),
        ("CELLWAY_FOLLOW_UP_MONTHS", ",", "comma-separated list"),
        ("CELLWAY_PAYMENT_REMIND_DAYS", "3,-1", "at least 0"),
        ("CELLWAY_PORTAL_QUESTIONNAIRE_REMIND_AGAIN_DAYS", "0", "whole number from 1 to 60"),
        ("CELLWAY_PORTAL_UPLOADS_PER_CASE", "0", "whole number from 1 to 10000"),
        ("CELLWAY_PORTAL_UPLOADS_PER_CASE", "forty", "whole number from 1 to 10000"),
        # zone, currency, choices, booleans
        ("CELLWAY_CLINIC_TIME_ZONE", "Europe/Belgrad", "IANA time zone"),
        ("CELLWAY_CLINIC_TIME_ZONE", "../../etc/passwd", "IANA time zone"),
        ("CELLWAY_CLINIC_CURRENCY", "euro", "three-letter ISO 4217 currency code"),
        ("CELLWAY_EMAIL", "sendmail", "one of console, file, smtp"),
        ("CELLWAY_TASKS_BACKEND", "celery", "one of db, rq, immediate"),
        ("CELLWAY_LOG_LEVEL", "LOUD", "one of DEBUG, INFO"),
        ("CELLWAY_STAFF_MFA", "sometimes", "one of required, optional, off"),
        ("DJANGO_SECURE_COOKIES", "maybe", "true or false"),
    ],
)
def test_a_bad_value_stops_start_up_naming_the_variable(start_up, name, value, said):
    with pytest.raises(ImproperlyConfigured) as stopped:
        start_up(**{name: value})
    message = str(stopped.value)
    assert message.startswith(f"{name} must be ")
    assert said in message and repr(value) in message


def test_manage_py_refuses_to_start_with_a_bad_value(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CELLWAY_", "DJANGO_"))}
    env.update(
        DJANGO_SECRET_KEY="x" * 50, DJANGO_SETTINGS_MODULE="cellway.settings", CELLWAY_VAR_DIR=str(tmp_path), CELLWAY_DEPOSIT_PERCENT="0"
    )
    done = subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode != 0
    assert "CELLWAY_DEPOSIT_PERCENT must be a number from 1 to 100, not '0'." in done.stderr


def test_no_module_reads_the_environment_but_the_settings():
    """Settings are parsed once: every other module reads django.conf.settings."""
    # backup.py reads no setting from it: it hands the process's environment on to pg_dump and pg_restore,
    # with the connection's password added, as Django's own dbshell does for psql.
    # serve_demo.py likewise hands the environment on to the demo's processes, with the local Stripe fake's added.
    allowed = {"settings.py", "settings_test.py", "env.py", "wsgi.py", "asgi.py", "manage.py", "backup.py", "serve_demo.py"}
    offenders = []
    for path in (ROOT / "cellway").rglob("*.py"):
        if path.name in allowed or "tests" in path.parts or "migrations" in path.parts:
            continue
        text = path.read_text()
        if "os.environ" in text or "os.getenv" in text or "from cellway.env import" in text:
            offenders.append(str(path.relative_to(ROOT)))
    assert offenders == []


PG = "postgres://{}@db.example:5432/cellway"


def test_the_owning_role_is_read_for_the_same_database(start_up):
    s = start_up(DATABASE_URL=PG.format("cellway_app"), DATABASE_MIGRATE_URL=PG.format("cellway_owner"))
    owner = s["DATABASE_OWNER"]
    assert isinstance(owner, dict)
    assert (owner["USER"], owner["NAME"], owner["HOST"]) == ("cellway_owner", "cellway", "db.example")
    assert start_up()["DATABASE_OWNER"] is None


@pytest.mark.parametrize(
    ("app", "owner", "message"),
    [
        (PG.format("cellway_app"), PG.format("cellway_app"), "must name the role that owns the tables, and DATABASE_URL another one"),
        (PG.format("cellway_app"), "postgres://cellway_owner@db.example:5432/other", "host, port and database as in DATABASE_URL"),
        (PG.format("cellway_app"), "postgres://cellway_owner@elsewhere:5432/cellway", "host, port and database as in DATABASE_URL"),
        (None, PG.format("cellway_owner"), "is for PostgreSQL only"),
        (PG.format("cellway_app"), "sqlite:///x.sqlite3", "is for PostgreSQL only"),
        (PG.format("cellway_app"), "nonsense://", "DATABASE_MIGRATE_URL must be a postgres:// URL"),
    ],
)
def test_a_bad_owning_role_stops_start_up(start_up, app, owner, message):
    env = {"DATABASE_MIGRATE_URL": owner} | ({"DATABASE_URL": app} if app else {})

    with pytest.raises(ImproperlyConfigured, match=message):
        start_up(**env)


def test_check_deploy_warns_when_the_application_would_own_the_trail_on_postgresql(monkeypatch):
    from django.conf import settings

    from cellway.deploy import check_app_role_owns_nothing

    on_postgres = {"default": {"ENGINE": "django.db.backends.postgresql", "NAME": "cellway", "USER": "cellway_owner"}}
    monkeypatch.setattr(settings, "DATABASES", on_postgres)
    monkeypatch.setattr(settings, "DATABASE_OWNER", None)
    assert [w.id for w in check_app_role_owns_nothing()] == ["cellway.W080"]

    monkeypatch.setattr(settings, "DATABASE_OWNER", {**on_postgres["default"], "USER": "cellway_owner"})
    assert check_app_role_owns_nothing() == []


def test_the_cancellation_policy_is_parsed_once_with_a_default(start_up):
    policy = start_up()["CANCELLATION_POLICY"]
    assert policy.percent(90) == 100 and policy.percent(0) == 0
    policy = start_up(CELLWAY_CANCELLATION_POLICY="30:80, 0:20")["CANCELLATION_POLICY"]
    assert [(t.days, t.percent) for t in policy.tiers] == [(30, Decimal(80)), (0, Decimal(20))]


def test_a_bad_cancellation_policy_stops_start_up_saying_why(start_up):
    with pytest.raises(ImproperlyConfigured, match=r"CELLWAY_CANCELLATION_POLICY must be days:percent tiers.*last tier is for 0 days"):
        start_up(CELLWAY_CANCELLATION_POLICY="60:100,30:50")


def test_the_redis_channel_layer_reads_longer_than_a_socket_waits(start_up):
    # channels_redis waits 5 s on Redis for a socket's next event; redis-py 8 stops reading after 5 s by default,
    # which closed every idle chat socket with a TimeoutError.
    from channels_redis.core import RedisChannelLayer

    s = start_up(REDIS_URL="redis://127.0.0.1:6379/0", CELLWAY_CHANNEL_LAYER="redis")
    (host,) = s["CHANNEL_LAYERS"]["default"]["CONFIG"]["hosts"]
    assert host["socket_timeout"] > RedisChannelLayer.brpop_timeout
    assert start_up(CELLWAY_CHANNEL_LAYER="memory")["CHANNEL_LAYERS"]["default"]["BACKEND"] == "cellway.channel_layers.InMemoryChannelLayer"


def test_a_sockets_channel_holds_more_news_than_channels_default(start_up):
    # A group send drops what a full channel cannot hold; channels' default (100) was filled by a representative's
    # ten chats while the server was slowed down, and a chat's last message then waited for a reconnect.
    for layer in ("memory", "redis"):
        s = start_up(REDIS_URL="redis://127.0.0.1:6379/0", CELLWAY_CHANNEL_LAYER=layer)
        assert s["CHANNEL_LAYERS"]["default"]["CONFIG"]["capacity"] >= 1000


def test_sqlite_keeps_its_connection_only_when_asked(start_up):
    assert start_up(DB_CONN_MAX_AGE="")["DATABASES"]["default"]["CONN_MAX_AGE"] == 0
    assert start_up(DB_CONN_MAX_AGE="600")["DATABASES"]["default"]["CONN_MAX_AGE"] == 600


def test_postgresql_prepares_statements_unless_told_not_to(start_up):
    url = "postgres://app@127.0.0.1:5432/cellway"
    options = start_up(DATABASE_URL=url)["DATABASES"]["default"]["OPTIONS"]
    assert (options["server_side_binding"], options["prepare_threshold"]) == (True, 2)
    assert "server_side_binding" not in start_up(DATABASE_URL=url, CELLWAY_DB_PREPARE="false")["DATABASES"]["default"].get("OPTIONS", {})
    # SQLite has no such thing: its own options only.
    assert "server_side_binding" not in start_up()["DATABASES"]["default"]["OPTIONS"]
    with pytest.raises(ImproperlyConfigured, match="CELLWAY_DB_PREPARE"):
        start_up(DATABASE_URL=url, CELLWAY_DB_PREPARE="maybe")
