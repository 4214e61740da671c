# A released or rejected lot is frozen by database triggers (cellway/audit/frozen.py): what was signed —
# its identity, donation, processing and the decision — never changes; only its status moves on.

from django.db import migrations

from cellway.audit.frozen import frozen_once_signed

SIGNED = (
    "uuid", "product_id", "din", "donor_id", "collection_date", "consent_on_file", "donor_eligible", "processing", "passage",
    "cells_per_vial", "vial_count", "vial_volume_ml", "expires_at", "received_by_id", "received_at", "signature_id",
    "released_by_id", "released_at", "decision_reason",
)  # fmt: skip


class Migration(migrations.Migration):
    dependencies = [("cells", "0002_append_only_and_product")]

    operations = [frozen_once_signed("cells_lot", SIGNED)]
