# Price lists take effect from a date; an accepted quote keeps the digest of what was accepted.

from django.conf import settings
from django.db import migrations, models
from django.utils import timezone


def effective_from_publication(apps, schema_editor):
    """Versions published before effective dates took effect the day they were published (clinic calendar)."""
    from zoneinfo import ZoneInfo

    zone = ZoneInfo(settings.CLINIC_TIME_ZONE)
    PriceList = apps.get_model("billing", "PriceList")
    for price_list in PriceList.objects.all():
        price_list.effective_from = timezone.localtime(price_list.created_at, zone).date()
        price_list.save(update_fields=["effective_from"])


class Migration(migrations.Migration):

    dependencies = [
        ('billing', '0007_payment_proof'),
    ]

    operations = [
        migrations.AddField(
            model_name='quote',
            name='accepted_digest',
            field=models.CharField(blank=True, max_length=64),
        ),
        migrations.AddField(
            model_name='pricelist',
            name='effective_from',
            field=models.DateField(null=True),
        ),
        migrations.RunPython(effective_from_publication, migrations.RunPython.noop),
        migrations.AlterField(
            model_name='pricelist',
            name='effective_from',
            field=models.DateField(),
        ),
    ]
