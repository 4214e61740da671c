"""The administrator's pages for the evidence library and condition pages: they render, and every write goes
through the services (a refused publish is a message naming the claims, never a 500)."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from cellway.demo.site import load_ms_page, load_references
from cellway.evidence.models import Claim, ConditionPage, PublishedPage, Reference

pytestmark = pytest.mark.django_db


@pytest.fixture
def ms_page(staff: dict[str, Any]) -> ConditionPage:
    load_references(staff["adam"])
    page, _ = load_ms_page(staff["adam"])
    return page


def test_the_administrator_sees_what_keeps_each_page_and_reference_back(as_user: Any, ms_page: ConditionPage) -> None:
    client = as_user("adam")
    pages = client.get(reverse("admin:evidence_conditionpage_changelist"))
    assert pages.status_code == 200 and "ready to publish" in pages.content.decode()
    references = client.get(reverse("admin:evidence_reference_changelist"))
    assert references.status_code == 200
    seed49 = Reference.objects.get(key="seed49-unresolved")
    page = client.get(reverse("admin:evidence_reference_change", args=[seed49.pk])).content.decode()
    assert "title missing; authors missing; journal missing; year missing; no verified DOI or PMID" in page
    for name in ("claim", "conditionpage", "publishedpage"):
        assert client.get(reverse(f"admin:evidence_{name}_changelist")).status_code == 200
    assert client.get(reverse("admin:evidence_conditionpage_change", args=[ms_page.pk])).status_code == 200
    claim = Claim.objects.filter(held_back=True).first()
    assert claim is not None
    assert client.get(reverse("admin:evidence_claim_change", args=[claim.pk])).status_code == 200


def test_a_refused_publish_in_the_admin_names_the_claim_and_publishes_nothing(as_user: Any, ms_page: ConditionPage) -> None:
    held = Claim.objects.get(citations__reference__key="seed49-unresolved")
    held.held_back = False
    held.save()
    before = PublishedPage.objects.count()
    response = as_user("adam").post(
        reverse("admin:evidence_conditionpage_changelist"),
        {"action": "publish", "_selected_action": [ms_page.pk]},
        follow=True,
    )
    assert response.status_code == 200
    text = response.content.decode()
    assert "cites seed49-unresolved, whose record is not verified" in text
    assert PublishedPage.objects.count() == before


def test_other_roles_have_no_door_into_the_evidence_admin(as_user: Any, ms_page: ConditionPage) -> None:
    for name in ("sofia", "carla"):
        response = as_user(name).get(reverse("admin:evidence_conditionpage_changelist"))
        assert response.status_code in (302, 403)


def test_doubting_a_cited_record_in_the_admin_takes_the_page_off_the_site(as_user: Any, ms_page: ConditionPage, client: Any) -> None:
    import json

    from cellway.evidence.selectors import live_page

    reference = Reference.objects.get(key="dominici2006cytotherapy")
    csl = reference.csl | {"custom": {**reference.csl["custom"], "field_status": {**reference.csl["custom"]["field_status"]}}}
    csl["custom"]["field_status"]["title"] = "UNSURE (two sources disagree)"
    response = as_user("adam").post(
        reverse("admin:evidence_reference_change", args=[reference.pk]),
        {"key": reference.key, "kind": reference.kind, "csl": json.dumps(csl), "note": reference.note},
    )
    assert response.status_code == 302
    assert live_page("multiple-sclerosis") is None
    assert "title not verified" in "; ".join(Reference.objects.get(pk=reference.pk).problems)
