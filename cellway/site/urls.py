"""The public site's addresses, each under a language prefix (`/en/`, `/zh-hans/`, `/ar/`: cellway/urls.py)."""

from django.urls import path

from cellway.site import subscriptions, uploads, views

app_name = "site"

urlpatterns = [
    path("", views.home, name="home"),
    path("conditions/<slug:slug>/", views.condition, name="condition"),
    path("how-we-proceed/", views.how_we_proceed, name="how_we_proceed"),
    path("outcomes/methods/", views.methods, name="methods"),
    path("inquiry/", views.inquiry, name="inquiry"),
    path("inquiry/sent/", views.inquiry_sent, name="inquiry_sent"),
    path("inquiry/records/<str:token>/", uploads.records, name="inquiry_records"),
    path("conditions/<slug:slug>/ebook/", subscriptions.ebook, name="ebook"),
    path("newsletter/", subscriptions.newsletter, name="newsletter"),
    path("confirm/<str:token>/", subscriptions.confirm, name="confirm"),
    path("ebook/<str:token>/", subscriptions.ebook_download, name="ebook_download"),
    path("newsletter/unsubscribe/<str:token>/", subscriptions.unsubscribe, name="unsubscribe"),
]
