"""Demo content: users for every role, units, topics and the legal guides under guides/.

``flask demo load`` is idempotent: a second run adds nothing and changes nothing.
"""

from __future__ import annotations

import secrets
import tomllib
import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from importlib import resources
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from portal.accounts import services as accounts
from portal.accounts.models import User
from portal.accounts.permissions import Role
from portal.content import formkeys, workflow
from portal.content.topics import ensure_default_topics
from portal.extensions import db
from portal.materials import services as materials
from portal.materials.models import Material

demo_cli = AppGroup("demo", help="Demo content.")

DEMO_NAMESPACE = uuid.UUID("6f1f4a52-6c1e-4d1b-9a39-3c2f0f1d9b10")

DEMO_USERS = (
    (Role.citizen, "citizen@demo.huquq.uz", "Dilnoza Karimova", "uz", None),
    (Role.inspector, "inspector@demo.huquq.uz", "Sardor Aliyev", "uz",
     ("Toshkent shahri", "Chilonzor tumani")),
    (Role.trainer, "trainer@demo.huquq.uz", "Malika Rustamova", "ru", None),
    (Role.editor, "editor@demo.huquq.uz", "Jasur Toshmatov", "uz", None),
    (Role.consultant, "consultant@demo.huquq.uz", "Nodira Yusupova", "ru", None),
    (Role.admin, "admin@demo.huquq.uz", "Admin", "en", None),
)

UNITS = (
    ("Toshkent shahri", "Chilonzor tumani"),
    ("Toshkent shahri", "Yunusobod tumani"),
    ("Samarqand viloyati", "Samarqand shahri"),
    ("Fargʻona viloyati", "Margʻilon shahri"),
    ("Andijon viloyati", "Asaka tumani"),
)


@dataclass
class DemoGuide:
    group: str
    language: str
    meta: dict[str, object]
    body: str


def read_guides() -> dict[str, list[DemoGuide]]:
    """The guide files, by translation group: ``<group>.<lang>.md`` with TOML front matter."""
    groups: dict[str, list[DemoGuide]] = defaultdict(list)
    folder = resources.files("portal.demo").joinpath("guides")
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if not entry.name.endswith(".md"):
            continue
        group, language, _ = entry.name.rsplit(".", 2)
        text = entry.read_text("utf-8")
        _, front, body = text.split("+++", 2)
        groups[group].append(DemoGuide(group, language, tomllib.loads(front), body.strip()))
    return dict(groups)


def load_users(accounts_file: Path) -> list[str]:
    """Create missing demo users with random passwords; returns the new lines of the file."""
    lines = []
    for role, email, name, language, unit in DEMO_USERS:
        if accounts.find_by_email(email) is not None:
            continue
        password = secrets.token_urlsafe(12)
        unit_row = accounts.get_or_create_unit(*unit) if unit else None
        accounts.create_user(email, name, password, roles={role.value}, language=language,
                             unit=unit_row)
        lines.append(f"{role.value} {email} {password}")
    if lines:
        with accounts_file.open("a", encoding="utf-8") as fh:
            fh.write("".join(line + "\n" for line in lines))
        accounts_file.chmod(0o600)
    return lines


def load_guides(editor: User) -> int:
    """Create and publish the demo guides that are not there yet."""
    added = 0
    for group, versions in read_guides().items():
        translation_group = None
        for guide in versions:
            # A stable form key per file: what marks a guide as loaded already.
            key = str(uuid.uuid5(DEMO_NAMESPACE, f"{group}.{guide.language}"))
            existing = formkeys.already_created(Material, key)
            if existing is not None:
                translation_group = existing.translation_group
                continue
            meta = guide.meta
            reviewed = meta.get("reviewed_on")
            data = materials.MaterialInput(
                title=str(meta["title"]), summary=str(meta["summary"]), body=guide.body,
                topics=list(meta.get("topics", [])),  # type: ignore[call-overload]
                audience=str(meta.get("audience", "everyone")), language=guide.language,
                legal_references="\n".join(meta.get("legal_references", [])),  # type: ignore[arg-type]
                reviewed_on=reviewed if isinstance(reviewed, date) else None)
            material = materials.create_material(data, editor.id, form_key=key,
                                                 translation_group=translation_group)
            translation_group = material.translation_group
            workflow.transition(material, "submit", editor)
            workflow.transition(material, "publish", editor, "demo content")
            added += 1
    return added


@demo_cli.command("load")
def load() -> None:
    """Load demo users, units, topics and guides (running it again changes nothing)."""
    ensure_default_topics()
    for region, district in UNITS:
        accounts.get_or_create_unit(region, district)
    accounts_file = Path(current_app.instance_path) / "demo-accounts.txt"
    new_users = load_users(accounts_file)
    db.session.flush()
    editor = accounts.find_by_email("editor@demo.huquq.uz")
    assert editor is not None
    added = load_guides(editor)
    db.session.commit()
    click.echo(f"demo: {len(new_users)} new users, {added} new guides")
    click.echo(f"demo accounts (role email password): {accounts_file}")


def init_app(app: Flask) -> None:
    app.cli.add_command(demo_cli)
