"""API tokens: only a hash of each token is stored; revocation and last use are recorded."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from attain.app.ports import TokenInfo
from attain.store import models as m


class SqlTokens:
    def __init__(self, session: Session) -> None:
        self._s = session

    @staticmethod
    def _info(row: m.ApiToken) -> TokenInfo:
        return TokenInfo(
            row.id,
            row.user_id,
            row.name,
            tuple(row.scopes),
            row.created_at,
            row.expires_at,
            row.revoked_at,
            row.last_used_at,
        )

    def create(
        self,
        user_id: int,
        name: str,
        token_hash: str,
        scopes: Sequence[str],
        *,
        at: datetime,
        expires_at: datetime | None,
    ) -> TokenInfo:
        row = m.ApiToken(
            user_id=user_id,
            name=name,
            token_hash=token_hash,
            scopes=sorted(scopes),
            created_at=at,
            expires_at=expires_at,
        )
        self._s.add(row)
        self._s.flush()
        return self._info(row)

    def by_hash(self, token_hash: str) -> TokenInfo | None:
        row = self._s.scalars(select(m.ApiToken).where(m.ApiToken.token_hash == token_hash)).first()
        return None if row is None else self._info(row)

    def by_id(self, token_id: int) -> TokenInfo | None:
        row = self._s.get(m.ApiToken, token_id)
        return None if row is None else self._info(row)

    def for_user(self, user_id: int) -> list[TokenInfo]:
        rows = self._s.scalars(
            select(m.ApiToken).where(m.ApiToken.user_id == user_id).order_by(m.ApiToken.id)
        )
        return [self._info(r) for r in rows]

    def revoke(self, token_id: int, at: datetime) -> None:
        self._s.execute(
            update(m.ApiToken)
            .where(m.ApiToken.id == token_id, m.ApiToken.revoked_at.is_(None))
            .values(revoked_at=at)
        )

    def touch(self, token_id: int, at: datetime) -> None:
        self._s.execute(update(m.ApiToken).where(m.ApiToken.id == token_id).values(last_used_at=at))
