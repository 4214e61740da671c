"""The staff interface's addresses, by domain.

Pages live in `console/<domain>/views.py`; actions on a case in
`console/<domain>/actions.py`, gathered here under `cases/<uuid>/<name>/`
(URL name `console:act-<name>`). Records and outcomes keep their own
namespaces (`records:`, `outcomes:`) and addresses.
"""

from django.urls import include, path, re_path

from cellway.console.actions import View
from cellway.console.billing import actions as billing_actions
from cellway.console.billing import rates as billing_rates
from cellway.console.billing import views as billing_views
from cellway.console.cases import actions as cases_actions
from cellway.console.cases import views as cases_views
from cellway.console.chat import views as chat_views
from cellway.console.conversations import actions as conversations_actions
from cellway.console.conversations import views as conversations_views
from cellway.console.plans import actions as plans_actions
from cellway.console.portal import actions as portal_actions
from cellway.console.records import actions as records_actions
from cellway.console.records import views as records_views
from cellway.console.travel import actions as travel_actions
from cellway.console.travel import views as travel_views
from cellway.console.treatment import actions as treatment_actions
from cellway.console.treatment import views as treatment_views

ACTIONS: dict[str, View] = {
    **records_actions.ACTIONS,
    **cases_actions.ACTIONS,
    **plans_actions.ACTIONS,
    **billing_actions.ACTIONS,
    **travel_actions.ACTIONS,
    **treatment_actions.ACTIONS,
    **portal_actions.ACTIONS,
    **conversations_actions.ACTIONS,
}

console_patterns = [
    path("", cases_views.home, name="home"),
    path("ward/", travel_views.ward, name="ward"),
    # token_urlsafe(32): 43 characters of the URL-safe base64 alphabet; anything else is not even looked up.
    re_path(r"^ward/feed/(?P<token>[A-Za-z0-9_-]{43})\.ics$", travel_views.calendar_feed, name="calendar_feed_ics"),
    path("account/calendar-feed/", travel_views.calendar_feed_page, name="calendar_feed"),
    path("account/calendar-feed/renew/", travel_views.renew_calendar_feed, name="renew_calendar_feed"),
    path("account/calendar-feed/stop/", travel_views.stop_calendar_feed, name="stop_calendar_feed"),
    path("queue/<slug:key>/", cases_views.queue, name="queue"),
    # Live chat for customer care (its socket: cellway/asgi.py).
    path("chats/", chat_views.chats, name="chats"),
    path("chats/board/", chat_views.board, name="chat-board"),
    path("chats/heartbeat/", chat_views.heartbeat, name="chat-heartbeat"),
    path("chats/<uuid:uuid>/messages/", chat_views.messages, name="chat-messages"),
    path("chats/<uuid:uuid>/close/", chat_views.close, name="chat-close"),
    path("chats/<uuid:uuid>/transcript/", chat_views.transcript, name="chat-transcript"),
    path("chats/<uuid:uuid>/inquiry/", chat_views.make_inquiry, name="chat-inquiry"),
    path("chats/<uuid:uuid>/join/", chat_views.join_case, name="chat-join"),
    path("cases/", cases_views.case_list, name="cases"),
    path("inquiries/new/", cases_views.new_inquiry, name="new_inquiry"),
    path("cases/<uuid:uuid>/", cases_views.case_detail, name="case"),
    path("cases/<uuid:uuid>/protocol/", treatment_views.protocol_document, name="protocol"),
    path("cases/<uuid:uuid>/wristband.pdf", treatment_views.wristband, name="wristband"),
    path("cases/<uuid:uuid>/discharge-summary.pdf", treatment_views.discharge_summary, name="discharge-summary"),
    path("cases/<uuid:uuid>/coa/<uuid:lot>.pdf", treatment_views.certificate, name="case-coa"),
    path("price-list/", billing_views.price_list, name="price_list"),
    path("receivables/", billing_views.receivables, name="receivables"),
    path("mail/review/", conversations_views.review_queue, name="mail-review"),
    path("mail/review/<int:pk>/attach/", conversations_views.attach, name="mail-attach"),
    path("mail/review/<int:pk>/discard/", conversations_views.discard, name="mail-discard"),
    path("exchange-rates/", billing_rates.exchange_rates, name="exchange_rates"),
    path("cases/<uuid:uuid>/quotes/v<int:version>.pdf", billing_views.quote_pdf, name="quote-pdf"),
    path("cases/<uuid:uuid>/invoices/<slug:kind>.pdf", billing_views.invoice_pdf, name="invoice-pdf"),
    path("cases/<uuid:uuid>/quotes/v<int:version>/pro-forma.pdf", billing_views.proforma_pdf, name="proforma-pdf"),
    path("cases/<uuid:uuid>/payments/<uuid:payment>/receipt.pdf", billing_views.receipt_pdf, name="receipt-pdf"),
    path("cases/<uuid:uuid>/credit-notes/<uuid:note>.pdf", billing_views.credit_note_pdf, name="credit-note-pdf"),
    path("receivables/<slug:what>.csv", billing_views.export, name="billing-export"),
    path("cases/<uuid:uuid>/payments/<uuid:payment>/proof/", billing_views.payment_proof, name="payment-proof"),
    # The download's first address; the records pages link to records:download.
    path("records/<uuid:uuid>/", records_views.download, name="record_file"),
    *[path(f"cases/<uuid:uuid>/{name}/", view, name=f"act-{name}") for name, view in ACTIONS.items()],
]

urlpatterns = [
    path("", include("cellway.console.records.urls")),
    path("outcomes/", include("cellway.console.outcomes.urls")),
    path("lots/", include("cellway.console.cells.urls")),
    path("", include((console_patterns, "console"))),
]
