from decimal import Decimal

import pytest
from django.urls import reverse

from cellway.audit.models import AuditEvent
from cellway.billing.models import PRICE_FIELDS, PriceList
from cellway.clinic import clinic_today
from cellway.demo.journey import ensure_price_list


def form_data(**changes):
    data = dict.fromkeys(PRICE_FIELDS, "100.00") | {"currency": "EUR", "effective_from": clinic_today().isoformat()}
    return data | changes


def test_the_administrator_publishes_a_new_version_and_the_old_one_stays(client, staff):
    first = ensure_price_list(staff["adam"])
    client.force_login(staff["adam"])
    response = client.post(reverse("console:price_list"), form_data(iv_infusion="450.00"))
    assert response.status_code == 302
    active = PriceList.objects.get(active=True)
    assert active.version == first.version + 1 and active.iv_infusion == Decimal("450.00")
    first.refresh_from_db()
    assert not first.active and first.iv_infusion == Decimal("400.00")
    assert AuditEvent.objects.filter(action="price_list.published", actor=staff["adam"]).exists()


def test_a_negative_price_is_refused_and_nothing_is_published(client, staff):
    ensure_price_list(staff["adam"])
    client.force_login(staff["adam"])
    response = client.post(reverse("console:price_list"), form_data(airport_transfer="-5"))
    assert response.status_code == 422
    assert PriceList.objects.count() == 1


def test_finance_may_read_the_price_list_but_not_change_it(client, staff):
    ensure_price_list(staff["adam"])
    client.force_login(staff["fiona"])
    assert client.get(reverse("console:price_list")).status_code == 200
    assert client.post(reverse("console:price_list"), form_data()).status_code == 403
    assert PriceList.objects.count() == 1


def test_other_roles_and_outsiders_do_not_see_the_price_list(client, staff):
    for username in ("nina", "outsider"):
        client.force_login(staff[username])
        assert client.get(reverse("console:price_list")).status_code == 403


def test_an_administrator_cannot_make_anyone_a_superuser_in_the_admin(client, staff):
    client.force_login(staff["adam"])
    page = client.get(reverse("admin:accounts_user_change", args=[staff["nina"].pk]))
    assert page.status_code == 200
    assert 'name="is_superuser"' not in page.text
    # Roles are given on the account's roles page (two-person rule), never through the form.
    assert 'name="groups"' not in page.text
    assert reverse("admin:accounts_user_roles", args=[staff["nina"].pk]) in page.text


def test_a_version_published_for_a_later_date_leaves_todays_prices_in_force_until_then(client, staff):
    import datetime as dt

    from cellway.billing import selectors

    first = ensure_price_list(staff["adam"])
    client.force_login(staff["adam"])
    later = clinic_today() + dt.timedelta(days=10)

    response = client.post(reverse("console:price_list"), form_data(iv_infusion="450.00", effective_from=later.isoformat()))

    assert response.status_code == 302
    assert selectors.active_price_list() == first
    assert selectors.price_list_on(later - dt.timedelta(days=1)) == first
    assert selectors.price_list_on(later).iv_infusion == Decimal("450.00")
    page = client.get(reverse("console:price_list")).text
    assert f"from {later:%d %b %Y}" in page


@pytest.mark.parametrize("days", [-1, -400])
def test_a_price_list_cannot_take_effect_in_the_past(client, staff, days):
    import datetime as dt

    ensure_price_list(staff["adam"])
    client.force_login(staff["adam"])
    past = clinic_today() + dt.timedelta(days=days)

    response = client.post(reverse("console:price_list"), form_data(effective_from=past.isoformat()))

    assert response.status_code == 422
    assert "A price list cannot take effect in the past" in response.text
    assert PriceList.objects.count() == 1


def test_a_newer_version_cannot_take_effect_before_one_already_scheduled(staff):
    import datetime as dt

    from cellway.billing import services
    from cellway.demo.staff import PRICES
    from cellway.errors import Refusal

    ensure_price_list(staff["adam"])
    services.publish_price_list(by=staff["adam"], currency="EUR", prices=PRICES, effective_from=clinic_today() + dt.timedelta(days=30))

    with pytest.raises(Refusal, match="a newer version cannot take effect before it"):
        services.publish_price_list(by=staff["adam"], currency="EUR", prices=PRICES, effective_from=clinic_today() + dt.timedelta(days=5))
    assert PriceList.objects.count() == 2
