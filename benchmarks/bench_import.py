"""Benchmark: importing CSV exports against the CSV reader alone, measured in one run.

    python benchmarks/bench_import.py                  # 100,000 accounts (the target size)
    python benchmarks/bench_import.py --rows 10000 --repeat 1

Generates a deterministic portfolio and writes it as the CSV exports `csm generate --exports` makes
(CRM, product analytics, support desk, survey: four files of N rows, cached under benchmarks/data/).
Then alternates fresh child processes, each side going first in every other round, that time (a) the
reader alone: `pyarrow.csv.read_csv` of each file with the options the import uses (every column as
text), and (b) the whole import from the same bytes: read, map the headers, clean and check every value
against the contract, join the four files on the account id, build the engine's table and the rejection
report. Prints the medians and their ratio (target: ratio <= 2.0), and the processor time each side used
on all its threads, which the machine's other work disturbs less than the elapsed time. Both children
load the package before Arrow, so both run with the same process settings (its allocator setting).
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

from portfolios import AS_OF, DATA_DIR

TARGET_RATIO = 2.0


def export_dir(rows: int, seed: int) -> Path:
    """The generated exports of that size and seed, written once and reused."""
    from customer_success_mcp.generate import generate_portfolio
    from customer_success_mcp.generate.exports import write_exports

    directory = DATA_DIR / f"exports_{rows}_{seed}"
    if not (directory / "nps_survey.csv").exists():
        started = time.perf_counter()
        write_exports(generate_portfolio(rows, seed, AS_OF), directory, excel=False)
        print(f"generated {directory.name} in {time.perf_counter() - started:.1f} s", file=sys.stderr)
    return directory


def _files(directory: str) -> list[tuple[str, bytes]]:
    return [(p.name, p.read_bytes()) for p in sorted(Path(directory).glob("*.csv"))]


def child_reader(directory: str) -> dict:
    """pyarrow.csv.read_csv of each file with the import's options (all text), the files read side by side
    as the import reads them (`sources.read_order`); its own transcoding for the Windows-1252 survey."""
    import io
    from concurrent.futures import ThreadPoolExecutor

    import pyarrow.csv as pa_csv

    from customer_success_mcp.ingest.join import WORKERS
    from customer_success_mcp.ingest.sources import read_order
    from customer_success_mcp.ingest.tabular import arrow_options

    files = _files(directory)

    def read(i: int, threads: bool) -> int:
        name, data = files[i]
        first = data[: data.index(b"\n")].decode("utf-8", errors="replace")
        delimiter = ";" if name == "nps_survey.csv" else ","
        read, parse, convert = arrow_options(delimiter, first.count(delimiter) + 1, threads=threads)
        if name == "nps_survey.csv":
            read.encoding = "cp1252"
        return pa_csv.read_csv(io.BytesIO(data), read_options=read, parse_options=parse,
                               convert_options=convert).num_rows  # fmt: skip

    started, cpu = time.perf_counter(), time.process_time()
    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        rows = sum(pool.map(lambda job: read(*job), read_order([len(data) for _, data in files])))
    return {"seconds": time.perf_counter() - started, "cpu": time.process_time() - cpu, "rows": rows}


def child_import(directory: str) -> dict:
    """The whole import, timed as `load_sources` runs it: the files read side by side, each file's values
    cleaned and checked (on the same threads) as soon as it is read, then the files joined on the account
    id and the table and the report built. `read` is when the last file was in."""
    from concurrent.futures import ThreadPoolExecutor

    from customer_success_mcp.ingest.join import WORKERS, join_files
    from customer_success_mcp.ingest.load import gc_paused
    from customer_success_mcp.ingest.sources import start_reading
    from customer_success_mcp.scoring.default_profiles import DEFAULT_PROFILE

    files = _files(directory)
    arrived: list[float] = []
    started, cpu = time.perf_counter(), time.process_time()
    with gc_paused(), ThreadPoolExecutor(max_workers=WORKERS) as pool:
        reading = start_reading(files, pool)
        for future in reading:
            future.add_done_callback(lambda _: arrived.append(time.perf_counter()))
        table, report = join_files(reading, DEFAULT_PROFILE, pool)
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    columns = sum(len(future.result().mapping.columns) for future in reading)
    return {"seconds": seconds, "cpu": cpu, "read": max(arrived) - started, "accepted": report.accepted,
            "rejected": report.rejected, "columns": columns, "rows": table.size}  # fmt: skip


def run_child(kind: str, directory: Path) -> dict:
    out = subprocess.run([sys.executable, __file__, "--child", kind, str(directory)], capture_output=True,
                         text=True)  # fmt: skip
    if out.returncode != 0:
        sys.exit(f"the {kind} run failed (exit status {out.returncode}):\n{out.stderr}")
    return json.loads(out.stdout)


def _runs(runs: list[dict]) -> str:
    return ", ".join(f"{r['seconds']:.3f}" for r in runs)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=100_000, help="accounts, i.e. rows per export file")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--repeat", type=int, default=3, help="runs of each side (medians are reported)")
    parser.add_argument("--child", nargs=2, metavar=("KIND", "DIR"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        import customer_success_mcp  # noqa: F401  (before Arrow, on both sides: the same allocator setting)

        kind, directory = args.child
        print(json.dumps(child_reader(directory) if kind == "reader" else child_import(directory)))
        return 0

    directory = export_dir(args.rows, args.seed)
    reader_runs, import_runs = [], []
    for i in range(args.repeat):  # each side goes first in half the rounds: a run's place in the order
        for kind in ("reader", "import") if i % 2 == 0 else ("import", "reader"):  # can move it by ~8%
            (reader_runs if kind == "reader" else import_runs).append(run_child(kind, directory))
    reader_s = statistics.median(r["seconds"] for r in reader_runs)
    import_s = statistics.median(r["seconds"] for r in import_runs)
    size_mb = sum(p.stat().st_size for p in directory.glob("*.csv")) / 1e6
    first = import_runs[0]
    print(f"rows               {args.rows:,} per file, 4 files ({size_mb:.0f} MB, seed {args.seed}, "
          f"{args.repeat} runs each)")  # fmt: skip
    print(f"reader alone       {reader_s:.3f} s   (runs: {_runs(reader_runs)})")
    print(f"full import        {import_s:.3f} s   (runs: {_runs(import_runs)})")
    read_s = statistics.median(r["read"] for r in import_runs)
    rest = import_s - read_s
    print(f"  stages           last file in at {read_s:.3f} s; then {rest:.3f} s to check, join, build")
    print(f"ratio              {import_s / reader_s:.2f}   (target <= {TARGET_RATIO})")
    reader_cpu = statistics.median(r["cpu"] for r in reader_runs)
    import_cpu = statistics.median(r["cpu"] for r in import_runs)
    print(f"processor time     reader {reader_cpu:.3f} s, import {import_cpu:.3f} s (all threads; "
          f"{import_cpu / reader_cpu:.2f} times)")  # fmt: skip
    print(f"accounts           {first['accepted']:,} accepted, {first['rejected']} rejected; "
          f"{first['columns']} columns mapped")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
