"""Effective-dated assignments answer "who was X's manager on date D" in one call."""

from __future__ import annotations

from datetime import date

from attain.store import models as m
from attain.store.unit_of_work import SqlStore


def _org(store: SqlStore) -> dict[str, int]:
    with store.transaction() as tx:
        s = tx.session
        people = {n: m.Person(external_id=n, name=n.title()) for n in ("ann", "bob", "cy", "dee")}
        s.add_all(people.values())
        s.flush()
        ids = {n: p.id for n, p in people.items()}
        s.add_all(
            [
                m.Assignment(person_id=ids["ann"], role="manager", valid_from=date(2024, 1, 1)),
                m.Assignment(person_id=ids["bob"], role="manager", valid_from=date(2024, 1, 1)),
                # Cy moves from Ann to Bob on 1 July; Dee leaves at the end of March.
                m.Assignment(
                    person_id=ids["cy"],
                    role="rep",
                    manager_id=ids["ann"],
                    valid_from=date(2024, 1, 1),
                    valid_to=date(2024, 6, 30),
                ),
                m.Assignment(
                    person_id=ids["cy"], role="rep", manager_id=ids["bob"], valid_from=date(2024, 7, 1)
                ),
                m.Assignment(
                    person_id=ids["dee"],
                    role="rep",
                    manager_id=ids["ann"],
                    valid_from=date(2024, 1, 1),
                    valid_to=date(2024, 3, 31),
                ),
            ]
        )
    return ids


def test_manager_on_a_date_follows_the_transfer(store: SqlStore) -> None:
    ids = _org(store)
    with store.transaction() as tx:
        before = tx.people.manager_of(ids["cy"], date(2024, 6, 30))
        after = tx.people.manager_of(ids["cy"], date(2024, 7, 1))
        top = tx.people.manager_of(ids["ann"], date(2024, 7, 1))
    assert before is not None
    assert before.name == "Ann"
    assert after is not None
    assert after.name == "Bob"
    assert before.role == "manager"
    assert top is None


def test_people_with_a_role_on_a_date_exclude_leavers(store: SqlStore) -> None:
    _org(store)
    with store.transaction() as tx:
        march = [p.name for p in tx.people.with_role_on("rep", date(2024, 3, 31))]
        april = [p.name for p in tx.people.with_role_on("rep", date(2024, 4, 1))]
    assert march == ["Cy", "Dee"]
    assert april == ["Cy"]
