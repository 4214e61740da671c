from django.db import migrations

from cellway.audit.append_only import append_only
from cellway.cells.products import ensure_products


def add_product(apps, schema_editor):
    ensure_products(apps)


class Migration(migrations.Migration):
    dependencies = [("cells", "0001_initial")]
    operations = [
        append_only("cells_lotevent"),
        append_only("cells_testresult"),
        migrations.RunPython(add_product, migrations.RunPython.noop),
    ]
