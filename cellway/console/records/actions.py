"""Records actions on a case: set a checklist item's status, attach a file, records complete or reopened."""

from __future__ import annotations

from typing import Any

from cellway.accounts.models import User
from cellway.cases.models import Case
from cellway.console.actions import View, case_action
from cellway.console.cases.forms import ReasonForm
from cellway.console.records import forms
from cellway.errors import Refusal
from cellway.records import services
from cellway.records.models import RecordFile, RecordItem


def _item(case: Case, pk: int) -> RecordItem:
    try:
        return case.record_items.get(pk=pk)
    except RecordItem.DoesNotExist:
        raise Refusal("That checklist item is not part of this case.") from None


def _set_item(case: Case, d: dict[str, Any], user: User) -> str:
    item = services.set_item_status(item=_item(case, d["item"]), status=d["status"], note=d["note"], by=user)
    return f"{item.get_kind_display()} marked {item.get_status_display().lower()}."


def _attach(case: Case, d: dict[str, Any], user: User) -> str:
    record = services.attach_file(item=_item(case, d["item"]), upload=d["file"], by=user)
    return f"{record.original_name} attached."


def _sort(case: Case, d: dict[str, Any], user: User) -> str:
    record = RecordFile.objects.select_related("item__case", "blob").filter(uuid=d["record"], item__case=case).first()
    if record is None:
        raise Refusal("That file is not part of this case.")
    record = services.sort_record(record=record, kind=d["kind"], by=user)
    return f"{record.original_name} moved to {record.item.get_kind_display()}."


def _complete(case: Case, d: dict[str, Any], user: User) -> str:
    services.mark_records_complete(case=case, by=user)
    return "Records complete; the case waits for the liaison officer."


def _reopen(case: Case, d: dict[str, Any], user: User) -> str:
    services.reopen_records(case=case, by=user, reason=d["reason"])
    return "Records reopened."


ACTIONS: dict[str, View] = {
    "item-status": case_action(forms.ItemStatusForm, "records", _set_item),
    "attach": case_action(forms.AttachForm, "records", _attach),
    "sort-record": case_action(forms.SortForm, "records", _sort),
    "records-complete": case_action(None, "records", _complete),
    "records-reopen": case_action(ReasonForm, "records-reopen", _reopen, anchor="records"),
}
