from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse
from django.urls import include, path
from django.views.generic import RedirectView

from cellway.accounts import views as account_views


def healthz(request: HttpRequest) -> HttpResponse:
    """Liveness probe; also the trivial view the page benchmark compares against."""
    return HttpResponse("ok", content_type="text/plain")


urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("signin/", auth_views.LoginView.as_view(), name="login"),
    path("signout/", auth_views.LogoutView.as_view(), name="logout"),
    # A person's own password (a one-time password must be changed here; an administrator's reset link lands here).
    path("password/change/", account_views.PasswordChangeView.as_view(), name="password_change"),
    path("password/reset/<uidb64>/<token>/", account_views.PasswordResetConfirmView.as_view(), name="password_reset_confirm"),
    path("password/reset/done/", auth_views.PasswordResetCompleteView.as_view(), name="password_reset_complete"),
    # The admin's own "change password" is the same page (the change goes on the trail there).
    path("admin/password_change/", RedirectView.as_view(pattern_name="password_change")),
    path("admin/", admin.site.urls),
    # The staff interface (console, records and outcomes pages).
    path("", include("cellway.console.urls")),
]
