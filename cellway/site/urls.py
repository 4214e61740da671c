"""The public site's addresses, each under a language prefix (`/en/`, `/zh-hans/`, `/ar/`: cellway/urls.py)."""

from django.urls import path

from cellway.site import views

app_name = "site"

urlpatterns = [
    path("", views.home, name="home"),
    path("conditions/<slug:slug>/", views.condition, name="condition"),
]
