from decimal import Decimal

from django.db import migrations

from cellway.audit.append_only import append_only
from cellway.cells.release import DEFAULT_SPECIFICATION


def add_product(apps, schema_editor):
    Product = apps.get_model("cells", "Product")
    SpecCriterion = apps.get_model("cells", "SpecCriterion")
    # Cryopreserved in liquid-nitrogen vapour; handed over thawed and formulated, cold (2 to 8 °C).
    product, created = Product.objects.get_or_create(
        code="wjmsc-p2",
        defaults={
            "name": "Wharton's-jelly MSCs, Passage 2",
            "storage_min_c": Decimal("-196"),
            "storage_max_c": Decimal("-150"),
            "transport_min_c": Decimal("2"),
            "transport_max_c": Decimal("8"),
        },
    )
    if created:
        SpecCriterion.objects.bulk_create(
            SpecCriterion(product=product, position=n, code=c.code, name=c.name, kind=c.kind.value, unit=c.unit,
                          limit=c.limit, expected=c.expected, bound=c.bound)
            for n, c in enumerate(DEFAULT_SPECIFICATION, start=1)
        )


class Migration(migrations.Migration):
    dependencies = [("cells", "0001_initial")]
    operations = [
        append_only("cells_lotevent"),
        append_only("cells_testresult"),
        migrations.RunPython(add_product, migrations.RunPython.noop),
    ]
