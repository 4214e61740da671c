from django.urls import path

from cellway.console.outcomes import views

app_name = "outcomes"
urlpatterns = [
    path("", views.registry, name="registry"),
    path("cohort/", views.cohort_report, name="cohort"),
    path("reports-from-home/", views.patient_reports, name="patient_reports"),
    path("reports-from-home/<uuid:uuid>/", views.patient_report, name="patient_report"),
    path("cases/<uuid:uuid>/", views.patient, name="patient"),
    path("cases/<uuid:uuid>/visits/", views.record_visit, name="visit"),
    path("cases/<uuid:uuid>/relapses/", views.record_relapse, name="relapse"),
    path("cases/<uuid:uuid>/mri/", views.record_mri, name="mri"),
    path("cases/<uuid:uuid>/edss/", views.edss_preview, name="edss_preview"),
    path("cases/<uuid:uuid>/fhir.json", views.fhir_export, name="fhir"),
]
