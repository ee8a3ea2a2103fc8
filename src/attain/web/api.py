"""The JSON API under /api/v1 (health, the signed-in user, a company summary)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends
from pydantic import BaseModel

from attain import __version__
from attain.app.ports import UserInfo
from attain.store.unit_of_work import SqlStore
from attain.web.deps import get_store, require_user

router = APIRouter(prefix="/api/v1", tags=["api"])


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


@router.get("/health")
def health(store: Annotated[SqlStore, Depends(get_store)]) -> Health:
    return Health(status="ok", version=__version__, database=store.dialect)


@router.get("/me")
def me(user: Annotated[UserInfo, Depends(require_user)]) -> Me:
    return Me(username=user.username, roles=list(user.roles), person_id=user.person_id)


@router.get("/summary")
def summary(
    user: Annotated[UserInfo, Depends(require_user)], store: Annotated[SqlStore, Depends(get_store)]
) -> Summary:
    with store.transaction() as tx:
        counts = tx.counts.table_counts()
    counts.pop("users", None)
    return Summary(counts=counts)
