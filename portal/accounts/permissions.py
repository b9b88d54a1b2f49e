"""Roles and the permissions granted to them: the one table views and services consult.

Views and services ask ``user.can("material.publish")``; nothing checks a role name directly.
"""

from __future__ import annotations

from enum import StrEnum, auto

from flask_babel import lazy_gettext as _l


class Role(StrEnum):
    citizen = auto()
    inspector = auto()
    trainer = auto()
    editor = auto()
    consultant = auto()
    admin = auto()


ROLE_LABELS = {
    Role.citizen: _l("Citizen"),
    Role.inspector: _l("Inspector"),
    Role.trainer: _l("Trainer"),
    Role.editor: _l("Editor"),
    Role.consultant: _l("Consultant"),
    Role.admin: _l("Administrator"),
}

_STAFF_READING = {"material.view_restricted", "course.view_restricted",
                  "webinar.view_restricted"}
_GUIDES = {"material.create", "material.edit", "material.publish", "material.publish_own"}
_COURSES = {"course.create", "course.edit", "course.publish"}
#: Run webinars: write, publish (a schedule, not legal text: no four-eyes rule), see the
#: participants and mark attendance.
_WEBINARS = {"webinar.create", "webinar.edit", "webinar.publish", "webinar.publish_own"}
#: Keep the international cooperation register: records, partners, their documents.
_COOPERATION = {"cooperation.create", "cooperation.edit", "cooperation.publish",
                "cooperation.publish_own"}
#: Assign courses to inspectors, see every learner's results, revoke certificates.
_TRAINING = {"course.assign", "course.reports", "certificate.revoke"}
#: Consultation requests. "answer": see the unassigned queue and one's own requests, take,
#: reply, note, change the status. "supervise": see every request, assign to any consultant.
#: "configure": topics, their extra fields, the consent text.
_CONSULTING = {"consultation.answer"}
_CONSULTATIONS_ALL = {"consultation.answer", "consultation.supervise",
                      "consultation.configure"}

#: role -> permissions. "*.view_restricted": see items meant for inspectors only.
#: "*.publish_own": publish an item one wrote oneself; without it a second person publishes
#: (a trainer's course is published by an editor or another trainer).
ROLE_PERMISSIONS: dict[Role, frozenset[str]] = {
    Role.citizen: frozenset(),
    Role.inspector: frozenset(_STAFF_READING),
    Role.trainer: frozenset(_STAFF_READING | _COURSES | _TRAINING | _WEBINARS),
    Role.editor: frozenset(_STAFF_READING | _GUIDES | _COURSES | _WEBINARS | _COOPERATION
                           | {"course.publish_own"}),
    Role.consultant: frozenset(_STAFF_READING | _CONSULTING),
    Role.admin: frozenset(_STAFF_READING | _GUIDES | _COURSES | _TRAINING | _WEBINARS
                          | _COOPERATION | _CONSULTATIONS_ALL | {
        "course.publish_own", "admin.users", "admin.audit",
    }),
}

ALL_PERMISSIONS = frozenset().union(*ROLE_PERMISSIONS.values())


def permissions_for(roles: set[str]) -> frozenset[str]:
    granted: set[str] = set()
    for role in roles:
        granted |= ROLE_PERMISSIONS.get(Role(role), frozenset())
    return frozenset(granted)


#: The roles whose accounts can turn on two-factor login, and must when an admin requires it:
#: they see other people's data (learners' results, consultation requests, drafts, users).
#: An inspector is a learner here, a citizen a member of the public.
STAFF_ROLES = frozenset({Role.admin, Role.editor, Role.trainer, Role.consultant})


def is_staff(roles: set[str]) -> bool:
    return any(role in STAFF_ROLES for role in roles)
