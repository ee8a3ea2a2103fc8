"""Whose figures a caller may see on the dashboards and the KPI API; links to the rows behind a figure.

Built on `attain.app.access.people_scope` (a rep: themself; a manager: their subtree as of today; the
org-wide roles: everyone). A person outside the reach answers 404, like one who does not exist.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from attain.app.access import PeopleScope
from attain.domain.errors import Forbidden, NotFound

ORG_WIDE = frozenset({"admin", "comp_admin", "finance", "viewer"})


@dataclass(frozen=True, slots=True)
class Reach:
    scope: PeopleScope
    people: Sequence[Mapping[str, Any]]  # everyone with today's assignment (Figures.people)

    @property
    def everyone(self) -> bool:
        return self.scope.everyone

    def person(self, external_id: str) -> Mapping[str, Any]:
        """The visible person with this external id, else NotFound."""
        found = next((p for p in self.people if p["external_id"] == external_id), None)
        if found is None or not self.scope.allows(int(found["id"])):
            raise NotFound(f"person '{external_id}' not found")
        return found

    def person_by_id(self, person_id: int) -> Mapping[str, Any]:
        found = next((p for p in self.people if p["id"] == person_id), None)
        if found is None or not self.scope.allows(person_id):
            raise NotFound(f"person {person_id} not found")
        return found

    def visible_ids(self) -> set[str]:
        """External ids of the people in reach."""
        return {str(p["external_id"]) for p in self.people if self.scope.allows(int(p["id"]))}

    def only(self, rows: Iterable[Mapping[str, Any]], key: str = "person") -> list[dict[str, Any]]:
        """The rows about people in reach (rows whose `key` holds an external id)."""
        if self.everyone:
            return [dict(r) for r in rows]
        seen = self.visible_ids()
        return [dict(r) for r in rows if r.get(key) in seen]

    def require_everyone(self, what: str) -> None:
        if not self.everyone:
            raise Forbidden(
                f"{what} covers the whole company; your role sees its own people only",
                hint="ask for figures by person (by=person) or use your team page",
            )


def drill_url(metric: str, period: str | None, **group: str | None) -> str:
    """The drill-down page listing the deals and orders behind `metric` for one group of a period."""
    params = {"metric": metric, **({"period": period} if period else {})}
    params.update({k: v for k, v in group.items() if v})
    return "/drill?" + urlencode(params)


def person_url(person_id: int | None) -> str | None:
    return None if person_id is None else f"/people/{person_id}"
