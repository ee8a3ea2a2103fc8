"""Load benchmark of the dashboards: a generated company on PostgreSQL, `attain serve` in a subprocess, and
50 concurrent users from a second process (wrk, or an asyncio httpx client when wrk is missing) on the
manager's team page and on rep pages. Prints p50/p95/p99, requests per second and errors.

The company is generated once into its own database (kept for reruns; `--fresh` regenerates it):
python benchmarks/web_load.py [--reps 2000] [--orders 552000] [--users 50] [--seconds 30] [--workers 2]
The target is p95 under 200 ms with no errors. Only 127.0.0.1 is ever contacted.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import httpx
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from attain.app.runs.calculate import run_period
from attain.app.users import create_user
from attain.demo.install import install_demo
from attain.demo.pay import install_plans
from attain.demo.spec import DemoSpec
from attain.domain.calendar import PeriodKind
from attain.store.unit_of_work import SqlStore, open_store

ADMIN_URL = os.environ.get("ATTAIN_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
PASSWORD = "load-benchmark-password"
REP_LOGINS = 20
HOST = "127.0.0.1"


@dataclass
class Company:
    url: str
    manager: str  # login names
    reps: list[str]
    rep_ids: list[int]  # their people, in the same order
    quarter: str  # the current quarter
    statements: bool  # whether a period has been run (`attain run`), so the reps have statements
    as_of: date
    counts: dict[str, int]


def database_url(name: str) -> str:
    return (
        make_url(ADMIN_URL)
        .set(drivername="postgresql+psycopg", database=name)
        .render_as_string(hide_password=False)
    )


def _exists(name: str) -> bool:
    engine = create_engine(database_url("postgres"), isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        found = conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}).first()
    engine.dispose()
    return found is not None


def _recreate(name: str) -> None:
    engine = create_engine(database_url("postgres"), isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    engine.dispose()


def prepare(name: str, reps: int, orders: int, fresh: bool) -> Company:
    """Generate the company (unless it is there already) and make one manager and 20 rep logins."""
    url = database_url(name)
    if fresh or not _exists(name):
        _recreate(name)
        store = open_store(url)
        store.upgrade()
        started = time.perf_counter()
        spec = DemoSpec(as_of=date.today(), reps=reps, orders=orders)
        install_demo(store, spec)
        print(f"generated and loaded in {time.perf_counter() - started:.0f} s", file=sys.stderr)
        # The demo's plans and assignments, and a run of the current quarter: the reps' statements.
        started = time.perf_counter()
        install_plans(store, store, spec)
        quarter = spec.calendar.period_of(PeriodKind.QUARTER, spec.as_of).key
        run_period(store, quarter, as_of=spec.as_of, actor="benchmark")
        print(f"plans assigned and {quarter} run in {time.perf_counter() - started:.0f} s", file=sys.stderr)
        store.dispose()
        engine = create_engine(url, isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            conn.execute(text("ANALYZE"))  # fresh planner statistics, as after any bulk load
        engine.dispose()
    store = open_store(url)
    with store.transaction() as tx:
        has_logins = tx.users.by_username("load_manager") is not None
    if not has_logins:
        _make_logins(store)
    with store.transaction() as tx:
        counts = tx.counts.table_counts()
        found = tx.session.execute(text("SELECT username, person_id FROM users")).all()
        runs = tx.session.execute(text("SELECT count(*) FROM runs")).scalar()
        as_of = tx.session.execute(text("SELECT max(booked_on) FROM orders")).scalar()
    store.dispose()
    users = {str(name): person for name, person in found}
    reps = sorted(u for u in users if u.startswith("load_rep_"))
    quarter = DemoSpec(as_of=as_of).calendar.period_of(PeriodKind.QUARTER, as_of).key
    return Company(
        url,
        "load_manager",
        reps,
        [int(users[r]) for r in reps],
        quarter,
        bool(runs),
        as_of,
        {k: int(v) for k, v in counts.items()},
    )


def _make_logins(store: SqlStore) -> None:
    today = date.today()
    with store.transaction() as tx:
        managers = tx.people.with_role_on("manager", today)
        reps = tx.people.with_role_on("rep", today)
        led = {m.id: len(tx.people.subtree(m.id, today)) - 1 for m in managers}
    # The demo's first-line managers lead 50-350 reps at this size: take the median one.
    manager = sorted((n, m_id) for m_id, n in led.items())[len(led) // 2][1]
    create_user(store, "load_manager", PASSWORD, ["manager"], person_id=manager)
    step = max(1, len(reps) // REP_LOGINS)
    for i, rep in enumerate(reps[::step][:REP_LOGINS]):
        create_user(store, f"load_rep_{i:02d}", PASSWORD, ["rep"], person_id=rep.id)


def serve(url: str, port: int, workers: int, source: str | None) -> subprocess.Popen[bytes]:
    env = dict(os.environ, ATTAIN_SECRET_KEY="load-benchmark-secret")
    if source is not None:  # another source tree of attain (e.g. an older commit) to measure beside this one
        env["PYTHONPATH"] = str(Path(source) / "src")
    attain = str(Path(sys.executable).with_name("attain"))
    args = [attain, "--db", url, "serve", "--host", HOST, "--port", str(port), "--workers", str(workers)]
    proc = subprocess.Popen(args, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://{HOST}:{port}/api/v1/health", timeout=2).status_code == 200:
                return proc
        except httpx.HTTPError:
            time.sleep(0.3)
    proc.terminate()
    raise RuntimeError("attain serve did not answer within 60 s")


def session_cookie(base: str, username: str) -> str:
    with httpx.Client(base_url=base) as client:
        form = client.get("/login").text
        token = re.search(r'name="csrf" value="([^"]+)"', form)
        assert token, "no CSRF token on the sign-in page"
        answer = client.post("/login", data={"username": username, "password": PASSWORD, "csrf": token[1]})
        assert answer.status_code in (200, 303), answer.text[:200]
        return f"attain_session={client.cookies['attain_session']}"


def first_request(base: str, path: str, cookie: str) -> float:
    started = time.perf_counter()
    answer = httpx.get(base + path, headers={"Cookie": cookie}, timeout=120)
    answer.raise_for_status()
    return (time.perf_counter() - started) * 1000


async def _burst(base: str, targets: list[Target]) -> None:
    async with httpx.AsyncClient(base_url=base, timeout=300) as client:
        answers = await asyncio.gather(*(client.get(p, headers={"Cookie": c}) for c, p in targets))
    assert all(a.status_code == 200 for a in answers), [a.status_code for a in answers]


WRK_SCRIPT = """
local cookies = {%s}
local paths = {%s}
local n = 0
request = function()
  n = n + 1
  local i = (n %% #cookies) + 1
  return wrk.format("GET", paths[i], {["Cookie"] = cookies[i]})
end
done = function(summary, latency, requests)
  io.write(string.format('RESULT {"requests": %%d, "seconds": %%f, "p50": %%f, "p95": %%f, "p99": %%f, '
    .. '"errors": %%d, "non2xx": %%d}\\n', summary.requests, summary.duration / 1e6,
    latency:percentile(50) / 1000, latency:percentile(95) / 1000, latency:percentile(99) / 1000,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    summary.errors.status))
end
"""


Target = tuple[str, str]  # (session cookie, path): a rep's statement has a path of its own


def load_wrk(base: str, targets: list[Target], users: int, seconds: int) -> dict[str, float]:
    cookies = ", ".join(json.dumps(c) for c, _ in targets)
    paths = ", ".join(json.dumps(p) for _, p in targets)
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(WRK_SCRIPT % (cookies, paths))
    out = subprocess.run(
        [
            "wrk",
            "-t",
            "2",
            "-c",
            str(users),
            "-d",
            f"{seconds}s",
            "--timeout",
            "10s",
            "-s",
            script.name,
            base,
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    Path(script.name).unlink()
    found = re.search(r"RESULT (\{.*\})", out)
    assert found, out
    result: dict[str, float] = json.loads(found[1])
    result["rps"] = result["requests"] / result["seconds"]
    return result


async def _user(client: httpx.AsyncClient, target: Target, until: float, times: list[float]) -> int:
    cookie, path = target
    errors = 0
    while time.perf_counter() < until:
        started = time.perf_counter()
        try:
            answer = await client.get(path, headers={"Cookie": cookie})
            errors += answer.status_code >= 400
        except httpx.HTTPError:
            errors += 1
        times.append((time.perf_counter() - started) * 1000)
    return errors


async def _load_httpx(base: str, targets: list[Target], users: int, seconds: int) -> dict[str, float]:
    times: list[float] = []
    limits = httpx.Limits(max_connections=users)
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=10) as client:
        started = time.perf_counter()
        until = started + seconds
        errors = await asyncio.gather(
            *(_user(client, targets[i % len(targets)], until, times) for i in range(users))
        )
        elapsed = time.perf_counter() - started
    cuts = statistics.quantiles(times, n=100)
    return {
        "requests": len(times),
        "seconds": elapsed,
        "p50": cuts[49],
        "p95": cuts[94],
        "p99": cuts[98],
        "errors": sum(errors),
        "non2xx": sum(errors),
        "rps": len(times) / elapsed,
    }


def load_average() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=2000)
    parser.add_argument(
        "--orders", type=int, default=552_000, help="order lines (about 1.8 opportunities each)"
    )
    parser.add_argument("--db-name", default="attain_web_load")
    parser.add_argument("--fresh", action="store_true", help="regenerate the company")
    parser.add_argument("--prepare-only", action="store_true")
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--seconds", type=int, default=30)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--tool", choices=["auto", "wrk", "httpx"], default="auto")
    parser.add_argument("--source", metavar="DIR", help="serve the attain source tree in DIR instead")
    args = parser.parse_args()

    company = prepare(args.db_name, args.reps, args.orders, args.fresh)
    print(json.dumps({"counts": company.counts, "as_of": str(company.as_of)}), file=sys.stderr)
    if args.prepare_only:
        return
    tool = args.tool if args.tool != "auto" else ("wrk" if shutil.which("wrk") else "httpx")
    proc = serve(company.url, args.port, args.workers, args.source)
    base = f"http://{HOST}:{args.port}"
    try:
        manager = [session_cookie(base, company.manager)]
        reps = [session_cookie(base, r) for r in company.reps]
        cold = {
            "/team (first request)": first_request(base, "/team", manager[0]),
            "/me (first rep)": first_request(base, "/me", reps[0]),
        }
        pages = {
            "manager /team": [(manager[0], "/team")],
            f"rep /me ({len(reps)} reps)": [(c, "/me") for c in reps],
        }
        if company.statements:  # the generated company has no runs until someone runs a period
            pages[f"rep statement ({len(reps)} reps)"] = [
                (c, f"/statements/{p}/{company.quarter}") for c, p in zip(reps, company.rep_ids, strict=True)
            ]
        else:
            print("no period has been run: the statement page is not loaded", file=sys.stderr)
        # Each worker process keeps its own cache: a burst of parallel requests warms them all, and
        # every rep's page is asked for once, as after a morning of use.
        for targets in pages.values():
            asyncio.run(_burst(base, targets * max(1, 8 // len(targets)) * 4))
        rows = []
        for label, targets in pages.items():
            if tool == "wrk":
                result = load_wrk(base, targets, args.users, args.seconds)
            else:
                result = asyncio.run(_load_httpx(base, targets, args.users, args.seconds))
            rows.append((label, result))
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    print(
        f"\ncompany: {company.counts.get('people')} people, {company.counts.get('opportunities'):,} "
        f"opportunities, {company.counts.get('orders'):,} orders; PostgreSQL; "
        f"{args.workers} workers; {tool}; {args.users} users for {args.seconds} s each; "
        f"source {args.source or 'this tree'}; load average {load_average()}\n"
    )
    for label, ms in cold.items():
        print(f"cold {label}: {ms:.0f} ms")
    print("\n| page | requests | req/s | p50 ms | p95 ms | p99 ms | errors |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for label, r in rows:
        errors = int(r["errors"] + r["non2xx"])
        print(
            f"| {label} | {int(r['requests']):,} | {r['rps']:.0f} | {r['p50']:.1f} | {r['p95']:.1f} | "
            f"{r['p99']:.1f} | {errors} |"
        )


if __name__ == "__main__":
    main()
