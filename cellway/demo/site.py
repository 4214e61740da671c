"""The demo's public site: the evidence library loaded from the MS bibliography (CSL-JSON, with each field's
verification status) and the multiple-sclerosis page built on it, published through the rule.

The bibliography's gaps show: the claims resting on a reference whose record is not verified are kept in the
draft, held back, with the reason in the admin; the unresolved 2008 case report is one of them.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from cellway.cases.models import Condition
from cellway.evidence import services
from cellway.evidence.models import Citation, Claim, ConditionPage, EvidenceKind, Section

BIBLIOGRAPHY = Path(__file__).resolve().parents[1] / "evidence" / "data" / "ms-references.json"

# The kind of evidence each source reports (from its abstract, as recorded in its note).
KINDS = {
    "seed49-unresolved": EvidenceKind.CASE_REPORT,
    "hou2013cellAdhMigr": EvidenceKind.CASE_REPORT,
    "lu2013jStemCellResTher": EvidenceKind.CASE_SERIES,  # single arm, 8 patients
    "li2014cellTransplant": EvidenceKind.NON_RANDOMISED_TRIAL,  # cells + steroids vs steroids alone; randomisation not reported
    "yang2016oncotarget": EvidenceKind.IN_VITRO,  # co-culture: no patient was treated
    "riordan2018jTranslMed": EvidenceKind.NON_RANDOMISED_TRIAL,  # single arm, 20 subjects
    "meng2018amJTranslRes": EvidenceKind.CASE_SERIES,
    "dominici2006cytotherapy": EvidenceKind.CONSENSUS,  # ISCT position statement
    "uccelli2008natRevImmunol": EvidenceKind.REVIEW,
    "msct2010multScler": EvidenceKind.CONSENSUS,
    "lalu2012plosone": EvidenceKind.SYSTEMATIC_REVIEW,
    "mesems2021lancetNeurol": EvidenceKind.RANDOMISED_TRIAL,
    "scrt2012_3_3": EvidenceKind.ANIMAL,  # a review of the animal model (EAE)
}

T = dict[str, str]  # text by language: en, zh_hans, ar


def _t(en: str, zh: str = "", ar: str = "") -> T:
    return {"en": en, "zh_hans": zh, "ar": ar}


TITLE = _t("Multiple sclerosis", "多发性硬化症", "التصلب المتعدد")
SUMMARY = _t(
    "What the clinic offers people with multiple sclerosis, what the published evidence says and how strong it is.",
    "本诊所为多发性硬化症患者提供什么，已发表的证据说了什么，以及这些证据有多可靠。",
    "ما تقدّمه العيادة للمصابين بالتصلب المتعدد، وما تقوله الأدلة المنشورة، ومدى قوّتها.",
)

# (heading, [(claim, [reference keys])]): a claim with an unverified reference is held back by the demo.
SECTIONS: list[tuple[T, list[tuple[T, list[str]]]]] = [
    (
        _t("The cells", "细胞", "الخلايا"),
        [
            (
                _t(
                    "Mesenchymal stromal cells are defined by minimal criteria: they stick to plastic in culture, carry "
                    "certain surface markers and can become bone, cartilage and fat cells in the laboratory.",
                    "间充质基质细胞有一套最低定义标准：在培养中贴附于塑料表面，带有特定的表面标志物，并能在实验室中分化为骨、软骨和脂肪细胞。",
                    "تُعرَّف الخلايا اللحمية الوسيطة بمعايير دنيا: تلتصق بالبلاستيك في المزرعة، وتحمل علامات سطحية معيّنة، "
                    "ويمكن أن تتحول في المختبر إلى خلايا عظم وغضروف ودهون.",
                ),
                ["dominici2006cytotherapy"],
            ),
            (
                _t(
                    "Given to animals and people, these cells modulate immune cells and migrate to injured tissue.",
                    "给予动物和人体后，这些细胞能调节免疫细胞，并迁移到受损组织。",
                    "عند إعطائها للحيوانات والبشر، تعدّل هذه الخلايا عمل الخلايا المناعية وتنتقل إلى الأنسجة المصابة.",
                ),
                ["uccelli2008natRevImmunol"],
            ),
            (
                _t(
                    "In the animal model of multiple sclerosis their benefit does not require the cells to settle in the "
                    "brain: they act on the immune response and release protective molecules."
                ),
                ["scrt2012_3_3"],
            ),
            (
                _t("An international expert group agreed on the rationale and a first treatment protocol for these cells in MS."),
                ["msct2010multScler"],
            ),
        ],
    ),
    (
        _t("What the evidence says", "证据怎么说", "ماذا تقول الأدلة"),
        [
            (
                _t(
                    "In the laboratory, umbilical-cord cells restored the suppressive function of regulatory T cells taken "
                    "from people with MS. No patient was treated in this study.",
                    "在实验室中，脐带来源的细胞恢复了取自多发性硬化症患者的调节性T细胞的抑制功能。该研究没有治疗任何患者。",
                    "في المختبر، أعادت خلايا الحبل السري وظيفة التثبيط إلى الخلايا التائية التنظيمية المأخوذة من مصابين بالتصلب المتعدد. "
                    "لم يُعالَج أي مريض في هذه الدراسة.",
                ),
                ["yang2016oncotarget"],
            ),
            (
                _t(
                    "In a trial of 20 people with MS given seven infusions of umbilical-cord tissue cells, there were no "
                    "serious adverse events and disability scores improved after one year. The trial had no comparison group.",
                    "在一项试验中，20名多发性硬化症患者接受了七次脐带组织细胞输注，未出现严重不良事件，一年后残疾评分有所改善。该试验没有对照组。",
                    "في تجربة شملت 20 مصابًا بالتصلب المتعدد تلقّوا سبع حقن من خلايا نسيج الحبل السري، لم تحدث آثار جانبية خطيرة "
                    "وتحسّنت درجات الإعاقة بعد سنة. لم يكن في التجربة مجموعة للمقارنة.",
                ),
                ["riordan2018jTranslMed"],
            ),
            (
                _t(
                    "The largest randomised trial of these cells in MS (144 patients, cells from bone marrow) did not meet "
                    "its primary MRI end point."
                ),
                ["mesems2021lancetNeurol"],
            ),
            (
                _t(
                    "A systematic review of trials up to 2011 found no signal of cancer after infusions of these cells, "
                    "but transient fever. Short trials cannot show that there is no risk.",
                    "一项对截至2011年的试验的系统综述发现，输注这些细胞后没有癌症信号，但有一过性发热。短期试验无法证明没有风险。",
                    "وجدت مراجعة منهجية للتجارب حتى عام 2011 أنه لا توجد إشارة إلى السرطان بعد حقن هذه الخلايا، لكن لوحظت حمّى عابرة. "
                    "لا تستطيع التجارب القصيرة أن تثبت انعدام الخطر.",
                ),
                ["lalu2012plosone"],
            ),
        ],
    ),
    (
        _t("Case studies", "病例研究", "دراسات حالة"),
        [
            (
                _t("A 55-year-old woman with primary progressive MS improved from EDSS 8.5 to 3.0 after cord cells in 2008."),
                ["seed49-unresolved"],
            ),
            (
                _t(
                    "A young adult with aggressive relapsing-remitting MS received several courses of cord and bone-marrow "
                    "cells over four years; they were well tolerated and the disease appeared suppressed. This is one patient.",
                    "一名患有侵袭性复发缓解型多发性硬化症的年轻成人在四年内接受了多个疗程的脐带和骨髓细胞治疗；耐受良好，病情似乎得到控制。这只是一名患者。",
                    "تلقّى شاب مصاب بالتصلب المتعدد الانتكاسي الهاجع العدواني عدة دورات "
                    "من خلايا الحبل السري ونخاع العظم على مدى أربع سنوات؛ "
                    "تحمّلها جيدًا وبدا أن المرض قد كُبح. هذه حالة مريض واحد.",
                ),
                ["hou2013cellAdhMigr"],
            ),
            (
                _t("Eight patients with secondary progressive MS had fewer relapses over 18 months after cord cells."),
                ["lu2013jStemCellResTher"],
            ),
            (
                _t(
                    "Patients given cord cells with steroids had lower disability scores and fewer relapses "
                    "than those given steroids alone."
                ),
                ["li2014cellTransplant"],
            ),
            (
                _t("Patients given cord cells had fewer MRI lesions and lower EDSS; some had mild, short-lived reactions."),
                ["meng2018amJTranslRes"],
            ),
        ],
    ),
]


def load_references(admin: Any) -> int:
    """The evidence library from the bibliography, each item through the service; how many are verified."""
    items = json.loads(BIBLIOGRAPHY.read_text(encoding="utf-8"))
    verified = 0
    for item in items:
        reference = services.record_reference(key=item["id"], csl=item, kind=KINDS[item["id"]], note=item.get("note", ""), by=admin)
        verified += reference.is_verified
    return verified


def _set(obj: Any, field: str, text: T) -> None:
    for language, value in text.items():
        setattr(obj, f"{field}_{language}", value)
    setattr(obj, field, text["en"])


def load_ms_page(admin: Any) -> tuple[ConditionPage, int]:
    """The MS page as a draft, then published with the claims whose references are verified (the rest held
    back). Returns the page and how many claims were held back."""
    condition = Condition.objects.get(code="ms")
    page = ConditionPage(condition=condition, slug="multiple-sclerosis")
    _set(page, "title", TITLE)
    _set(page, "summary", SUMMARY)
    page.save()
    held = 0
    for position, (heading, claims) in enumerate(SECTIONS):
        section = Section(page=page, position=position)
        _set(section, "heading", heading)
        section.save()
        for n, (text, keys) in enumerate(claims):
            claim = Claim(section=section, position=n)
            _set(claim, "text", text)
            claim.save()
            for k, key in enumerate(keys):
                Citation.objects.create(claim=claim, reference_id=_reference_id(key), position=k)
            if not all(c.reference.is_verified for c in claim.citations.select_related("reference")):
                claim.held_back = True
                claim.save(update_fields=["held_back"])
                held += 1
    services.publish(page=page, by=admin)
    return page, held


def _reference_id(key: str) -> int:
    from cellway.evidence.models import Reference

    return Reference.objects.values_list("pk", flat=True).get(key=key)


def load_newsletter() -> int:
    """A draft issue in three languages for the administrator to preview and schedule, and three subscribers who
    confirmed (one per language). Returns how many subscribers there are."""
    from django.utils import timezone

    from cellway.newsletter.models import Issue, Subscriber
    from cellway.newsletter.services import CONSENT_VERSION

    Issue.objects.get_or_create(
        subject_en="This week at the clinic: what one year of follow-up shows",
        defaults={
            "body_en": (
                "Our outcomes registry now follows most of our patients for a year or more.\n\n"
                "On the multiple sclerosis page you can read what it measured, with the intervals around each figure "
                "and the patients we could not follow: no figure is typed by hand."
            ),
            "subject_zh_hans": "本周诊所动态：一年随访的结果",
            "body_zh_hans": (
                "我们的结果登记系统现在对大多数患者随访一年或更长时间。\n\n"
                "在多发性硬化页面上，您可以看到它测得的结果、每个数字的区间以及我们未能随访到的患者：没有任何数字是手工输入的。"
            ),
            "subject_ar": "هذا الأسبوع في العيادة: ما تُظهره سنة من المتابعة",
            "body_ar": (
                "يتابع سجل النتائج لدينا الآن معظم مرضانا لسنة أو أكثر.\n\n"
                "في صفحة التصلب المتعدد يمكنكم قراءة ما قاسه، مع الفترة حول كل رقم والمرضى الذين لم نتمكن من متابعتهم: لا رقم يُكتب باليد."
            ),
        },
    )
    now = timezone.now()
    for email, language in (("reader.en@example.org", "en"), ("reader.zh@example.org", "zh-hans"), ("reader.ar@example.org", "ar")):
        Subscriber.objects.get_or_create(
            email=email,
            defaults={
                "language": language,
                "state": Subscriber.State.ACTIVE,
                "consent_version": CONSENT_VERSION,
                "consent_at": now,
                "confirmed_at": now,
            },
        )
    return Subscriber.objects.count()
