"""Logistics for a scheduled case: transfers, accommodation, transport, the hospital room."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from cellway import limits
from cellway.audit.append_only import AppendOnlyMixin
from cellway.cases.models import Case


class TaskKind(models.TextChoices):
    AIRPORT_TRANSFER = "airport_transfer", "Airport transfer"
    ACCOMMODATION = "accommodation", "Accommodation"
    SESSION_TRANSPORT = "session_transport", "Transport to and from sessions"
    HOSPITAL_ROOM = "hospital_room", "Hospital room"


# Essential leaves airport transfer and accommodation to the patient (rule 4).
TIER_TASKS = {
    "inclusive": [TaskKind.AIRPORT_TRANSFER, TaskKind.ACCOMMODATION, TaskKind.SESSION_TRANSPORT, TaskKind.HOSPITAL_ROOM],
    "essential": [TaskKind.SESSION_TRANSPORT, TaskKind.HOSPITAL_ROOM],
}


class TaskStatus(models.TextChoices):
    PENDING = "pending", "To arrange"
    CONFIRMED = "confirmed", "Confirmed"


class LogisticsTask(models.Model):
    """Something logistics must arrange for a case. Confirmable only once the deposit is paid (rule 6)."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="logistics_tasks")
    kind = models.CharField(max_length=20, choices=TaskKind.choices)
    status = models.CharField(max_length=12, choices=TaskStatus.choices, default=TaskStatus.PENDING)
    details = models.CharField(max_length=limits.SHORT, blank=True)
    confirmed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    confirmed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["case", "kind"]
        constraints = [models.UniqueConstraint(fields=["case", "kind"], name="one_task_per_kind")]
        permissions = [
            ("schedule_case", "Can set arrival and therapy dates"),
            ("confirm_logistics", "Can confirm transfers, accommodation and rooms"),
            ("mark_arrived", "Can record a patient's arrival"),
            ("view_logistics", "Can see a case's transfers, accommodation, transport and hospital room"),
        ]

    def __str__(self) -> str:
        return f"{self.case.code} {self.get_kind_display()}: {self.get_status_display()}"


class Arrival(AppendOnlyMixin, models.Model):
    """The patient's arrival as it happened: when, the planned date it replaced, why if early. Append-only."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="arrivals")
    arrived_at = models.DateTimeField()
    planned_on = models.DateField(null=True, blank=True)
    reason = models.TextField(max_length=limits.REASON, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["case", "-recorded_at", "-id"]

    def __str__(self) -> str:
        return f"{self.case_id} arrived {self.arrived_at:%Y-%m-%d %H:%M}"


class ArrivalUndone(AppendOnlyMixin, models.Model):
    """A mistaken arrival undone, and why. Append-only."""

    arrival = models.OneToOneField(Arrival, on_delete=models.PROTECT, related_name="undone")
    reason = models.TextField(max_length=limits.REASON)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.arrival} undone"


class Room(models.Model):
    """A hospital room the clinic books for patients: how many it holds at once. Kept in the admin."""

    name = models.CharField(max_length=limits.NAME, unique=True)
    capacity = models.PositiveSmallIntegerField(default=1, help_text="How many patients it holds on one day.")
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class RoomBooking(models.Model):
    """A room for a case from `first_day` to `last_day` (both included). Written by travel.services.book_room."""

    room = models.ForeignKey(Room, on_delete=models.PROTECT, related_name="bookings")
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="room_bookings")
    first_day = models.DateField()
    last_day = models.DateField()
    booked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    booked_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["first_day", "room"]

    def __str__(self) -> str:
        return f"{self.room} {self.first_day}–{self.last_day}"
