"""Finance's exchange rate page: entered by finance, refused with a message, closed to other roles."""

from __future__ import annotations

from django.urls import reverse

from cellway.billing.models import ExchangeRate
from cellway.clinic import clinic_today


def test_finance_enters_a_rate_and_sees_it_listed(client, staff):
    client.force_login(staff["fiona"])
    url = reverse("console:exchange_rates")

    done = client.post(url, {"base": "EUR", "target": "GBP", "rate": "0.8512", "effective_from": clinic_today().isoformat()})

    assert done.status_code == 302
    page = client.get(url)
    assert "EUR → GBP" in page.text and "0.8512" in page.text


def test_a_bad_rate_is_refused_with_a_message_and_nothing_is_written(client, staff):
    client.force_login(staff["fiona"])

    page = client.post(
        reverse("console:exchange_rates"), {"base": "EUR", "target": "EUR", "rate": "1", "effective_from": clinic_today().isoformat()}
    )

    assert page.status_code == 422
    assert "A rate is between two different currencies." in page.text
    assert not ExchangeRate.objects.exists()


def test_roles_without_money_are_refused(client, staff):
    client.force_login(staff["lena"])
    url = reverse("console:exchange_rates")
    assert client.get(url).status_code == 403
    assert client.post(url, {"base": "EUR", "target": "GBP", "rate": "1", "effective_from": clinic_today().isoformat()}).status_code == 403
    assert not ExchangeRate.objects.exists()
