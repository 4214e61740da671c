from django.urls import path

from cellway.console import views

app_name = "console"
urlpatterns = [
    path("", views.home, name="home"),
    path("queue/<slug:key>/", views.queue, name="queue"),
    path("cases/", views.case_list, name="cases"),
    path("price-list/", views.price_list, name="price_list"),
    path("inquiries/new/", views.new_inquiry, name="new_inquiry"),
    path("cases/<uuid:uuid>/", views.case_detail, name="case"),
    path("cases/<uuid:uuid>/protocol/", views.protocol_document, name="protocol"),
    path("records/<uuid:uuid>/", views.record_file, name="record_file"),
    *[path(f"cases/<uuid:uuid>/{name}/", view, name=f"act-{name}") for name, view in views.ACTIONS.items()],
]
