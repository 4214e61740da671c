from django.apps import AppConfig


class TravelConfig(AppConfig):
    name = "cellway.travel"
    label = "travel"
    verbose_name = "Scheduling and logistics"

    def ready(self) -> None:
        from cellway.billing import incurred
        from cellway.travel.billing import used_room_days

        incurred.register("room", used_room_days)
