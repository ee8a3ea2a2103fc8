"""Who may read and write which coaching records: the visibility rules, as pure functions of a scope.

Admins see everything, private notes included. A manager sees the people under them on the day
asked (their subtree, from the effective-dated assignments) and shared feedback about them, but not
private notes written by someone else. A rep sees their own sessions, items, enrollments and the
shared feedback about them, never a private note. Comp admins, finance and viewers see org-wide
numbers elsewhere, but no coaching records: they are personal.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date

from attain.app.coaching.ports import CoachingTransaction
from attain.app.coaching.records import FeedbackRecord, SessionRecord
from attain.app.ports import UserInfo
from attain.domain.coaching import Visibility
from attain.domain.errors import Forbidden, NotFound


@dataclass(frozen=True, slots=True)
class Viewer:
    """The user a use case acts for: their login name (the audit actor), roles and person."""

    username: str
    roles: tuple[str, ...]
    person_id: int | None

    @classmethod
    def of(cls, user: UserInfo) -> Viewer:
        return cls(user.username, user.roles, user.person_id)

    @classmethod
    def operator(cls, name: str = "cli") -> Viewer:
        """Someone at the command line: acts with admin rights, as the CLI always has."""
        return cls(name, ("admin",), None)

    @property
    def is_admin(self) -> bool:
        return "admin" in self.roles


@dataclass(frozen=True, slots=True)
class CoachingScope:
    """A viewer and the people they may see on one day (`reports`: the people under them)."""

    viewer: Viewer
    everyone: bool
    reports: frozenset[int]

    @property
    def me(self) -> int | None:
        return self.viewer.person_id

    def sees_person(self, person_id: int) -> bool:
        return self.everyone or person_id == self.me or person_id in self.reports

    def manages(self, person_id: int) -> bool:
        return self.everyone or person_id in self.reports

    def visible_people(self) -> frozenset[int] | None:
        """The ids this viewer may see, or None for everyone."""
        if self.everyone:
            return None
        return self.reports | ({self.me} if self.me is not None else set())

    def is_author(self, feedback: FeedbackRecord) -> bool:
        return feedback.author_user == self.viewer.username or (
            self.me is not None and feedback.author_id == self.me
        )

    def sees_feedback(self, feedback: FeedbackRecord) -> bool:
        if self.viewer.is_admin or self.is_author(feedback):
            return True
        if feedback.visibility != Visibility.SHARED:
            return False
        return feedback.subject_id == self.me or self.manages(feedback.subject_id)

    def sees_session(self, session: SessionRecord) -> bool:
        mine = self.me is not None and self.me in (session.coach_id, session.rep_id, *session.participants)
        return mine or self.manages(session.rep_id)

    def sees_private_notes(self, session: SessionRecord) -> bool:
        return self.viewer.is_admin or (self.me is not None and session.coach_id == self.me)

    def require_person(self, person_id: int) -> None:
        """NotFound (not Forbidden) for people out of scope, so ids cannot be probed."""
        if not self.sees_person(person_id):
            raise NotFound(f"person {person_id} not found")

    def require_coach_of(self, person_id: int) -> None:
        """Writing a session, an item or a review about someone needs to manage them (or be admin)."""
        self.require_person(person_id)
        if not self.manages(person_id):
            raise Forbidden(
                f"{self.viewer.username} does not manage person {person_id}",
                hint="only their manager (or an admin) may do this",
            )


def coaching_scope(tx: CoachingTransaction, viewer: Viewer, day: date) -> CoachingScope:
    if viewer.is_admin:
        return CoachingScope(viewer, True, frozenset())
    if viewer.person_id is None or not {"manager", "rep"} & set(viewer.roles):
        return CoachingScope(viewer, False, frozenset())
    if "manager" in viewer.roles:
        return CoachingScope(viewer, False, frozenset(tx.org.reports_of(viewer.person_id, day)))
    return CoachingScope(viewer, False, frozenset())


def redact(session: SessionRecord, scope: CoachingScope) -> SessionRecord:
    """The session as this viewer may read it: private notes blanked unless they may see them."""
    if scope.sees_private_notes(session):
        return session
    return replace(session, private_notes="")
