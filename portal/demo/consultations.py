"""Demo consultation requests: the default topics and consent text, and four requests in
different statuses (new, assigned, answered with a public reply, closed), sent and handled
through the real services.

The tracking codes are shown once in the real product; for the demo they are written to
``instance/demo-consultations.txt`` (reference and code), so the tracking page can be tried.
The mails the requests queue are dropped: nobody reads them.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from flask import current_app
from sqlalchemy import delete, func, select

from portal.accounts.models import User
from portal.consultations import configuration, services
from portal.consultations.models import ConsultationRequest, Status
from portal.content import formkeys
from portal.database import utcnow
from portal.demo.keys import DEMO_NAMESPACE
from portal.extensions import db
from portal.mail import OutboxMail


@dataclass(frozen=True)
class DemoRequest:
    key: str
    topic: str
    name: str
    phone: str
    language: str
    region: str
    district: str
    question: str
    #: new, assigned, answered or closed.
    status: str
    days_ago: int
    #: The demo citizen's own (sent while logged in): their account lists it.
    own: bool = False
    reply: str = ""
    extra: tuple[tuple[str, str], ...] = ()


REQUESTS = (
    DemoRequest(
        "alimony", "family", "Dilnoza Karimova", "+998 90 111 22 33", "uz", "Toshkent shahri",
        "Chilonzor tumani",
        "Sobiq turmush o'rtog'im ikki farzandimiz uchun aliment to'lamayapti. Sud qarori bor, "
        "lekin ijro etilmayapti. Qayerga murojaat qilishim kerak?",
        "answered", 6, own=True,
        reply="Assalomu alaykum. Sud qarori bo'lsa, ijro varaqasini Majburiy ijro byurosining "
              "tuman bo'limiga topshiring: ijrochi qarzdorning ish joyiga va hisob raqamiga "
              "undiruv qaratadi. Qarzdorlik uch oydan oshsa, ma'muriy javobgarlik masalasini "
              "ham ko'tarish mumkin. Kerakli hujjatlar ro'yxatini telefon orqali aytib beramiz."),
    DemoRequest(
        "school-conflict", "juvenile", "Rustam Ergashev", "+998 93 444 55 66", "ru",
        "Samarqand viloyati", "Samarqand shahri",
        "Моего сына-подростка вызывают в инспекцию по делам несовершеннолетних после драки в "
        "школе. Обязан ли я присутствовать при беседе и какие у него права?",
        "assigned", 2),
    DemoRequest(
        "rent-deposit", "housing", "Madina Ismoilova", "+998 97 777 88 99", "uz",
        "Fargʻona viloyati", "Margʻilon shahri",
        "Ijara shartnomasi tugadi, lekin uy egasi garov pulini qaytarmayapti. Shartnoma "
        "yozma tuzilgan. Nima qilishim mumkin?",
        "new", 0),
    DemoRequest(
        "overtime", "labour", "Oybek Sobirov", "+998 99 123 98 76", "ru", "Andijon viloyati",
        "Asaka tumani",
        "Работодатель заставляет работать по субботам без доплаты. Законно ли это?",
        "closed", 20,
        reply="Здравствуйте. Работа в выходной день допускается только с вашего письменного "
              "согласия и оплачивается не менее чем в двойном размере либо компенсируется "
              "другим днём отдыха. Сначала обратитесь к работодателю письменно; если это не "
              "поможет, подайте жалобу в государственную инспекцию труда."),
)


def request_key(key: str) -> str:
    return str(uuid.uuid5(DEMO_NAMESPACE, f"consultation.{key}"))


def load_consultations(citizen: User | None, consultant: User | None) -> int:
    """Add the default topics and consent, and the demo requests that are not there yet;
    returns how many requests were added."""
    configuration.ensure_defaults()
    if consultant is None:
        return 0
    first_mail = db.session.scalar(select(func.max(OutboxMail.id))) or 0
    version = configuration.current_consent_version()
    lines = []
    added = 0
    for demo in REQUESTS:
        key = request_key(demo.key)
        if formkeys.already_created(ConsultationRequest, key) is not None:
            continue
        topic = configuration.topic_by_slug(demo.topic)
        if topic is None:
            continue
        own = citizen if demo.own else None
        request, code = services.submit(services.RequestInput(
            topic_id=topic.id, name=demo.name, phone=demo.phone, question=demo.question,
            language=demo.language, consent_version=version,
            email=own.email if own is not None else "", region=demo.region,
            district=demo.district, contact_time="afternoon",
            extra_answers=dict(demo.extra)),
            user_id=own.id if own is not None else None, form_key=key,
            now=utcnow() - timedelta(days=demo.days_ago))
        if demo.status != Status.new.value:
            services.take(request, consultant)
        if demo.reply:
            services.reply(request, demo.reply, consultant)
        if demo.status == Status.closed.value:
            services.set_status(request, Status.closed, consultant)
        lines.append(f"{request.reference} {code}")
        added += 1
    db.session.execute(delete(OutboxMail).where(OutboxMail.id > first_mail))
    if lines:
        path = Path(current_app.instance_path) / "demo-consultations.txt"
        with path.open("a", encoding="utf-8") as fh:
            fh.write("".join(line + "\n" for line in lines))
        path.chmod(0o600)
    return added
