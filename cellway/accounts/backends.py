"""Permissions read once per request, with the person's roles, in one query."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.contrib.auth.backends import ModelBackend

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from cellway.accounts.models import User


class RoleBackend(ModelBackend):
    """Django's ModelBackend, except that a person's permissions come from `User.access`.

    ModelBackend reads a person's own and their groups' permissions in two
    queries, and the role names (groups) are a third; every staff page needs
    all three, so `User.access` reads them together in one.
    """

    def get_all_permissions(self, user_obj: User | AnonymousUser, obj: Any = None) -> set[str]:
        if not user_obj.is_active or user_obj.is_anonymous or obj is not None or user_obj.is_superuser:
            return super().get_all_permissions(user_obj, obj)
        # A frozenset: the same set for the whole request, never changed by the caller.
        return user_obj.access.permissions  # type: ignore[return-value]
