"""The RQ dashboard (django-rq's, in the admin site when Redis is configured): superusers only.

django-rq registers its dashboard for every staff member; with RQ_SHOW_ADMIN_LINK off it registers
nothing and this module registers it again with the superuser check. Its pages take a queue's
position in the address (`queues/<n>/`); a position past the configured queues raised IndexError
(a 500), and here is a 404.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.apps import apps
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse

INDEXES = ("queue_index", "scheduler_index", "connection_index")


def superuser_only(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    @wraps(view)
    def guarded(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        from django_rq.settings import get_queues_list

        user: Any = request.user
        if not (user.is_active and user.is_superuser):
            raise PermissionDenied("The task queue dashboard is for superusers.")
        queues = len(get_queues_list())
        if any(int(kwargs[name]) >= queues for name in INDEXES if name in kwargs):
            raise Http404("There is no such queue.")
        try:
            return view(request, *args, **kwargs)
        except IndexError:
            raise Http404("There is no such queue.") from None

    return guarded


if apps.is_installed("django_rq"):
    from django_rq.admin import QueueAdmin
    from django_rq.models import Dashboard

    class SuperuserQueueAdmin(QueueAdmin):
        def has_module_permission(self, request: HttpRequest) -> bool:
            return bool(request.user.is_active and request.user.is_superuser)

        def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
            return self.has_module_permission(request)

        def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
            return self.has_module_permission(request)

        def changelist_view(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> HttpResponse:
            return superuser_only(super().changelist_view)(request, extra_context)

        def get_urls(self) -> list[Any]:
            urls: list[Any] = super().get_urls()  # type: ignore[no-untyped-call]
            for pattern in urls:
                pattern.callback = superuser_only(pattern.callback)
            return urls

    admin.site.register(Dashboard, SuperuserQueueAdmin)
