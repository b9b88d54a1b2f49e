"""Reference numbers (``HQ-2026-000123``) and secret tracking codes.

A reference is the year's next number from a counter row, taken with one
``INSERT ... ON CONFLICT DO UPDATE ... RETURNING``: on PostgreSQL a second transaction waits on
the row lock and then reads the committed count, on SQLite writers are serialised, so two
requests never get one number. A rolled-back request gives its number back.

The tracking code is shown once and stored only as an argon2 hash (the password hasher):
with the database alone nobody can follow a request.
"""

from __future__ import annotations

import re
import secrets

from sqlalchemy.dialects import postgresql, sqlite

from portal.accounts import passwords
from portal.consultations.models import ReferenceCounter
from portal.extensions import db

PREFIX = "HQ"
#: ``HQ-2026-000123``.
REFERENCE_RE = re.compile(r"^HQ-(\d{4})-(\d{6})$")
#: No 0/O, 1/I/L: a code read out on the phone or copied by hand survives.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
#: 12 symbols of 31: about 59 bits, and argon2 on top.
CODE_LENGTH = 12


def next_number(year: int) -> int:
    """Take the next number of *year* (the caller's transaction holds it until commit)."""
    dialect = db.session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    stmt = insert(ReferenceCounter).values(year=year, last=1).on_conflict_do_update(
        index_elements=["year"], set_={"last": ReferenceCounter.last + 1},
    ).returning(ReferenceCounter.last)
    return int(db.session.execute(stmt).scalar_one())


def format_reference(year: int, number: int) -> str:
    return f"{PREFIX}-{year:04d}-{number:06d}"


def normalise_reference(text: str) -> str:
    """What a citizen typed (``hq 2026 123``, `` HQ-2026-000123 ``) as a stored reference, or
    "" when it cannot be one."""
    digits = re.findall(r"\d+", text or "")
    if not (text or "").strip().upper().startswith(PREFIX) or len(digits) != 2:
        return ""
    year, number = digits
    if len(year) != 4 or len(number) > 6:
        return ""
    return format_reference(int(year), int(number))


def new_code() -> str:
    """A fresh tracking code, grouped for reading: ``ABCD-EFGH-JKMN``."""
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
    return "-".join(raw[i:i + 4] for i in range(0, CODE_LENGTH, 4))


def normalise_code(text: str) -> str:
    """The code without its grouping, upper case: what is hashed and compared."""
    return re.sub(r"[\s\-]", "", text or "").upper()[:64]


def hash_code(code: str) -> str:
    return passwords.hash_password(normalise_code(code))


def verify_code(stored_hash: str | None, code: str) -> bool:
    """True when *code* matches; with no hash (no such request) it spends the same time on a
    dummy hash and says False, so a wrong reference answers like a wrong code."""
    return passwords.verify(stored_hash, normalise_code(code))
