from django.urls import path

from cellway.console.records import views

app_name = "records"
urlpatterns = [
    path("cases/<uuid:uuid>/records/<int:item>/uploads/", views.upload_start, name="upload-start"),
    path("records/uploads/<uuid:uuid>/", views.upload_status, name="upload"),
    path("records/uploads/<uuid:uuid>/chunks/<int:offset>/", views.upload_chunk, name="upload-chunk"),
    path("records/uploads/<uuid:uuid>/complete/", views.upload_complete, name="upload-complete"),
    path("records/files/<uuid:uuid>/", views.record_detail, name="file"),
    path("records/files/<uuid:uuid>/progress/", views.record_progress, name="file-progress"),
    path("records/files/<uuid:uuid>/download/", views.download, name="download"),
    path("records/studies/<uuid:uuid>/", views.study_detail, name="study"),
    path("records/series/<uuid:uuid>/", views.series_viewer, name="series"),
    path("records/series/<uuid:uuid>/preview.png", views.series_preview, name="preview"),
    path("records/series/<uuid:uuid>/slices/<int:n>.png", views.slice_image, name="slice"),
]
