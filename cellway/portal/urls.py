from django.urls import path

from cellway.portal import thread, views

app_name = "portal"

urlpatterns = [
    path("", views.home, name="home"),
    path("sign-in/", views.sign_in, name="sign_in"),
    path("language/", views.language, name="language"),
    path("cases/<uuid:uuid>/", views.case_page, name="case"),
    path("cases/<uuid:uuid>/records/", views.upload_record, name="upload_record"),
    path("cases/<uuid:uuid>/quote/accept/", views.accept_quote, name="accept_quote"),
    path("cases/<uuid:uuid>/quote.pdf", views.quote_pdf, name="quote_pdf"),
    path("cases/<uuid:uuid>/invoices/<str:kind>.pdf", views.invoice_pdf, name="invoice_pdf"),
    path("cases/<uuid:uuid>/receipts/<uuid:payment>.pdf", views.receipt_pdf, name="receipt_pdf"),
    path("cases/<uuid:uuid>/documents/protocol.pdf", views.protocol_pdf, name="protocol_pdf"),
    path("cases/<uuid:uuid>/documents/discharge-summary.pdf", views.discharge_summary_pdf, name="discharge_summary_pdf"),
    path("cases/<uuid:uuid>/documents/coa/<uuid:lot>.pdf", views.certificate_pdf, name="certificate_pdf"),
    path("cases/<uuid:uuid>/visa-letter/", views.visa_letter, name="visa_letter"),
    path("cases/<uuid:uuid>/visa-letter/<uuid:letter>.pdf", views.visa_letter_pdf, name="visa_letter_pdf"),
    path("cases/<uuid:uuid>/itinerary.ics", views.itinerary_ics, name="itinerary_ics"),
    path("cases/<uuid:uuid>/people/", views.people, name="people"),
    path("cases/<uuid:uuid>/consent/", views.consent, name="consent"),
    path("cases/<uuid:uuid>/follow-up/", views.follow_up, name="follow_up"),
    path("cases/<uuid:uuid>/messages/", thread.write, name="messages"),
]
