from django.apps import AppConfig
from django.db.models.signals import post_migrate


class CellsConfig(AppConfig):
    name = "cellway.cells"
    label = "cells"
    verbose_name = "Cell products: lots, release, labels, custody"

    def ready(self) -> None:
        from cellway.billing import incurred
        from cellway.cells.billing import spent_cells
        from cellway.cells.products import ensure_products_after_migrate

        incurred.register("cells", spent_cells)

        post_migrate.connect(ensure_products_after_migrate, dispatch_uid="cellway.cells.ensure_products")
