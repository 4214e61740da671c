"""Live chat's own rows beside ``Conversation`` and ``Message`` (models.py): the visitor's side of a chat,
representatives' presence, and the canned replies staff edit.

Imported by models.py, so Django sees them as the conversations app's models.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from cellway import limits

# How many pages before the current one a representative sees.
PAGES_KEPT = 10


class ChatVisit(models.Model):
    """The visitor's side of one live chat: who may write in it (the browser that started it) and where they are.

    ``visitor_key`` is a random secret kept in the visitor's session; a request or socket for the conversation
    without it is answered 404, so a guessed or forged conversation id reveals nothing.
    """

    conversation = models.OneToOneField("conversations.Conversation", on_delete=models.CASCADE, related_name="chat")
    visitor_key = models.CharField(max_length=64, db_index=True)
    # The page the visitor is on now, and the ones before (newest last), as paths of the public site.
    current_page = models.CharField(max_length=limits.SHORT, blank=True)
    pages_before = models.JSONField(default=list, blank=True)
    # When the visitor asked for a representative: the queue is first in, first out by this.
    queued_at = models.DateTimeField()
    assigned_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    transcript_sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["queued_at"])]
        permissions = [("answer_chat", "Answer live chats from the public site")]

    def __str__(self) -> str:
        return f"Chat visit {self.conversation_id}"


class Presence(models.Model):
    """A representative's heartbeat: available for chats while ``available`` and seen within the presence window.

    ``last_assigned_at`` orders representatives first in, first out: the one who waited longest since their last
    chat gets the next.
    """

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="chat_presence")
    available = models.BooleanField(default=False)
    # Site language codes the representative chats in (en, zh-hans, ar), comma-separated.
    languages = models.CharField(max_length=limits.SHORT, default="en")
    last_seen_at = models.DateTimeField()
    last_assigned_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"Presence of {self.user_id}"

    def speaks(self, language: str) -> bool:
        return language in {code.strip() for code in self.languages.split(",")}


class CannedReply(models.Model):
    """A reply a representative sends in one click, in one language, with variables filled in when sent:
    ``{first_name}`` (the visitor's), ``{representative}`` (the sender's first name), ``{clinic}``."""

    language = models.CharField(max_length=16, choices=[("en", "English"), ("zh-hans", "简体中文"), ("ar", "العربية")])
    title = models.CharField(max_length=80)
    body = models.TextField(max_length=limits.NOTE)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["language", "position", "title"]
        constraints = [models.UniqueConstraint(fields=["language", "title"], name="canned_reply_title_once_per_language")]
        verbose_name_plural = "canned replies"

    def __str__(self) -> str:
        return f"{self.title} ({self.language})"
