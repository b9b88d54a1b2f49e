"""Form keys of demo items: a second ``flask demo load`` finds what the first one made, and one
demo item finds another it links to (a cooperation record its course and webinars)."""

from __future__ import annotations

import uuid

DEMO_NAMESPACE = uuid.UUID("6f1f4a52-6c1e-4d1b-9a39-3c2f0f1d9b10")


def guide_key(group: str, language: str) -> str:
    return str(uuid.uuid5(DEMO_NAMESPACE, f"{group}.{language}"))


def course_key(key: str, language: str) -> str:
    return str(uuid.uuid5(DEMO_NAMESPACE, f"course.{key}.{language}"))


def webinar_key(key: str) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"huquq-demo-webinar:{key}"))


def cooperation_key(key: str, language: str) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"demo-cooperation:{key}:{language}"))
