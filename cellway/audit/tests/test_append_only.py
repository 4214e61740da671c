"""Rule 9: the trail is append-only, against the model, the queryset and raw SQL alike (the DB trigger refuses)."""

from __future__ import annotations

import pytest
from django.db import DatabaseError, connection, transaction

from cellway.audit.models import AuditEvent
from cellway.audit.services import audit_record, sign, verify_signer
from cellway.audit.signatures import Signature, digest_of
from cellway.cases.models import CaseEvent
from cellway.cases.stages import Stage
from cellway.errors import Refusal


@pytest.fixture
def rows(case_at, staff, password):
    """One row of each append-only table."""
    case = case_at(Stage.INQUIRY)
    return {
        "audit event": audit_record(actor=staff["adam"], action="staff.role_added", target="nina", reason="new nurse"),
        "case event": CaseEvent.objects.filter(case=case).get(),
        "signature": sign(
            verified=verify_signer(signer=staff["sofia"], password=password, meaning="approved therapy plan", request=None),
            subject="plan:x",
            content={"dose": 100},
        ),
    }


KINDS = ["audit event", "case event", "signature"]


def column_and_value(row):
    """A text column of the row and what it holds."""
    field = {AuditEvent: "action", CaseEvent: "summary", Signature: "meaning"}[type(row)]
    return field, getattr(row, field)


@pytest.mark.parametrize("kind", KINDS)
def test_saving_a_changed_trail_row_is_refused_and_the_row_is_unchanged(rows, kind):
    row = rows[kind]
    field, before = column_and_value(row)
    setattr(row, field, "rewritten")

    with pytest.raises(TypeError, match="append-only; write a new entry instead"):
        row.save()

    assert getattr(type(row).objects.get(pk=row.pk), field) == before


@pytest.mark.parametrize("kind", KINDS)
def test_deleting_a_trail_row_is_refused_and_the_row_stays(rows, kind):
    row = rows[kind]

    with pytest.raises(TypeError, match="append-only; it cannot be deleted"):
        row.delete()

    assert type(row).objects.filter(pk=row.pk).exists()


@pytest.mark.parametrize("kind", KINDS)
def test_a_queryset_update_is_refused_by_the_database(rows, kind):
    row = rows[kind]
    field, before = column_and_value(row)

    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        type(row).objects.filter(pk=row.pk).update(**{field: "rewritten"})

    assert getattr(type(row).objects.get(pk=row.pk), field) == before


@pytest.mark.parametrize("kind", KINDS)
def test_a_queryset_delete_is_refused_by_the_database(rows, kind):
    row = rows[kind]

    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        type(row).objects.filter(pk=row.pk).delete()

    assert type(row).objects.filter(pk=row.pk).exists()


@pytest.mark.parametrize("kind", KINDS)
def test_a_raw_update_is_refused_by_the_database_trigger(rows, kind):
    row = rows[kind]
    field, before = column_and_value(row)
    table = type(row)._meta.db_table

    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"UPDATE {table} SET {field} = %s WHERE id = %s", ["rewritten", row.pk])  # noqa: S608

    assert getattr(type(row).objects.get(pk=row.pk), field) == before


@pytest.mark.parametrize("kind", KINDS)
def test_a_raw_delete_is_refused_by_the_database_trigger(rows, kind):
    row = rows[kind]
    table = type(row)._meta.db_table

    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {table} WHERE id = %s", [row.pk])  # noqa: S608

    assert type(row).objects.filter(pk=row.pk).exists()


def test_new_rows_can_still_be_appended(rows, staff):
    before = AuditEvent.objects.count()

    audit_record(actor=staff["adam"], action="price_list.published")

    assert AuditEvent.objects.count() == before + 1


def test_a_signature_needs_the_password_again_and_a_wrong_one_signs_nothing(staff):
    with pytest.raises(Refusal) as refused:
        verify_signer(signer=staff["sofia"], password="not-her-password", meaning="approved therapy plan", request=None)

    assert refused.value.message == "The password is not correct; nothing was signed."
    assert not Signature.objects.exists()


def test_a_signature_records_who_what_it_means_and_a_digest_of_what_was_signed(staff, password):
    content = {"case": "CW-2026-0001", "dose": 100_000_000}

    verified = verify_signer(signer=staff["sofia"], password=password, meaning="approved therapy plan", request=None)
    signature = sign(verified=verified, subject="plan:x", content=content)

    assert (signature.signer, signature.meaning, signature.subject) == (staff["sofia"], "approved therapy plan", "plan:x")
    assert signature.digest == digest_of(content)
    assert signature.digest != digest_of({**content, "dose": 100_000_001})
