"""The demo's live chat: canned replies in the three site languages (adam edits them in the admin)."""

from __future__ import annotations

from cellway.conversations.models import CannedReply

CANNED = [
    ("en", "Greeting", "Hello {first_name}, I am {representative} from {clinic}. How can I help you?"),
    (
        "en",
        "Records",
        "To see whether the therapy may help, our physicians need recent MRI images and your neurologist's report. "
        "I can send you a secure link to upload them.",
    ),
    ("en", "Goodbye", "Thank you for writing to us, {first_name}. We will send you a copy of this chat by email."),
    ("zh-hans", "问候", "{first_name}您好，我是{clinic}的{representative}。请问有什么可以帮您？"),
    ("zh-hans", "病历", "为了判断治疗是否适合您，我们的医生需要近期的核磁共振影像和您的神经科医生报告。我可以给您发送一个安全的上传链接。"),
    ("ar", "تحية", "مرحبًا {first_name}، أنا {representative} من {clinic}. كيف يمكنني مساعدتك؟"),
    (
        "ar",
        "السجلات",
        "ليعرف أطباؤنا إن كان العلاج قد يفيدك، نحتاج إلى صور الرنين المغناطيسي الحديثة وتقرير طبيب الأعصاب. "
        "يمكنني أن أرسل لك رابطًا آمنًا لرفعها.",
    ),
]


def load_canned_replies() -> int:
    """Add the demo's canned replies that are missing; returns how many there are."""
    for position, (language, title, body) in enumerate(CANNED):
        CannedReply.objects.get_or_create(language=language, title=title, defaults={"body": body, "position": position})
    return CannedReply.objects.count()
