from django.urls import path

from cellway.billing import views

app_name = "billing"

urlpatterns = [
    path("pay/<str:token>/", views.pay, name="pay"),
    path("pay/<str:token>/card/", views.pay_by_card, name="pay-card"),
    path("pay/<str:token>/new-link/", views.new_link, name="pay-new-link"),
    path("stripe/webhook/", views.stripe_webhook, name="stripe-webhook"),
]
