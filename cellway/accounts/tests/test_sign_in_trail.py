from django.urls import reverse

from cellway.audit.models import AuditEvent


def test_a_sign_in_and_a_failed_one_are_on_the_trail_without_the_password(client, staff, password):
    client.post(reverse("account_login"), {"login": "liam", "password": "wrong-password-123"})
    failed = AuditEvent.objects.get(action="auth.sign_in_failed")
    assert failed.target == "liam" and failed.actor is None
    assert "wrong-password-123" not in str(failed.data)

    response = client.post(reverse("account_login"), {"login": "liam", "password": password})
    assert response.status_code == 302
    assert AuditEvent.objects.filter(action="auth.signed_in", actor=staff["liam"]).count() == 1


def test_sign_out_is_a_post_and_is_on_the_trail(client, staff):
    client.force_login(staff["liam"])
    client.post(reverse("account_logout"))
    assert AuditEvent.objects.filter(action="auth.signed_out", actor=staff["liam"]).exists()


def test_five_failed_sign_ins_pause_the_account_even_with_the_right_password(client, staff, password, settings):
    url = reverse("account_login")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(url, {"login": "fiona", "password": "not-her-password"})
    response = client.post(url, {"login": "fiona", "password": password})
    assert response.status_code == 429
    assert "Signing in is paused" in response.text
    assert not AuditEvent.objects.filter(action="auth.signed_in", actor=staff["fiona"]).exists()


def test_another_user_at_the_same_address_is_not_locked_out(client, staff, password, settings):
    url = reverse("account_login")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(url, {"login": "fiona", "password": "not-her-password"})
    assert client.post(url, {"login": "liam", "password": password}).status_code == 302


def test_one_address_trying_many_usernames_is_paused_as_well(client, staff, password, settings):
    url = reverse("account_login")
    for n in range(settings.SIGN_IN_ADDRESS_ATTEMPTS):
        client.post(url, {"login": f"guess{n}", "password": "Summer2026!"})
    # Each name was tried once (axes would pause none), but the address is paused: the right password of another person fails too.
    response = client.post(url, {"login": "liam", "password": password})
    assert response.status_code in (200, 429) and "Too many failed" in response.text
    assert not AuditEvent.objects.filter(action="auth.signed_in").exists()
    # Another address is not paused.
    assert client.post(url, {"login": "liam", "password": password}, REMOTE_ADDR="10.0.0.9").status_code == 302
