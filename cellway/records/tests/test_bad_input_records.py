"""Slice numbers from the address bar: out of range is a clean 404 or the nearest slice, never a 500."""

from __future__ import annotations

import pytest
from django.http import Http404
from django.urls import reverse

from cellway.console.records.views import slice_image
from cellway.records.models import ImagingSeries
from cellway.records.selectors import ordered_slices, slice_at

HUGE = 99999999999999999999  # past SQLite's and PostgreSQL's 64-bit integers


@pytest.fixture
def series(imaging, staff, send, mr_zip) -> ImagingSeries:
    send(imaging, staff["carla"], "mri.zip", mr_zip)
    return ImagingSeries.objects.filter(study__case=imaging.case).first()


def test_slice_at_finds_every_slice_in_spatial_order(series):
    ordered = list(ordered_slices(series))

    assert [slice_at(series, n) for n in range(1, len(ordered) + 1)] == ordered


@pytest.mark.parametrize("n", [0, -1, 9, HUGE, 10**5000], ids=["zero", "negative", "one-past", "huge", "5000-digits"])
def test_slice_at_has_nothing_out_of_range_and_asks_the_database_no_offset(series, n, django_assert_max_num_queries):
    with django_assert_max_num_queries(1):
        assert slice_at(series, n) is None


@pytest.mark.parametrize("n", ["0", "9", str(HUGE), "9" * 5000], ids=["zero", "one-past", "huge", "5000-digits"])
def test_an_out_of_range_slice_address_is_a_404_saying_so(client, staff, series, n):
    client.force_login(staff["liam"])
    url = reverse("records:slice", args=[series.uuid, 1]).removesuffix("1.png") + f"{n}.png"

    response = client.get(url)

    assert response.status_code == 404


def test_the_404_says_no_such_slice(rf, staff, series):
    request = rf.get("/")
    request.user = staff["liam"]

    with pytest.raises(Http404, match="No such slice"):
        slice_image(request, str(series.uuid), HUGE)


@pytest.mark.parametrize(
    ("asked", "shown"),
    [("-3", 1), ("0", 1), (str(HUGE), 8), ("9" * 5000, 5), ("abc", 5), ("2.5", 5), ("", 5), ("4", 4)],
    ids=["negative", "zero", "huge", "5000-digits", "words", "fraction", "empty", "in-range"],
)
def test_the_viewer_shows_the_nearest_slice_for_any_slice_parameter(client, staff, series, asked, shown):
    client.force_login(staff["liam"])

    response = client.get(reverse("records:series", args=[series.uuid]), {"slice": asked})

    assert response.status_code == 200
    assert f"Slice {shown} of 8" in response.text
