from allauth.account.decorators import secure_admin_login
from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from django.urls import include, path, reverse
from django.views.generic import RedirectView

from cellway.conversations.webhooks import mailgun_inbound
from cellway.site.views import not_found, welcome


def healthz(request: HttpRequest) -> HttpResponse:
    """Liveness probe (answers on plain HTTP too: SECURE_REDIRECT_EXEMPT); also the trivial view the page benchmark compares against."""
    return HttpResponse("ok", content_type="text/plain")


class MovedTo(RedirectView):
    """An old address people have bookmarked, sent on to its new place with its query (`?next=...`)."""

    permanent = False
    query_string = True
    to = ""

    def get_redirect_url(self, *args: object, **kwargs: object) -> str | None:
        self.url = reverse(self.to)
        return super().get_redirect_url(*args, **kwargs)


# A public page that does not exist answers in the visitor's language (cellway/site), any other in the console's look.
handler404 = not_found

# The admin site signs in through the same door as everyone (password, then the second factor).
admin.site.login = secure_admin_login(admin.site.login)  # type: ignore[method-assign]

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    # Sign-in, sign-out, password change and reset, second factor: django-allauth. A one-time password is
    # changed on allauth's page; an administrator's reset link lands on its reset-by-key page.
    path("accounts/", include("allauth.urls")),
    path("signin/", MovedTo.as_view(to="account_login"), name="login"),
    path("signout/", MovedTo.as_view(to="account_logout"), name="logout"),
    # The admin's own "change password" is the same page (the change goes on the trail there).
    path("admin/password_change/", MovedTo.as_view(to="account_change_password")),
    path("admin/", admin.site.urls),
    # django-anymail's webhooks: mail in (Mailgun's inbound format, signature and freshness checked).
    path("anymail/mailgun/inbound/", mailgun_inbound, name="mailgun-inbound"),
    # The public site's entry: the visitor's remembered language, else their browser's.
    path("welcome/", welcome, name="welcome"),
    # The public site, every page under its language: /en/, /zh-hans/, /ar/ (cellway.site.middleware).
    *i18n_patterns(path("", include("cellway.site.urls")), prefix_default_language=True),
    # Pay links (public, signed) and Stripe's webhook.
    path("billing/", include("cellway.billing.urls")),
    # Live chat's endpoints for the public site's widget (its WebSockets: cellway/asgi.py).
    path("chat/", include("cellway.site.chat_urls")),
    # The patient portal: patients and the family and helpers they let in, signing in by an emailed code.
    path("portal/", include("cellway.portal.urls")),
    # The mail provider's tracking webhook (django-anymail, Mailgun's format): bounces and complaints.
    path("anymail/mailgun/", include("cellway.newsletter.urls")),
    # The staff interface (console, records and outcomes pages).
    path("", include("cellway.console.urls")),
]
