"""The mail provider's calls about the newsletter, under ``/anymail/mailgun/`` (cellway/urls.py)."""

from django.urls import path

from cellway.newsletter.tracking import mailgun_tracking

urlpatterns = [
    # django-anymail's tracking webhook: bounces and complaints suppress addresses (signature checked).
    path("tracking/", mailgun_tracking, name="mailgun-tracking"),
]
