from decimal import Decimal

from django.urls import reverse

from cellway.audit.models import AuditEvent
from cellway.billing.models import PRICE_FIELDS, PriceList
from cellway.demo.journey import ensure_price_list


def form_data(**changes):
    data = dict.fromkeys(PRICE_FIELDS, "100.00") | {"currency": "EUR"}
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
