from django.urls import path

from cellway.console.cells import views

app_name = "cells"
urlpatterns = [
    path("", views.queue, name="queue"),
    path("receive/", views.receive, name="receive"),
    path("<uuid:uuid>/", views.lot_detail, name="lot"),
    path("<uuid:uuid>/coa.pdf", views.coa_pdf, name="coa"),
    path("<uuid:uuid>/vials/<int:number>/label.pdf", views.label_pdf, name="label"),
    path("<uuid:uuid>/vials/<int:number>/fhir.json", views.vial_fhir, name="fhir"),
    *[path(f"<uuid:uuid>/{name}/", view, name=name) for name, view in views.ACTIONS.items()],
]
