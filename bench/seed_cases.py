"""Seed a PostgreSQL database with a clinic's worth of cases for the page benchmark.

Used by ``bench/pages.py``; runnable alone against an already-migrated
database::

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/cellway_bench \\
        .venv/bin/python bench/seed_cases.py --cases 100000

Two passes:

1. A few hundred cases are walked through the real services
   (``cellway.demo.journey.new_case`` + ``walk``, ``end_case``,
   ``outcomes.record_visit``), so they carry every row a real case has (plans,
   quotes, screenings, payments, logistics, sessions, protocol, follow-ups)
   and a real event trail. A handful of them also get a long trail of record
   reads (several hundred events), the worst case for the timeline.
2. The rest are written with PostgreSQL COPY: patients, inquiries, cases
   spread over every stage as a clinic with a few years of history would hold
   them, four checklist items per case and their events, whose kinds,
   summaries and stage moves are copied from a walked case of the same stage,
   padded with checklist updates and record reads to at least 7-13 per case
   (12.7 on average, about 1.27 million events for 100,000 cases).

Then ``VACUUM ANALYZE`` so the planner sees the real sizes.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import sys
import time
import unicodedata
import uuid
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from cellway.cases.search import search_key  # noqa: E402 - pure module, no Django
from cellway.cases.stages import LABELS, Stage  # noqa: E402 - pure module, no Django

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/cellway_bench"

# How a clinic with some years of history holds 100,000 cases: most inquiries
# never become treatments (declined, withdrawn), a few thousand cases wait in
# each early stage, and about a tenth were treated (follow-up, closed).
STAGE_WEIGHTS: dict[str, int] = {
    "inquiry": 7000,
    "triage": 4000,
    "review": 2500,
    "quoted": 2500,
    "accepted": 1500,
    "cleared": 1000,
    "scheduled": 1000,
    "deposit_paid": 600,
    "paid": 400,
    "arrived": 100,
    "in_treatment": 200,
    "treated": 100,
    "follow_up": 4000,
    "closed": 6000,
    "declined": 40000,
    "refused": 6000,
    "withdrawn": 23100,
}
MAIN = [
    "inquiry",
    "triage",
    "review",
    "quoted",
    "accepted",
    "cleared",
    "scheduled",
    "deposit_paid",
    "paid",
    "arrived",
    "in_treatment",
    "treated",
    "follow_up",
]
# The functional-system scores every walked closed case's visits record (EDSS 3.0: pyramidal 3, two others 2).
STABLE_SCORES = {
    "visual": 1, "brainstem": 1, "pyramidal": 3, "cerebellar": 2, "sensory": 2, "bowel_bladder": 1, "cerebral": 0,
    "ambulation": 0,
}  # fmt: skip
ENDINGS = ("declined", "refused", "withdrawn")
# Stages a case is usually in when it ends, with the reason given.
END_FROM = ["inquiry", "inquiry", "inquiry", "triage", "review", "quoted", "quoted", "accepted", "scheduled"]
END_REASONS = {
    "declined": ["Chose treatment closer to home", "Cannot travel this year", "Price above the family's budget", "Decided against"],
    "refused": ["Unsatisfactory cancer-marker screening", "Outside the clinic's indications", "Contraindicated by the specialist"],
    "withdrawn": ["Lost contact after three reminders", "Duplicate of an earlier inquiry", "Patient passed away"],
}
FIRST = [
    "Ana", "James", "Mei", "Ahmed", "Olga", "Lukas", "Sarah", "Carlos", "Emma", "Priya", "Tom", "Fatima", "Jonas",
    "Maria", "Peter", "Ivana", "Noah", "Leila", "Omar", "Sofia", "Hana", "Kenji", "Aisha", "Diego", "Elena", "Yusuf",
    "Chloe", "Marek", "Ingrid", "Ravi"
]
LAST = [
    "Silva", "O'Connor", "Lin", "Hassan", "Ivanova", "Becker", "Cohen", "Mendoza", "Johansson", "Nair", "Baker",
    "Al-Sayed", "Petersen", "Rossi", "Novak", "Kovacs", "Müller", "Haddad", "Tanaka", "Okoye", "García", "Popescu",
    "Nowak", "Larsen", "Dubois", "Costa", "Yilmaz", "Smith", "Horvat", "Andersen"
]
COUNTRIES = [
    ("Portugal", "Portuguese"),
    ("Ireland", "English"),
    ("Singapore", "English"),
    ("Egypt", "Arabic"),
    ("Kazakhstan", "Russian"),
    ("Germany", "German"),
    ("Israel", "Hebrew"),
    ("Mexico", "Spanish"),
    ("Sweden", "Swedish"),
    ("India", "English"),
    ("United Kingdom", "English"),
    ("United Arab Emirates", "Arabic"),
    ("Denmark", "Danish"),
    ("Italy", "Italian"),
    ("United States", "English"),
    ("Nigeria", "English"),
    ("Romania", "Romanian"),
    ("Poland", "Polish"),
    ("Turkey", "Turkish"),
    ("Japan", "Japanese"),
]
SOURCES = ["website", "website", "website", "chat", "email", "phone", "referral", "social", "patient", "other"]
MESSAGES = [
    "Relapsing-remitting MS since 2019, EDSS 4.0. MRI and blood tests attached.",
    "My mother was diagnosed with secondary progressive MS. What would treatment involve?",
    "Could you tell me the price and how long we would need to stay?",
    "Our neurologist suggested asking about stem cell therapy. Reports to follow by email.",
]
KINDS = ["imaging", "hematology", "assessment", "media"]
KIND_LABEL = {
    "imaging": "Imaging (MRI, CT, X-ray)",
    "hematology": "Hematology (blood tests)",
    "assessment": "Doctor's assessment report",
    "media": "Pictures or videos",
}
FILES = ["MRI_brain_2025.zip", "blood_panel.pdf", "neurology_report.pdf", "walking_video.mp4", "CT_spine.dcm", "CBC_results.pdf"]

Progress = Callable[[str], None]



def ascii_email(local: str) -> str:
    """A plain-ASCII address for a name with accents (García -> garcia): the services refuse what is not an address."""
    folded = unicodedata.normalize("NFKD", local).encode("ascii", "ignore").decode()
    return f"{folded.lower().replace("'", "").replace(" ", "")}@example.com"

def say(message: str) -> None:
    print(f"[seed {time.strftime('%H:%M:%S')}] {message}", flush=True)


def setup_django(database_url: str, var_dir: str | None = None) -> None:
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cellway.settings")
    os.environ.setdefault("DJANGO_SECRET_KEY", "bench-only-" + uuid.uuid4().hex)
    os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "127.0.0.1")
    os.environ.setdefault("DJANGO_SECURE_SSL_REDIRECT", "false")
    os.environ.setdefault("DJANGO_SECURE_COOKIES", "false")
    # Notifications are queued as task rows, never sent.
    os.environ.setdefault("CELLWAY_TASKS_BACKEND", "db")
    os.environ.setdefault("CELLWAY_STAFF_MFA", "off")  # the walked plans are signed with the password alone
    if var_dir:
        os.environ.setdefault("CELLWAY_VAR_DIR", var_dir)
    import django

    django.setup()


# --- Pass 1: cases walked through the real services --------------------------------


def walk_cases(n: int, rng: random.Random, progress: Progress = say) -> None:
    """Walk `n` cases through the services: every main stage, follow-up with assessments, endings."""
    from django.test.utils import override_settings

    from cellway.cases import services as cases
    from cellway.cases.models import Case
    from cellway.cases.stages import Stage
    from cellway.clinic import clinic_today
    from cellway.demo.journey import ensure_price_list, new_case, walk
    from cellway.demo.staff import DEMO_PASSWORD, ensure_staff
    from cellway.outcomes import services as outcomes
    from cellway.outcomes.models import FollowUpAssessment

    # Signatures ask for the password again; PBKDF2 at its production cost
    # would make the walk take minutes. The walk uses a cheap hasher and the
    # staff get production hashes back afterwards (the server signs in with them).
    fast = ["django.contrib.auth.hashers.MD5PasswordHasher", "django.contrib.auth.hashers.PBKDF2PasswordHasher"]
    with override_settings(PASSWORD_HASHERS=fast):
        staff = ensure_staff()
        ensure_price_list(staff["adam"])
        recipes: list[tuple[str, str | None]] = [(s, None) for s in MAIN] + [("closed", None)]
        recipes += [(e, f) for e in ENDINGS for f in ("inquiry", "triage", "quoted")]
        started = time.monotonic()
        for i in range(n):
            target, ended_from = recipes[i % len(recipes)]
            first, last = rng.choice(FIRST), rng.choice(LAST)
            country, _language = rng.choice(COUNTRIES)
            email = ascii_email(f"{first}.{last}.w{i}")
            case = new_case(staff, name=f"{first} {last}", country=country, email=email)
            if target in ENDINGS:
                case = walk(case, Stage(ended_from), staff)
                case = cases.end_case(case=case, to=Stage(target), by=staff["carla"], reason=rng.choice(END_REASONS[target]))
            elif target == "closed":
                # No service closes a case yet: the walk stops at follow-up with
                # every assessment recorded (the page shows them all).
                # An assessment is completed only by recording its visit, in its window: the walked case's
                # follow-up lies ahead, so its assessments are moved into the past (seeding, not a service)
                # and each visit is recorded on its due day through the outcomes service.
                case = walk(case, Stage.FOLLOW_UP, staff)
                assessments = list(FollowUpAssessment.objects.filter(case=case).order_by("months_after"))
                back = assessments[-1].due_on - clinic_today() + dt.timedelta(days=7) if assessments else dt.timedelta()
                for a in assessments:
                    FollowUpAssessment.objects.filter(pk=a.pk).update(due_on=a.due_on - back)
                    a.refresh_from_db()
                    outcomes.record_visit(
                        case=case, by=staff["sofia"], seen_on=a.due_on, scores=STABLE_SCORES, assessment=a,
                        notes="EDSS stable; walking 500 m unaided",
                    )  # fmt: skip
            else:
                walk(case, Stage(target), staff)
            if (i + 1) % 25 == 0 or i + 1 == n:
                progress(f"walked {i + 1}/{n} cases through the services ({time.monotonic() - started:.0f} s)")
    # Production password hashes again, as a real clinic's staff would have.
    for user in staff.values():
        user.set_password(DEMO_PASSWORD)
        user.save(update_fields=["password"])
    progress(f"{Case.objects.count()} walked cases")


# --- Pass 2: the bulk, with COPY ------------------------------------------------


def _esc(value: Any) -> str:
    if value is None:
        return "\\N"
    if isinstance(value, str):
        return value.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, (dt.datetime, dt.date)):
        return value.isoformat()
    return str(value)


def _lines(rows: Iterable[Sequence[Any]]) -> str:
    return "".join("\t".join(_esc(v) for v in row) + "\n" for row in rows)


def _copy(cur: Any, table: str, columns: Sequence[str], rows: list[Sequence[Any]]) -> None:
    if not rows:
        return
    with cur.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        data = _lines(rows)
        for start in range(0, len(data), 1 << 20):
            copy.write(data[start : start + (1 << 20)])


PATIENT_COLS = (
    "id", "uuid", "full_name", "email", "phone", "country", "language", "date_of_birth", "created_at", "updated_at", "search_key",
)  # fmt: skip
INQUIRY_COLS = (
    "id",
    "uuid",
    "full_name",
    "email",
    "phone",
    "country",
    "language",
    "condition_id",
    "source",
    "message",
    "received_at",
    "recorded_by_id",
    "created_at",
    # A staff-recorded inquiry leaves the web form's fields empty (they have no database default).
    "asker",
    "consent_version",
    "site_language",
    "duplicate_because",
)
CASE_COLS = (
    "id",
    "uuid",
    "code",
    "patient_id",
    "inquiry_id",
    "condition_id",
    "stage",
    "stage_changed_at",
    "specialist_id",
    "arrival_date",
    "first_therapy_day",
    "end_reason",
    "version",
    "opened_at",
    "updated_at",
)
ITEM_COLS = ("id", "case_id", "kind", "status", "note", "updated_at")
EVENT_COLS = ("id", "case_id", "at", "actor_id", "kind", "summary", "reason", "from_stage", "to_stage", "data")

EventRow = tuple[str, str, str, str, str, str, int | None]  # kind, summary, reason, from, to, data json, actor
Template = list[EventRow]
Row = Sequence[Any]  # one row to COPY


def _templates(cur: Any) -> dict[str, list[tuple[str, Template]]]:
    """The event trails of the walked cases, by the stage each case ended in."""
    cur.execute("SELECT id, code, stage FROM cases_case")
    cases = {pk: (code, stage) for pk, code, stage in cur.fetchall()}
    cur.execute(
        "SELECT case_id, kind, summary, reason, from_stage, to_stage, data::text, actor_id FROM cases_caseevent ORDER BY case_id, at, id"
    )
    trails: dict[int, Template] = {}
    for case_id, kind, summary, reason, fr, to, data, actor in cur.fetchall():
        trails.setdefault(case_id, []).append((kind, summary, reason, fr, to, data, actor))
    out: dict[str, list[tuple[str, Template]]] = {}
    for pk, (code, stage) in cases.items():
        trail = trails.get(pk, [])
        if stage == "follow_up" and any(e[0] == "follow_up" for e in trail):
            stage = "closed"  # walked to follow-up with every assessment recorded
        out.setdefault(stage, []).append((code, trail))
    return out


def _ids(cur: Any, table: str) -> int:
    cur.execute(f"SELECT COALESCE(MAX(id), 0) FROM {table}")  # noqa: S608 - our own table names
    return int(cur.fetchone()[0])


def _reset_sequence(cur: Any, table: str) -> None:
    cur.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT MAX(id) FROM {table}))")  # noqa: S608


def _stage_plan(total: int) -> list[str]:
    weight = sum(STAGE_WEIGHTS.values())
    plan: list[str] = []
    for stage, w in STAGE_WEIGHTS.items():
        plan += [stage] * round(total * w / weight)
    while len(plan) < total:
        plan.append("declined")
    return plan[:total]


def bulk_cases(
    database_url: str,
    total: int,
    rng: random.Random,
    *,
    heavy: int = 10,
    heavy_events: int = 400,
    batch: int = 5000,
    progress: Progress = say,
) -> None:
    """COPY `total` cases (minus those already walked) with their patients, inquiries, checklist and events."""
    import psycopg

    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    with psycopg.connect(database_url) as conn, conn.cursor() as cur:
        templates = _templates(cur)
        walked = sum(len(v) for v in templates.values())
        todo = max(0, total - walked)
        cur.execute("SELECT id, username FROM accounts_user")
        users = {name: pk for pk, name in cur.fetchall()}
        cur.execute("SELECT id, code FROM cases_condition")
        conditions = {code: pk for pk, code in cur.fetchall()}
        cond_ids = [conditions["ms"]] * 7 + [pk for code, pk in conditions.items() if code != "ms"]
        specialists = [users["sofia"]] * 3 + [users["daniel"]] * 2
        staff_for = {
            "records": [users["liam"], users["carla"]],
            "record.read": [users["liam"], users["sofia"], users["daniel"], users["carla"]],
        }
        next_id = {t: _ids(cur, t) for t in ("cases_patient", "cases_inquiry", "cases_case", "records_recorditem", "cases_caseevent")}

        # A few walked cases get a long trail of checklist updates: the timeline's worst case.
        cur.execute("SELECT id FROM cases_case WHERE stage = 'follow_up' ORDER BY id LIMIT %s", (heavy,))
        heavy_rows = _long_trails([case_id for (case_id,) in cur.fetchall()], heavy_events, rng, now, next_id, staff_for)
        _copy(cur, "cases_caseevent", EVENT_COLS, heavy_rows)
        conn.commit()
        if heavy_rows:
            progress(f"{heavy} walked cases given {heavy_events} more events each")

        plan = _stage_plan(todo)
        rng.shuffle(plan)
        counters: dict[int, int] = {}
        started = time.monotonic()
        n_events = 0
        for start in range(0, todo, batch):
            rows = [
                _one_case(stage, rng, now, templates, next_id, counters, cond_ids, specialists, users, staff_for)
                for stage in plan[start : start + batch]
            ]
            n_events += _copy_cases(cur, rows)
            conn.commit()
            done = min(start + batch, todo)
            elapsed = time.monotonic() - started
            progress(f"copied {done}/{todo} cases, {n_events} events ({elapsed:.0f} s, ~{elapsed / done * (todo - done):.0f} s to go)")
        for table in next_id:
            _reset_sequence(cur, table)
        conn.commit()
    with psycopg.connect(database_url, autocommit=True) as conn:
        progress("VACUUM ANALYZE")
        conn.execute("VACUUM ANALYZE")
        row = conn.execute("SELECT (SELECT count(*) FROM cases_case), (SELECT count(*) FROM cases_caseevent)").fetchone()
        assert row is not None
        progress(f"database holds {row[0]} cases and {row[1]} events")


def _copy_cases(cur: Any, rows: list[tuple[Row, Row, Row, list[Row], list[Row]]]) -> int:
    """COPY the patients, inquiries, cases, checklist items and events of `rows` (from `_one_case`); the number of events."""
    patients = [row[0] for row in rows]
    inquiries = [row[1] for row in rows]
    cases = [row[2] for row in rows]
    items = [item for row in rows for item in row[3]]
    events = [event for row in rows for event in row[4]]
    _copy(cur, "cases_patient", PATIENT_COLS, patients)
    _copy(cur, "cases_inquiry", INQUIRY_COLS, inquiries)
    _copy(cur, "cases_case", CASE_COLS, cases)
    _copy(cur, "records_recorditem", ITEM_COLS, items)
    _copy(cur, "cases_caseevent", EVENT_COLS, events)
    return len(events)


def _long_trails(
    case_ids: list[int], events: int, rng: random.Random, now: dt.datetime, next_id: dict[str, int], staff_for: dict[str, list[int]]
) -> list[Sequence[Any]]:
    """`events` checklist updates for each case (shown on everyone's timeline: its worst case), one a minute up to now."""
    rows: list[Sequence[Any]] = []
    for case_id in case_ids:
        for j in range(events):
            next_id["cases_caseevent"] += 1
            at = now - dt.timedelta(minutes=events - j)
            f = rng.choice(FILES)
            rows.append(
                (
                    next_id["cases_caseevent"],
                    case_id,
                    at,
                    rng.choice(staff_for["records"]),
                    "records",
                    f"{f}: Missing → Received",
                    "received by email",
                    "",
                    "",
                    "{}",
                )
            )
    return rows


def _one_case(
    stage: str,
    rng: random.Random,
    now: dt.datetime,
    templates: dict[str, list[tuple[str, Template]]],
    next_id: dict[str, int],
    counters: dict[int, int],
    cond_ids: list[int],
    specialists: list[int],
    users: dict[str, int],
    staff_for: dict[str, list[int]],
) -> tuple[Row, Row, Row, list[Row], list[Row]]:
    # The order of the steps is the order of the draws from `rng`: the same seed gives the same clinic.
    opened, changed = _opened_and_changed(stage, rng, now)
    patient, inquiry, condition = _patient_and_inquiry(rng, opened, changed, next_id, cond_ids, users)

    # Where its trail comes from: a walked case that ended the same way.
    ended_at = rng.choice(END_FROM) if stage in ENDINGS else stage
    pool = templates.get(ended_at) or templates["inquiry"]
    template_code, trail = rng.choice(pool)
    reached = ended_at if stage in ENDINGS else stage
    assigned = stage not in ("inquiry", "triage") and (stage not in ENDINGS or MAIN.index(reached) >= MAIN.index("review"))
    specialist = rng.choice(specialists) if assigned else None
    arrival, first_day = _stay(stage, rng, opened, changed)
    end_reason = rng.choice(END_REASONS[stage]) if stage in ENDINGS else ""

    year = opened.year
    counters[year] = counters.get(year, 100000) + 1
    code = f"CW-{year}-{counters[year]:06d}"
    next_id["cases_case"] += 1
    case_id = next_id["cases_case"]

    # Events: the walked trail, a closing or ending move, padded with checklist
    # updates and record reads to 7-13, spread between opening and now.
    renamed = [(k, s.replace(template_code, code), r, fr, to, d, a) for k, s, r, fr, to, d, a in trail]
    trail_rows = _trail_rows(stage, reached, end_reason, renamed, users)
    padding = _padding(rng, max(0, rng.randint(7, 13) - len(trail_rows)), staff_for)
    # Padding goes before the last stage move, so the trail still ends where the case stands.
    rows = trail_rows[:1] + padding + trail_rows[1:] if len(trail_rows) > 1 else trail_rows + padding
    events: list[Row] = []
    for (kind, summary, reason, fr, to, data, actor), at in zip(rows, _event_times(stage, rng, len(rows), opened, changed), strict=True):
        next_id["cases_caseevent"] += 1
        events.append((next_id["cases_caseevent"], case_id, at, actor, kind, summary, reason, fr, to, data))
    version = 1 + len(rows) - 1

    case = (
        case_id,
        uuid.uuid4(),
        code,
        patient[0],
        inquiry[0],
        condition,
        stage,
        changed,
        specialist,
        arrival,
        first_day,
        end_reason,
        version,
        opened,
        changed,
    )
    return patient, inquiry, case, _checklist(rng, reached, case_id, changed, next_id), events


def _opened_and_changed(stage: str, rng: random.Random, now: dt.datetime) -> tuple[dt.datetime, dt.datetime]:
    """When the case was opened and when it reached its stage."""
    if stage in MAIN:
        idx = MAIN.index(stage)
        age_days = rng.uniform(1 + 4 * idx, 30 + 12 * idx) if stage != "follow_up" else rng.uniform(40, 420)
    else:
        age_days = rng.uniform(60, 6 * 365)
    opened = now - dt.timedelta(days=age_days, seconds=rng.randrange(86400))
    changed = opened if stage == "inquiry" else opened + (now - opened) * rng.uniform(0.3, 0.95)
    if stage in ("closed", *ENDINGS):
        changed = opened + dt.timedelta(days=rng.uniform(3, min(age_days - 1, 400)))
    return opened, changed


def _patient_and_inquiry(
    rng: random.Random, opened: dt.datetime, changed: dt.datetime, next_id: dict[str, int], cond_ids: list[int], users: dict[str, int]
) -> tuple[Row, Row, int]:
    """The patient's row, the inquiry's row, and the condition asked about."""
    first, last = rng.choice(FIRST), rng.choice(LAST)
    name = f"{first} {last}"
    country, language = rng.choice(COUNTRIES)
    email = ascii_email(f"{first}.{last}{rng.randrange(10**6)}")
    phone = f"+{rng.randrange(1, 999)} {rng.randrange(10**8, 10**9)}"
    received = opened - dt.timedelta(hours=rng.uniform(0, 72))
    condition = rng.choice(cond_ids)

    next_id["cases_patient"] += 1
    dob = dt.date(rng.randrange(1950, 2015), rng.randrange(1, 13), rng.randrange(1, 29))
    patient = (next_id["cases_patient"], uuid.uuid4(), name, email, phone, country, language, dob, opened, changed, search_key(name))
    next_id["cases_inquiry"] += 1
    inquiry = (
        next_id["cases_inquiry"],
        uuid.uuid4(),
        name,
        email,
        phone,
        country,
        language,
        condition,
        rng.choice(SOURCES),
        rng.choice(MESSAGES),
        received,
        rng.choice([users["carla"], users["liam"]]),
        received,
        "",
        "",
        "",
        "",
    )
    return patient, inquiry, condition


def _stay(stage: str, rng: random.Random, opened: dt.datetime, changed: dt.datetime) -> tuple[dt.date | None, dt.date | None]:
    """Arrival and first therapy day, for a case scheduled or beyond."""
    scheduled = stage in ("closed", "follow_up") or (stage in MAIN and MAIN.index(stage) >= MAIN.index("scheduled"))
    if not scheduled:
        return None, None
    arrival = (
        (changed + dt.timedelta(days=rng.uniform(-20, 40))).date() if stage in MAIN[6:9] else (opened + (changed - opened) * 0.6).date()
    )
    return arrival, arrival + dt.timedelta(days=1)


def _trail_rows(stage: str, reached: str, end_reason: str, trail: list[EventRow], users: dict[str, int]) -> list[EventRow]:
    """The walked trail (without its own ending), then this case's closing or ending move."""
    rows = [row for row in trail if not (stage in ENDINGS and row[4] in ENDINGS)]
    if stage == "closed":
        rows.append(("stage", "Follow-up → Closed", "", "follow_up", "closed", "{}", users["sofia"]))
    elif stage in ENDINGS:
        summary = f"{LABELS[Stage(reached)]} → {LABELS[Stage(stage)]}"
        rows.append(("stage", summary, end_reason, reached, stage, "{}", users["carla"]))
    return rows


def _padding(rng: random.Random, extra: int, staff_for: dict[str, list[int]]) -> list[EventRow]:
    """`extra` checklist updates and record reads, about half of each."""
    padding: list[EventRow] = []
    for _ in range(extra):
        if rng.random() < 0.5:
            kind = rng.choice(KINDS)
            padding.append(
                ("records", f"{KIND_LABEL[kind]}: Missing → Received", "received by email", "", "", "{}", rng.choice(staff_for["records"]))
            )
        else:
            padding.append(
                (
                    "medical.read",
                    f"Opened {rng.choice(FILES)}",
                    "",
                    "",
                    "",
                    json.dumps({"subject": f"record:{uuid.uuid4()}"}),
                    rng.choice(staff_for["record.read"]),
                )
            )
    return padding


def _event_times(stage: str, rng: random.Random, count: int, opened: dt.datetime, changed: dt.datetime) -> list[dt.datetime]:
    """The first event at opening, the last at the latest move, the others spread between."""
    if count > 2:
        span = (changed - opened).total_seconds()
        offsets = sorted(rng.uniform(0, span) for _ in range(count - 2))
    else:
        offsets = []
    times = [opened, *(opened + dt.timedelta(seconds=o) for o in offsets)]
    if count > 1:
        times.append(changed)
    if stage == "inquiry":  # nothing has moved: checklist work happened after opening
        times = [opened + dt.timedelta(hours=i * rng.uniform(1, 30)) for i in range(count)]
    return times


def _checklist(rng: random.Random, reached: str, case_id: int, changed: dt.datetime, next_id: dict[str, int]) -> list[Row]:
    """The four checklist items: some still missing while the case is an inquiry, received once past it."""
    items: list[Row] = []
    for kind in KINDS:
        next_id["records_recorditem"] += 1
        if reached == "inquiry":
            status = (
                rng.choice(["missing", "received", "received"]) if kind != "media" else rng.choice(["missing", "not_needed", "received"])
            )
        else:
            status = "received" if kind != "media" else rng.choice(["not_needed", "received"])
        note = "received by email" if status == "received" else ""
        items.append((next_id["records_recorditem"], case_id, kind, status, note, changed))
    return items


def seed(database_url: str, cases: int, walked: int, seed_value: int = 2026, progress: Progress = say) -> None:
    rng = random.Random(seed_value)
    started = time.monotonic()
    walk_cases(min(walked, cases), rng, progress)
    bulk_cases(database_url, cases, rng, progress=progress)
    progress(f"seeded in {time.monotonic() - started:.0f} s")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL", DEFAULT_URL))
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--walked", type=int, default=240, help="cases walked through the real services (default 240)")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--var-dir", default=None)
    args = parser.parse_args(argv)
    setup_django(args.database_url, args.var_dir)
    seed(args.database_url, args.cases, args.walked, args.seed)
    return 0


if __name__ == "__main__":
    sys.exit(main())
