"""The JSON API under /api/v1: health, the caller, a company summary, people, API tokens."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, status
from pydantic import BaseModel, Field

from attain import __version__
from attain.app.access import issue_token, list_tokens, revoke_token
from attain.app.ports import TokenInfo
from attain.store.unit_of_work import SqlStore
from attain.web.authz import Caller, guard, public
from attain.web.deps import get_store

router = APIRouter(prefix="/api/v1", tags=["api"])
Store = Annotated[SqlStore, Depends(get_store)]


class Health(BaseModel):
    status: str
    version: str
    database: str


class Me(BaseModel):
    username: str
    roles: list[str]
    person_id: int | None


class Summary(BaseModel):
    counts: dict[str, int]


class PersonOut(BaseModel):
    id: int
    external_id: str
    name: str
    email: str | None
    hired_on: date | None
    left_on: date | None
    role: str | None
    team: str | None
    manager: str | None
    manager_id: int | None


class TokenIn(BaseModel):
    name: str = Field(min_length=1, max_length=128)
    scopes: list[str] = Field(default_factory=lambda: ["read"])
    valid_days: int | None = Field(default=90, ge=1, le=3650)


class TokenOut(BaseModel):
    id: int
    name: str
    scopes: list[str]
    created_at: datetime
    expires_at: datetime | None
    revoked_at: datetime | None
    last_used_at: datetime | None


class NewToken(TokenOut):
    token: str = Field(description="shown once; only its hash is stored")


@router.get("/health", dependencies=[Depends(public())])
def health(store: Store) -> Health:
    return Health(status="ok", version=__version__, database=store.dialect)


@router.get("/me")
def me(caller: Annotated[Caller, Depends(guard())]) -> Me:
    user = caller.user
    return Me(username=user.username, roles=list(user.roles), person_id=user.person_id)


@router.get("/summary")
def summary(caller: Annotated[Caller, Depends(guard())], store: Store) -> Summary:
    with store.transaction() as tx:
        counts = tx.counts.table_counts()
    counts.pop("users", None)
    return Summary(counts=counts)


@router.get("/people")
def people(caller: Annotated[Caller, Depends(guard())], store: Store) -> list[PersonOut]:
    """The people the caller may see, with their assignment today."""
    scope = caller.scope()
    with store.transaction() as tx:
        rows = tx.people.listing(caller.today, None if scope.everyone else set(scope.person_ids))
    return [PersonOut(**r) for r in rows]


@router.get("/people/{person_id}")
def person(
    person_id: int, caller: Annotated[Caller, Depends(guard(subject="person_id"))], store: Store
) -> PersonOut:
    with store.transaction() as tx:
        rows = tx.people.listing(caller.today, {person_id})
    if not rows:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"person {person_id} not found")
    return PersonOut(**rows[0])


@router.get("/tokens")
def tokens(caller: Annotated[Caller, Depends(guard())], store: Store) -> list[TokenOut]:
    return [TokenOut(**_token_fields(t)) for t in list_tokens(store, caller.user)]


@router.post("/tokens", status_code=status.HTTP_201_CREATED)
def create_token(body: TokenIn, caller: Annotated[Caller, Depends(guard())], store: Store) -> NewToken:
    info, plain = issue_token(store, caller.user, body.name, body.scopes, valid_days=body.valid_days)
    return NewToken(token=plain, **_token_fields(info))


@router.delete("/tokens/{token_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_token(token_id: int, caller: Annotated[Caller, Depends(guard())], store: Store) -> None:
    revoke_token(store, caller.user, token_id)


def _token_fields(info: TokenInfo) -> dict[str, object]:
    return {
        "id": info.id,
        "name": info.name,
        "scopes": list(info.scopes),
        "created_at": info.created_at,
        "expires_at": info.expires_at,
        "revoked_at": info.revoked_at,
        "last_used_at": info.last_used_at,
    }
