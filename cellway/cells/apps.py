from django.apps import AppConfig


class CellsConfig(AppConfig):
    name = "cellway.cells"
    label = "cells"
    verbose_name = "Cell products: lots, release, labels, custody"
