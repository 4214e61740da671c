"""Event kinds become a typed list (cellway.cases.events.EventKind); old rows are renamed to it.

- "record.read" (the records app) and "record_read" (the FHIR export, misspelt,
  so exports never reached a record's read trail) become "medical.read", with
  the subject read in data: "record:<uuid>" or "fhir".
- "signature" was written for three different things: it becomes "plan.signed",
  "balance.override" or "protocol.issued", each belonging to one part of a case.
- "reminder" becomes "payment.reminder" or "follow_up.reminder".

The case trail is append-only (database triggers): they are lifted around the
rewrite and put back, inside this migration's transaction. Only the kind (and
the subject beside it) changes; who, when and what stay as written.
"""

from typing import Any

from django.db import migrations, models

from cellway.audit.append_only import lifted

TABLE = "cases_caseevent"

# Summary openings written by the three services that wrote "signature".
SIGNATURES = (("Signed plan", "plan.signed"), ("Balance override", "balance.override"), ("Post-treatment protocol", "protocol.issued"))


def forward(apps: Any, schema_editor: Any) -> None:
    CaseEvent = apps.get_model("cases", "CaseEvent")
    events = CaseEvent.objects.using(schema_editor.connection.alias)
    with lifted(schema_editor, TABLE):
        for event in events.filter(kind="record.read").only("pk", "data").iterator():
            data = dict(event.data or {})
            data["subject"] = f"record:{data.get('file', '')}"
            events.filter(pk=event.pk).update(kind="medical.read", data=data)
        for event in events.filter(kind="record_read").only("pk", "data").iterator():
            events.filter(pk=event.pk).update(kind="medical.read", data={**(event.data or {}), "subject": "fhir"})
        for opening, kind in SIGNATURES:
            events.filter(kind="signature", summary__startswith=opening).update(kind=kind)
        for event in events.filter(kind="reminder").only("pk", "data").iterator():
            kind = "payment.reminder" if "what" in (event.data or {}) else "follow_up.reminder"
            events.filter(pk=event.pk).update(kind=kind)


def backward(apps: Any, schema_editor: Any) -> None:
    CaseEvent = apps.get_model("cases", "CaseEvent")
    events = CaseEvent.objects.using(schema_editor.connection.alias)
    with lifted(schema_editor, TABLE):
        events.filter(kind="medical.read", data__subject="fhir").update(kind="record_read")
        events.filter(kind="medical.read", data__subject__startswith="record:").update(kind="record.read")
        events.filter(kind__in=[kind for _, kind in SIGNATURES]).update(kind="signature")
        events.filter(kind__in=["payment.reminder", "follow_up.reminder"]).update(kind="reminder")


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0003_queue_page_index"),
    ]

    operations = [
        migrations.AlterField(
            model_name="caseevent",
            name="kind",
            field=models.CharField(
                choices=[
                    ("stage", "Stage change"),
                    ("opened", "Case opened"),
                    ("assigned", "Reassigned"),
                    ("note", "Note"),
                    ("records", "Records checklist"),
                    ("record.uploaded", "Record added"),
                    ("record.resent", "Record sent again"),
                    ("record.ingested", "Record read in"),
                    ("record.not_ingested", "Record not read in"),
                    ("record.quarantined", "Record quarantined"),
                    ("plan.saved", "Plan saved"),
                    ("plan.signed", "Plan signed"),
                    ("screening", "Screening recorded"),
                    ("quote", "Quote"),
                    ("payment", "Payment"),
                    ("balance.override", "Balance override signed"),
                    ("payment.reminder", "Payment reminder"),
                    ("scheduled", "Dates"),
                    ("logistics", "Logistics"),
                    ("session", "Session"),
                    ("protocol.issued", "Protocol issued"),
                    ("follow_up", "Follow-up assessment"),
                    ("follow_up.reminder", "Follow-up reminder"),
                    ("outcome_visit", "Outcome visit"),
                    ("relapse", "Relapse"),
                    ("mri", "MRI"),
                    ("medical.read", "Medical content read"),
                ],
                max_length=40,
            ),
        ),
        migrations.RunPython(forward, backward),
    ]
