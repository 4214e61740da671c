from django.apps import AppConfig


class ConversationsConfig(AppConfig):
    name = "cellway.conversations"
    label = "conversations"
    verbose_name = "Conversations"
