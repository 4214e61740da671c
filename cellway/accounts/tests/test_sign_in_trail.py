from django.urls import reverse

from cellway.audit.models import AuditEvent


def test_a_sign_in_and_a_failed_one_are_on_the_trail_without_the_password(client, staff, password):
    client.post(reverse("login"), {"username": "liam", "password": "wrong-password-123"})
    failed = AuditEvent.objects.get(action="auth.sign_in_failed")
    assert failed.target == "liam" and failed.actor is None
    assert "wrong-password-123" not in str(failed.data)

    response = client.post(reverse("login"), {"username": "liam", "password": password})
    assert response.status_code == 302
    assert AuditEvent.objects.filter(action="auth.signed_in", actor=staff["liam"]).count() == 1


def test_sign_out_is_a_post_and_is_on_the_trail(client, staff):
    client.force_login(staff["liam"])
    client.post(reverse("logout"))
    assert AuditEvent.objects.filter(action="auth.signed_out", actor=staff["liam"]).exists()
