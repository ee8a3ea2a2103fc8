"""Benchmark: how long each dashboard page takes to render on the demo company, cold and warm.

The demo company (60 rep seats, seed 7, as of a fixed day) is generated into a temporary SQLite file; the
app runs in-process (no network) with the day pinned. "cold" is the first request of a fresh app (its
figures computed from the facts); "warm" the median of 20 more. Target: under 200 ms.
Usage: python benchmarks/web_pages.py [--reps 60]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from datetime import date
from pathlib import Path

from fastapi.testclient import TestClient

from attain.app.users import create_user
from attain.demo.install import install_demo
from attain.demo.spec import DemoSpec
from attain.store.unit_of_work import SqlStore, open_store
from attain.web.app import create_app

AS_OF = date(2026, 11, 28)
PASSWORD = "web-pages-benchmark"
WARM = 20


def company(path: Path, reps: int) -> tuple[SqlStore, dict[str, str]]:
    store = open_store(f"sqlite:///{path}")
    store.upgrade()
    install_demo(store, DemoSpec(as_of=AS_OF, reps=reps))
    with store.transaction() as tx:
        rep = tx.people.with_role_on("rep", AS_OF)[0]
        manager = tx.people.manager_of(rep.id, AS_OF)
    assert manager is not None
    create_user(store, "b_rep", PASSWORD, ["rep"], person_id=rep.id)
    create_user(store, "b_manager", PASSWORD, ["manager"], person_id=manager.id)
    create_user(store, "b_admin", PASSWORD, ["admin"])
    return store, {"rep": rep.external_id}


def signed_in(store: SqlStore, username: str) -> TestClient:
    app = create_app(store, secret_key="bench")
    app.state.today = AS_OF
    client = TestClient(app)
    token = client.get("/login").text.split('name="csrf" value="', 1)[1].split('"', 1)[0]
    client.post(
        "/login", data={"username": username, "password": PASSWORD, "csrf": token}, follow_redirects=False
    )
    return client


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=60)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        store, ids = company(Path(folder) / "demo.db", args.reps)
        pages = [
            ("rep", "/me"),
            ("manager", "/team"),
            ("manager", "/team?metric=win_rate"),
            ("admin", "/company"),
            ("admin", "/company?by=territory"),
            ("admin", "/team"),
            ("manager", f"/drill?metric=revenue&person={ids['rep']}"),
            ("rep", "/api/v1/people/{rep_id}/dashboard"),
        ]
        print(f"demo company, {args.reps} rep seats, SQLite, in-process\n")
        print("| page | who | cold ms | warm median ms | warm max ms | bytes |")
        print("|---|---|---:|---:|---:|---:|")
        for who, template in pages:
            client = signed_in(store, {"rep": "b_rep", "manager": "b_manager", "admin": "b_admin"}[who])
            path = template.replace("{rep_id}", str(client.get("/api/v1/me").json()["person_id"]))
            started = time.perf_counter()
            answer = client.get(path)
            cold = (time.perf_counter() - started) * 1000
            assert answer.status_code == 200, (path, answer.status_code)
            warm = []
            for _ in range(WARM):
                started = time.perf_counter()
                client.get(path)
                warm.append((time.perf_counter() - started) * 1000)
            print(
                f"| {path} | {who} | {cold:.0f} | {statistics.median(warm):.1f} | {max(warm):.1f} | "
                f"{len(answer.content):,} |"
            )
        store.dispose()


if __name__ == "__main__":
    main()
