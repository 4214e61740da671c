from django.contrib import admin

from cellway.travel.models import Room


# ModelAdmin is generic only in django-stubs; subscripting it at run time needs django_stubs_ext (+0.1 s start-up).
@admin.register(Room)
class RoomAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """The clinic's hospital rooms and how many patients each holds; bookings are made on the case page."""

    list_display = ("name", "capacity", "active")
    list_filter = ("active",)
