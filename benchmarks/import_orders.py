"""Benchmark: import a generated 1,000,000-order CSV through `attain import file` into SQLite and PostgreSQL.

Each timed import runs in a child process of its own, which reports its peak resident memory
(ru_maxrss) and its CPU seconds (user + system, all threads); seconds are wall-clock time around
that child, Python start-up included. The machine's 1-minute load average is printed beside them:
on a shared machine wall time says little without it.
Usage: python benchmarks/import_orders.py [--orders N] [--backend sqlite|postgres ...]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import polars as pl
from typer.testing import CliRunner

from attain.cli.main import _register, app
from attain.store.testing import PostgresSandbox

POSTGRES_URL = os.environ.get("ATTAIN_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
PEOPLE, ACCOUNTS, PRODUCTS = 1_000, 20_000, 50

MAPPINGS = {
    "people": """
name: bench-people
targets:
  - entity: person
    fields: {external_id: person_id, name: name, email: email, hired_on: hired_on}
""",
    "accounts": """
name: bench-accounts
targets:
  - entity: account
    fields: {external_id: account_id, name: name, industry: industry, region: region, owner: owner_id}
""",
    "products": """
name: bench-products
targets:
  - entity: product
    fields: {external_id: product_id, name: name, family: family, list_price: list_price, currency: currency}
""",
    "orders": """
name: bench-orders
targets:
  - entity: order
    fields:
      external_id: order_id
      order_number: order_number
      line_number: line
      booked_on: booked_on
      account: account_id
      product: product_id
      owner: owner_id
      quantity: quantity
      amount: amount
      currency: currency
      kind: {column: kind, map: {NEW: new, RENEWAL: renewal, UPSELL: upsell, CANCEL: cancellation}}
      original: {column: original_order_id}
      status: status
""",
}


def _mix(i: pl.Expr, salt: int, modulo: int) -> pl.Expr:
    """A deterministic scatter of row numbers (a multiplicative hash), no random generator needed."""
    return ((i * 2_654_435_761 + salt) % 4_294_967_291) % modulo


def generate(folder: Path, orders: int) -> dict[str, Path]:
    paths = {name: folder / f"{name}.csv" for name in ("people", "accounts", "products", "orders")}
    people = pl.select(pl.int_range(0, PEOPLE, dtype=pl.Int64).alias("n")).select(
        pl.format("P{}", pl.col("n")).alias("person_id"),
        pl.format("Rep {}", pl.col("n")).alias("name"),
        pl.format("rep{}@example.com", pl.col("n")).alias("email"),
        (pl.date(2015, 1, 1) + pl.duration(days=_mix(pl.col("n"), 3, 3000))).alias("hired_on"),
    )
    people.write_csv(paths["people"])
    accounts = pl.select(pl.int_range(0, ACCOUNTS, dtype=pl.Int64).alias("n")).select(
        pl.format("A{}", pl.col("n")).alias("account_id"),
        pl.format("Account {}", pl.col("n")).alias("name"),
        pl.format("industry-{}", _mix(pl.col("n"), 5, 12)).alias("industry"),
        pl.format("region-{}", _mix(pl.col("n"), 7, 4)).alias("region"),
        pl.format("P{}", _mix(pl.col("n"), 11, PEOPLE)).alias("owner_id"),
    )
    accounts.write_csv(paths["accounts"])
    products = pl.select(pl.int_range(0, PRODUCTS, dtype=pl.Int64).alias("n")).select(
        pl.format("SKU{}", pl.col("n")).alias("product_id"),
        pl.format("Product {}", pl.col("n")).alias("name"),
        pl.format("family-{}", pl.col("n") % 5).alias("family"),
        pl.format("{}.{}", 100 + _mix(pl.col("n"), 13, 5000), pl.lit("00")).alias("list_price"),
        pl.lit("USD").alias("currency"),
    )
    products.write_csv(paths["products"])
    _orders_frame(orders).write_csv(paths["orders"])
    return paths


def _orders_frame(orders: int) -> pl.DataFrame:
    i = pl.col("i")
    cancel = (i % 50) == 49
    cents = 1_000 + _mix(i, 17, 5_000_000)
    return pl.select(pl.int_range(0, orders, dtype=pl.Int64).alias("i")).select(
        pl.format("O{}", i).alias("order_id"),
        pl.format("SO{}", i // 3).alias("order_number"),
        (i % 3 + 1).alias("line"),
        (pl.date(2022, 1, 1) + pl.duration(days=_mix(i, 19, 1095))).alias("booked_on"),
        pl.format("A{}", _mix(i, 23, ACCOUNTS)).alias("account_id"),
        pl.format("SKU{}", _mix(i, 29, PRODUCTS)).alias("product_id"),
        pl.format("P{}", _mix(i, 31, PEOPLE)).alias("owner_id"),
        (1 + _mix(i, 37, 20)).alias("quantity"),
        pl.format(
            "{}{}.{}",
            pl.when(cancel).then(pl.lit("-")).otherwise(pl.lit("")),
            cents // 100,
            (cents % 100).cast(pl.Utf8).str.pad_start(2, "0"),
        ).alias("amount"),
        pl.lit("USD").alias("currency"),
        pl.when(cancel)
        .then(pl.lit("CANCEL"))
        .when(_mix(i, 41, 3) == 0)
        .then(pl.lit("NEW"))
        .when(_mix(i, 41, 3) == 1)
        .then(pl.lit("RENEWAL"))
        .otherwise(pl.lit("UPSELL"))
        .alias("kind"),
        pl.when(cancel).then(pl.format("O{}", i - 1)).otherwise(None).alias("original_order_id"),
        pl.lit("booked").alias("status"),
    )


def _child(url: str, mapping: Path, csv: Path) -> None:
    """Run one `attain import file` in this process and report its peak memory on stdout."""
    _register()
    result = CliRunner().invoke(
        app, ["--db", url, "--format", "json", "import", "file", str(csv), "--mapping", str(mapping)]
    )
    if result.exit_code != 0:
        sys.stderr.write(result.output)
        raise SystemExit(result.exit_code)
    counts = json.loads(result.stdout)["counts"]
    usage = resource.getrusage(resource.RUSAGE_SELF)
    report = {"peak_mib": usage.ru_maxrss / 1024, "cpu": usage.ru_utime + usage.ru_stime, "counts": counts}
    sys.stdout.write(json.dumps(report) + "\n")


def _import(url: str, mapping: Path, csv: Path) -> tuple[float, dict[str, object]]:
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, __file__, "--child", url, str(mapping), str(csv)],
        capture_output=True,
        text=True,
        check=False,
    )
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"import of {csv.name} failed:\n{done.stderr}")
    return seconds, json.loads(done.stdout.strip().splitlines()[-1])


def _backend_url(backend: str, folder: Path) -> tuple[str, object]:
    if backend == "sqlite":
        return f"sqlite:///{folder / 'bench.db'}", None
    sandbox = PostgresSandbox.create(POSTGRES_URL, f"attain_bench_{uuid.uuid4().hex[:8]}")
    return sandbox.url, sandbox


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--orders", type=int, default=1_000_000)
    parser.add_argument("--backend", action="append", choices=["sqlite", "postgres"])
    parser.add_argument("--child", nargs=3, metavar=("URL", "MAPPING", "CSV"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        _child(args.child[0], Path(args.child[1]), Path(args.child[2]))
        return
    backends = args.backend or ["sqlite", "postgres"]
    rows = []
    with tempfile.TemporaryDirectory(prefix="attain-bench-") as tmp:
        folder = Path(tmp)
        started = time.perf_counter()
        paths = generate(folder, args.orders)
        print(
            f"generated {args.orders:,} orders ({paths['orders'].stat().st_size / 2**20:.0f} MiB CSV) "
            f"in {time.perf_counter() - started:.1f} s"
        )
        mappings = {}
        for name, text in MAPPINGS.items():
            mappings[name] = folder / f"{name}.yaml"
            mappings[name].write_text(text)
        for backend in backends:
            url, sandbox = _backend_url(backend, folder)
            try:
                for dim in ("people", "accounts", "products"):
                    _import(url, mappings[dim], paths[dim])
                for run in ("first import", "re-import"):
                    load = os.getloadavg()[0]
                    seconds, child = _import(url, mappings["orders"], paths["orders"])
                    counts = child["counts"]["order"]  # type: ignore[index]
                    rows.append(
                        {
                            "backend": backend,
                            "run": run,
                            "rows": args.orders,
                            "seconds": seconds,
                            "rows/s": args.orders / seconds,
                            "peak RSS MiB": child["peak_mib"],
                            "CPU s": child["cpu"],
                            "load": load,
                            "created": counts["created"],
                            "unchanged": counts["unchanged"],
                        }
                    )
            finally:
                if sandbox is not None:
                    sandbox.drop()  # type: ignore[attr-defined]
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"polars {pl.__version__}"
    )
    header = [
        "backend",
        "run",
        "rows",
        "seconds",
        "rows/s",
        "peak RSS MiB",
        "CPU s",
        "load",
        "created",
        "unchanged",
    ]
    print(" | ".join(header))
    for r in rows:
        print(
            " | ".join(
                [
                    r["backend"],
                    r["run"],
                    f"{r['rows']:,}",
                    f"{r['seconds']:.1f}",
                    f"{r['rows/s']:,.0f}",
                    f"{r['peak RSS MiB']:.0f}",
                    f"{r['CPU s']:.1f}",
                    f"{r['load']:.1f}",
                    f"{r['created']:,}",
                    f"{r['unchanged']:,}",
                ]
            )
        )


if __name__ == "__main__":
    main()
