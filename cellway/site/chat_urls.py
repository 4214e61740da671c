"""Live chat's HTTP endpoints for the widget on every public page (`/chat/...`, outside the language prefix: the
widget says its language in each request)."""

from django.urls import path

from cellway.site import chat_views

app_name = "chat"

urlpatterns = [
    path("status/", chat_views.status, name="status"),
    path("start/", chat_views.start, name="start"),
    path("by-email/", chat_views.by_email, name="by_email"),
    path("<uuid:uuid>/messages/", chat_views.messages, name="messages"),
    path("<uuid:uuid>/page/", chat_views.page, name="page"),
    path("<uuid:uuid>/close/", chat_views.close, name="close"),
]
