"""The public site's addresses, each under a language prefix (`/en/`, `/zh-hans/`, `/ar/`: cellway/urls.py)."""

from django.urls import path

from cellway.site import views

app_name = "site"

urlpatterns = [
    path("", views.home, name="home"),
    path("conditions/<slug:slug>/", views.condition, name="condition"),
    path("how-we-proceed/", views.how_we_proceed, name="how_we_proceed"),
    path("outcomes/methods/", views.methods, name="methods"),
]
