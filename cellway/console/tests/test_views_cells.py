"""The laboratory's pages: access, receiving, results, release by a second person, refusals (422), label and CoA."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from cellway.cells.models import Lot, LotStatus, TestResult
from cellway.clinic import clinic_today
from cellway.demo import cells as demo


@pytest.mark.parametrize(("who", "status"), [("ivan", 200), ("tara", 200), ("nina", 200), ("fiona", 403), ("adam", 403), ("outsider", 403)])
def test_the_lot_pages_are_for_the_laboratory_and_the_ward(as_user, staff, who, status):
    lot = demo.receive(staff["ivan"])
    client = as_user(who)

    assert client.get(reverse("cells:queue")).status_code == status
    assert client.get(reverse("cells:lot", kwargs={"uuid": lot.uuid})).status_code == status


def test_an_unknown_lot_is_404(as_user):
    assert as_user("ivan").get(reverse("cells:lot", kwargs={"uuid": "00000000-0000-0000-0000-000000000000"})).status_code == 404


def test_the_laboratory_receives_a_lot_through_the_form(as_user):
    expires = dt.datetime.combine(clinic_today() + dt.timedelta(days=90), dt.time(17, 0))
    response = as_user("ivan").post(
        reverse("cells:receive"),
        {
            "donor_id": "UC-1",
            "collection_date": clinic_today().isoformat(),
            "consent_on_file": "on",
            "donor_eligible": "on",
            "processing": "P0 to P2",
            "passage": 2,
            "cells_per_vial": 50_000_000,
            "vial_count": 4,
            "vial_volume_ml": "10",
            "storage_location": "Tank 1",
            "storage_temperature_c": "-180",
            "expires_at": expires.strftime("%Y-%m-%dT%H:%M"),
        },
    )

    lot = Lot.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("cells:lot", kwargs={"uuid": lot.uuid})
    assert lot.vials.count() == 4 and lot.status == LotStatus.QUARANTINE


def test_a_lot_without_consent_is_refused_with_the_reason_and_nothing_written(as_user):
    response = as_user("ivan").post(
        reverse("cells:receive"),
        {
            "donor_id": "UC-1",
            "collection_date": clinic_today().isoformat(),
            "donor_eligible": "on",
            "processing": "P0 to P2",
            "passage": 2,
            "cells_per_vial": 50_000_000,
            "vial_count": 4,
            "vial_volume_ml": "10",
            "storage_location": "Tank 1",
            "storage_temperature_c": "-180",
            "expires_at": "2099-01-01T10:00",
        },
    )

    assert response.status_code == 422
    assert "The donor&#x27;s consent must be on file" in response.content.decode()
    assert not Lot.objects.exists()


def test_a_result_without_its_unit_is_refused_on_the_lot_page(as_user, staff):
    lot = demo.receive(staff["ivan"])

    response = as_user("ivan").post(
        reverse("cells:result", kwargs={"uuid": lot.uuid}),
        {
            "code": "viability",
            "value": "92",
            "unit": "",
            "method": "7-AAD",
            "measured_by": "Ivan",
            "measured_on": clinic_today().isoformat(),
        },
    )

    assert response.status_code == 422
    assert "Viability: give the result&#x27;s unit (%)." in response.content.decode()
    assert not TestResult.objects.exists()


def test_release_is_refused_to_whoever_entered_results_and_signed_by_a_second_person(as_user, staff, password):
    lot = demo.receive(staff["ivan"])
    demo.record_passing_results(lot, staff["ivan"])
    url = reverse("cells:release", kwargs={"uuid": lot.uuid})

    page = as_user("ivan").get(reverse("cells:lot", kwargs={"uuid": lot.uuid})).content.decode()
    assert "You entered results for this lot: a second person releases it." in page
    refused = as_user("ivan").post(url, {"password": password})
    assert refused.status_code == 422 and Lot.objects.get(pk=lot.pk).status == LotStatus.QUARANTINE

    done = as_user("tara").post(url, {"password": password})

    assert done.status_code == 302 and Lot.objects.get(pk=lot.pk).status == LotStatus.RELEASED


def test_label_and_certificate_are_pdfs(as_user, staff):
    lot = demo.released_lot(staff["ivan"], staff["tara"])
    client = as_user("ivan")

    label = client.get(reverse("cells:label", kwargs={"uuid": lot.uuid, "number": 1}))
    coa = client.get(reverse("cells:coa", kwargs={"uuid": lot.uuid}))

    assert label.status_code == coa.status_code == 200
    assert label["Content-Type"] == coa["Content-Type"] == "application/pdf"
    assert label.content.startswith(b"%PDF") and coa.content.startswith(b"%PDF")
    assert client.get(reverse("cells:label", kwargs={"uuid": lot.uuid, "number": 99})).status_code == 404
    assert as_user("nina").get(reverse("cells:label", kwargs={"uuid": lot.uuid, "number": 1})).status_code == 403


def test_no_certificate_before_release(as_user, staff):
    lot = demo.receive(staff["ivan"])
    assert as_user("ivan").get(reverse("cells:coa", kwargs={"uuid": lot.uuid})).status_code == 404
