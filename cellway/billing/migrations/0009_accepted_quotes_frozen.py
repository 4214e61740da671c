# An accepted quote is frozen by database triggers (cellway/audit/frozen.py): what the patient accepted — every line,
# the sums, the version and the acceptance itself — never changes; a changed plan makes a new version. Only its
# status moves on (an accepted quote is superseded when a later version is accepted).

from django.db import migrations

from cellway.audit.frozen import frozen_once_signed

ACCEPTED = (
    "uuid", "case_id", "version", "plan_id", "price_list_id", "currency", "package_tier", "lines", "adjustment",
    "adjustment_reason", "total", "deposit", "issued_by_id", "issued_at", "accepted_at", "acceptance_recorded_by_id",
    "acceptance_note", "accepted_digest",
)  # fmt: skip


class Migration(migrations.Migration):
    dependencies = [("billing", "0008_price_list_dates_quote_digest")]

    operations = [frozen_once_signed("billing_quote", ACCEPTED, when="accepted_at")]
