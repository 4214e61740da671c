"""The vial label and the Certificate of Analysis, read back from the PDF; `manage.py isbt128 check`."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command
from django.test import override_settings
from pypdf import PdfReader

from cellway.cases.stages import Stage
from cellway.cells import documents, isbt128, selectors
from cellway.cells import services as cells
from cellway.cells.models import ChainOfIdentity, LotEvent
from cellway.demo import cells as demo
from cellway.errors import NotAllowed


def text_of(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def test_a_patient_specific_label_is_100_mm_square_with_din_expiry_utc_and_chain_of_identity(staff, case_at):
    case = case_at(Stage.QUOTED)
    lot = demo.released_lot(staff["ivan"], staff["tara"])
    vial = cells.allocate_vial(vial=lot.vials.get(number=2), case=case, route="it", infusion=1, by=staff["ivan"])

    pdf = cells.print_label(vial=vial, by=staff["ivan"])

    page = PdfReader(io.BytesIO(pdf)).pages[0]
    assert (round(float(page.mediabox.width)), round(float(page.mediabox.height))) == (283, 283)  # 100 mm
    text = text_of(pdf)
    din = lot.din_value
    coi = ChainOfIdentity.objects.get(case=case).value
    assert f"DIN {din.eye_readable[:-2]}" in text and din.check in text
    assert isbt128.LOCAL_WARNING in text
    assert "UTC" in text and "EXP " in text
    assert f"FOR {case.patient.full_name} ({case.code}) ONLY · intrathecal 1" in text
    assert f"COI {coi.eye_readable[:-2]}" in text
    assert documents.LABEL_TEMPLATE in text
    assert LotEvent.objects.filter(lot=lot, kind="label_printed").count() == 1


@override_settings(ISBT128_FACILITY="G1234", ISBT128_PRODUCT_CODE="S1234")
def test_with_the_clinics_iccbba_codes_the_label_is_not_marked_local(staff):
    lot = demo.receive(staff["ivan"])

    text = text_of(cells.print_label(vial=lot.vials.get(number=1), by=staff["ivan"]))

    assert isbt128.LOCAL_WARNING not in text and "Product S1234 0 division 01" in text


def test_only_the_laboratory_prints_labels(staff):
    lot = demo.receive(staff["ivan"])
    with pytest.raises(NotAllowed):
        cells.print_label(vial=lot.vials.get(number=1), by=staff["nina"])


def test_the_certificate_of_analysis_lists_every_test_with_specification_result_and_the_signature(staff):
    lot = demo.released_lot(staff["ivan"], staff["tara"])

    text = text_of(documents.certificate_of_analysis(selectors.certificate_for(lot)))

    assert lot.din_value.eye_readable in text
    for criterion in lot.product.criteria.all():
        assert criterion.name[:20] in text
    assert "≥ 95 %" in text and "0.2 EU/mL" in text
    assert f"Released by {staff['tara']}" in text and "released for clinical use" in text
    assert lot.signature.digest in text


def test_no_certificate_before_release(staff):
    assert selectors.certificate_for(demo.receive(staff["ivan"])) is None


def test_the_isbt128_command_prints_the_check_character():
    out = io.StringIO()
    call_command("isbt128", "check", "G123498654321", stdout=out)
    assert out.getvalue().strip() == "G123498654321 check character H  (G1234 98 654321 H)"

    with pytest.raises(CommandError, match="Wrong check character 'B'"):
        call_command("isbt128", "check", "G123417654321B")
