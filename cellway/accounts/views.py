"""A person's own password pages: Django's views, with the change on the trail.

Only the pages a one-time password and an administrator's reset link need
(issue 8 §3); the self-service pages of the sign-in door may replace them
(`accounts.middleware.password_change_url` follows allauth's where mounted).
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.http import HttpResponse
from django.urls import reverse_lazy

from cellway.accounts import services


class PasswordChangeView(auth_views.PasswordChangeView):
    success_url = reverse_lazy("console:home")

    def form_valid(self, form: Any) -> HttpResponse:
        was_one_time = form.user.must_change_password
        response = super().form_valid(form)
        services.password_changed(user=form.user, how="changed", was_one_time=was_one_time)
        messages.success(self.request, "Your password is changed.")
        return response


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    def form_valid(self, form: Any) -> HttpResponse:
        was_one_time = form.user.must_change_password
        response = super().form_valid(form)
        services.password_changed(user=form.user, how="reset", was_one_time=was_one_time)
        return response
