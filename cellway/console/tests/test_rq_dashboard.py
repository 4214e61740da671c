"""The RQ dashboard (admin site, with Redis): superusers only; a queue past the configured ones is 404, not a 500."""

from __future__ import annotations

import pytest
from django.apps import apps

pytestmark = pytest.mark.redis

DASHBOARD = "/admin/django_rq/dashboard/"


@pytest.fixture
def superuser(db):
    from cellway.accounts.models import User

    return User.objects.create_superuser("root", "root@cellway.example", "root-password-long-enough")


def test_the_dashboard_is_mounted_only_with_redis():
    assert apps.is_installed("django_rq")


def test_a_staff_administrator_is_refused_the_dashboard(as_user, staff):
    client = as_user("adam")
    assert staff["adam"].is_staff
    for path in (DASHBOARD, DASHBOARD + "queues/0/", DASHBOARD + "workers/0/", DASHBOARD + "stats.json"):
        assert client.get(path).status_code in (403, 404), path
    assert "django_rq" not in client.get("/admin/").text


def test_a_superuser_sees_the_dashboard_and_a_second_queue_is_not_found(client, superuser):
    client.force_login(superuser)
    assert client.get(DASHBOARD).status_code == 200
    assert client.get(DASHBOARD + "queues/0/").status_code == 200
    for path in ("queues/1/", "queues/1/finished/", "workers/1/", "schedulers/1/", "queues/7/abc/"):
        assert client.get(DASHBOARD + path).status_code == 404, path
