"""Open opportunities on top of the web tests' pay org, for the what-if: two of ann's, one of cat's, and a
won one of ann's. ann's plan pays 5% flat; she has 750.00 of FY2025-Q1 earnings (15,000.00 booked)."""

from __future__ import annotations

from datetime import date

from attain.store import models as m
from tests.web.conftest import Org

DEALS = (  # external id, owner, status, amount in cents, expected close
    ("OPP-M1", "ann", "open", 2_000_00, date(2025, 3, 25)),
    ("OPP-M2", "ann", "open", 4_000_00, date(2025, 2, 14)),
    ("OPP-CAT", "cat", "open", 1_000_00, date(2025, 3, 1)),
    ("OPP-DONE", "ann", "won", 500_00, date(2025, 1, 20)),
)


def add_open_deals(org: Org) -> None:
    """Opportunities for the what-if: two open ones of ann, one of cat, a won one of ann."""
    with org.store.transaction() as tx:
        for external_id, owner, status, amount, close_on in DEALS:
            tx.session.add(
                m.Opportunity(
                    external_id=external_id,
                    name=f"Deal {external_id}",
                    owner_id=org.ids[owner],
                    stage="Won" if status == "won" else "Proposal",
                    status=status,
                    amount=amount,
                    currency="USD",
                    close_on=close_on,
                )
            )
