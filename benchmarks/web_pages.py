"""Benchmark: how long each dashboard page takes to render, on the first request after a data change and warm.

By default the demo company (60 rep seats, seed 7, as of a fixed day) is generated into a temporary SQLite
file; `--db URL` uses an existing company instead (e.g. the 2,000-rep PostgreSQL company that
benchmarks/web_load.py keeps in `attain_web_load`). The app runs in-process (no network) with the day
pinned. Each page's "first" request follows a data change (the app's cached figures and page bodies are
dropped, as a new data version does, after one request has loaded the libraries); "warm" is the median
of 20 more. Target: under 200 ms.

`--compare DIR` also runs the pages on the source tree in DIR (e.g. `git archive <commit> src | tar -x -C
DIR`), each tree in its own process, alternating `--rounds` times, and prints both with their ratio.
Usage: python benchmarks/web_pages.py [--reps 60] [--db URL] [--compare DIR] [--rounds 2]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import text

from attain.app.runs.statements import statements_of
from attain.app.users import create_user
from attain.demo.install import install_demo
from attain.demo.spec import DemoSpec
from attain.domain.calendar import FiscalCalendar, PeriodKind
from attain.store.unit_of_work import SqlStore, open_store
from attain.web.app import create_app

AS_OF = date(2026, 11, 28)
PASSWORD = "web-pages-benchmark"
WARM = 20
WHO = {"rep": "b_rep", "manager": "b_manager", "admin": "b_admin"}


def company(path: Path, reps: int) -> SqlStore:
    store = open_store(f"sqlite:///{path}")
    store.upgrade()
    install_demo(store, DemoSpec(as_of=AS_OF, reps=reps))
    return store


def logins(store: SqlStore, day: date) -> dict[str, Any]:
    """A rep of a median-sized first-line team, their manager and an admin (made once per database)."""
    with store.transaction() as tx:
        known = tx.users.by_username(WHO["rep"])
        if known is None:
            managers = tx.people.with_role_on("manager", day)
            led = sorted((len(tx.people.subtree(m.id, day)), m.id) for m in managers)
            manager = led[len(led) // 2][1]
            reps = {p.id for p in tx.people.with_role_on("rep", day)}
            rep = min(reps & tx.people.subtree(manager, day))
        else:
            rep = known[0].person_id
        info = tx.fact_reader.calendar()
        assert info is not None, "the company has no calendar"
        quarter = FiscalCalendar(info.start_month).period_of(PeriodKind.QUARTER, day)
    if known is None:
        create_user(store, WHO["rep"], PASSWORD, ["rep"], person_id=rep)
        create_user(store, WHO["manager"], PASSWORD, ["manager"], person_id=manager)
        create_user(store, WHO["admin"], PASSWORD, ["admin"])
    stated = any(row["period"] == quarter.key for row in statements_of(store, rep))
    return {"rep": rep, "quarter": quarter.key, "statement": stated}


def signed_in(app: Any, username: str) -> TestClient:
    client = TestClient(app)
    token = client.get("/login").text.split('name="csrf" value="', 1)[1].split('"', 1)[0]
    client.post(
        "/login", data={"username": username, "password": PASSWORD, "csrf": token}, follow_redirects=False
    )
    return client


def measure(store: SqlStore, day: date, pages: list[tuple[str, str]]) -> dict[str, dict[str, float]]:
    """First request after a data change and the warm median, per page, on one app."""
    app = create_app(store, secret_key="bench")
    app.state.today = day
    clients = {who: signed_in(app, name) for who, name in WHO.items()}
    assert clients["manager"].get("/team").status_code == 200  # libraries and connections loaded
    out: dict[str, dict[str, float]] = {}
    for who, path in pages:
        for name in ("figures", "pages", "page_cache"):
            cache = getattr(app.state, name, None)
            if cache is not None:
                cache.forget()  # what a new data version does: every figure is computed again
        started = time.perf_counter()
        answer = clients[who].get(path)
        first = (time.perf_counter() - started) * 1000
        assert answer.status_code == 200, (path, answer.status_code)
        warm, cpu = [], []
        for _ in range(WARM):
            started, used = time.perf_counter(), time.process_time()
            clients[who].get(path)
            warm.append((time.perf_counter() - started) * 1000)
            cpu.append((time.process_time() - used) * 1000)  # the whole process: server and test client
        out[path] = {
            "first": first,
            "warm": statistics.median(warm),
            "warm_cpu": statistics.median(cpu),
            "app_cpu": app_cpu(app, clients[who], path),
            "max": max(warm),
            "bytes": len(answer.content),
        }
    return out


def app_cpu(app: Any, client: TestClient, path: str) -> float:
    """Median CPU ms of the app alone answering `path` warm: the ASGI call on this thread's event loop,
    without the test client's HTTP layer and thread hop (what a server process spends per request)."""
    cookie = "; ".join(f"{name}={value}" for name, value in client.cookies.items())
    route, _, query = path.partition("?")
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": route,
        "raw_path": route.encode(),
        "query_string": query.encode(),
        "root_path": "",
        "headers": [(b"host", b"testserver"), (b"cookie", cookie.encode())],
        "client": ("127.0.0.1", 50000),
        "server": ("testserver", 80),
    }

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def run() -> float:
        used: list[float] = []
        for _ in range(WARM):
            statuses: list[int] = []

            async def send(message: dict[str, Any], statuses: list[int] = statuses) -> None:
                if message["type"] == "http.response.start":
                    statuses.append(message["status"])

            started = time.process_time()
            await app(dict(scope), receive, send)
            used.append((time.process_time() - started) * 1000)
            assert statuses == [200], (path, statuses)
        return statistics.median(used)

    return asyncio.run(run())


def page_list(ids: dict[str, Any], demo: bool) -> list[tuple[str, str]]:
    pages = [
        ("manager", "/team"),
        ("rep", "/me"),
        ("admin", "/company"),
    ]
    if ids["statement"]:  # the quarter has been run (the demo without pay has no statements)
        pages.append(("rep", f"/statements/{ids['rep']}/{ids['quarter']}"))
    if demo:
        pages += [
            ("manager", "/team?metric=win_rate"),
            ("admin", "/company?by=territory"),
            ("admin", "/team"),
            ("rep", f"/api/v1/people/{ids['rep']}/dashboard"),
        ]
    return pages


def run_variant(source: str | None, db: str, rounds: int) -> list[dict[str, dict[str, float]]]:
    env = dict(os.environ)
    if source is not None:
        env["PYTHONPATH"] = str(Path(source) / "src")
    out = subprocess.run(
        [sys.executable, __file__, "--db", db, "--json", "--rounds", str(rounds)],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    found: list[dict[str, dict[str, float]]] = json.loads(out.strip().splitlines()[-1])
    return found


def load_average() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def compare(db: str, baseline: str, rounds: int) -> None:
    runs: dict[str, list[dict[str, dict[str, float]]]] = {"before": [], "after": []}
    loads = [load_average()]
    for _ in range(rounds):  # interleaved, so both see the same machine
        runs["before"] += run_variant(baseline, db, 1)
        runs["after"] += run_variant(None, db, 1)
        loads.append(load_average())
    print(f"{db}; {rounds} interleaved rounds; load average (1, 5, 15 min) {' | '.join(loads)}\n")
    print(
        "| page | first ms before | first ms after | first ratio | warm ms before | warm ms after | "
        "warm ratio | warm CPU ms before | warm CPU ms after | CPU ratio | app CPU ms before | "
        "app CPU ms after | app CPU ratio | bytes before | bytes after |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    every = [p for p in runs["after"][0] if all(p in r for v in runs.values() for r in v)]
    for path in every:

        def median(variant: str, key: str, path: str = path) -> float:
            return statistics.median(r[path][key] for r in runs[variant])

        first = (median("before", "first"), median("after", "first"))
        warm = (median("before", "warm"), median("after", "warm"))
        cpu = (median("before", "warm_cpu"), median("after", "warm_cpu"))
        own = (median("before", "app_cpu"), median("after", "app_cpu"))
        size = (median("before", "bytes"), median("after", "bytes"))
        print(
            f"| {path} | {first[0]:.0f} | {first[1]:.0f} | {first[0] / first[1]:.1f}x | "
            f"{warm[0]:.1f} | {warm[1]:.1f} | {warm[0] / warm[1]:.1f}x | "
            f"{cpu[0]:.2f} | {cpu[1]:.2f} | {cpu[0] / max(cpu[1], 1e-3):.1f}x | "
            f"{own[0]:.2f} | {own[1]:.2f} | {own[0] / max(own[1], 1e-3):.1f}x | "
            f"{size[0]:,.0f} | {size[1]:,.0f} |"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=60)
    parser.add_argument("--db", help="an existing company's database URL instead of the generated demo")
    parser.add_argument("--compare", metavar="DIR", help="an older source tree to run beside this one")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--json", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.compare:
        if not args.db:
            parser.error("--compare needs --db (both trees must read the same company)")
        compare(args.db, args.compare, args.rounds)
        return
    with tempfile.TemporaryDirectory() as folder:
        store = open_store(args.db) if args.db else company(Path(folder) / "demo.db", args.reps)
        day = AS_OF
        if args.db:
            with store.transaction() as tx:
                day = tx.session.execute(text("SELECT max(booked_on) FROM orders")).scalar() or AS_OF
        ids = logins(store, day)
        pages = page_list(ids, not args.db)
        results = [measure(store, day, pages) for _ in range(args.rounds if args.json else 1)]
        store.dispose()
    if args.json:
        print(json.dumps(results))
        return
    where = args.db or f"demo company, {args.reps} rep seats, SQLite"
    print(f"{where}, in-process, as of {day}; load average {load_average()}\n")
    print(
        "| page | first ms (after a data change) | warm median ms | warm max ms | warm CPU ms | "
        "app CPU ms | bytes |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|")
    for path, r in results[0].items():
        print(
            f"| {path} | {r['first']:.0f} | {r['warm']:.1f} | {r['max']:.1f} | {r['warm_cpu']:.2f} | "
            f"{r['app_cpu']:.2f} | {int(r['bytes']):,} |"
        )


if __name__ == "__main__":
    main()
