"""Settings an admin changes on a page, kept in the database (``account_settings``).

Configuration files hold what the operator decides at deployment; these are decisions of the
portal's administrators, which must take effect for every worker process at once and be
audited. Each setting has a default here, so an empty table is a working portal.
"""

from __future__ import annotations

from portal.accounts.models import AccountSetting, User
from portal.content import audit
from portal.database import utcnow
from portal.extensions import db

#: name -> default value. Booleans are stored as "1" / "0".
DEFAULTS: dict[str, str] = {
    #: Staff accounts must use two-factor login; without it they are sent to set it up.
    "two_factor_required": "0",
}


def get(name: str) -> str:
    row = db.session.get(AccountSetting, name)
    return row.value if row is not None else DEFAULTS[name]


def get_bool(name: str) -> bool:
    return get(name) == "1"


def set_value(name: str, value: str, actor: User) -> bool:
    """Store *value* for *name*; returns whether it changed. Flushes, the caller commits."""
    if name not in DEFAULTS:
        raise KeyError(name)
    if get(name) == value:
        return False
    row = db.session.get(AccountSetting, name)
    if row is None:
        row = AccountSetting(name=name)
        db.session.add(row)
    row.value = value
    row.updated_at = utcnow()
    row.updated_by_id = actor.id
    db.session.flush()
    audit.log("settings.change", "setting", None, actor.id, label=name, detail=value)
    return True


def set_bool(name: str, value: bool, actor: User) -> bool:
    return set_value(name, "1" if value else "0", actor)
