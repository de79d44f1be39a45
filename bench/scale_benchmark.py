"""The dashboard benchmark at several register sizes: how each page grows with the organisers.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/anything DASHBENCH_SCALES=1100,5000,20000 \
        .venv/bin/python bench/scale_benchmark.py

(or DASHBENCH_SCALES=... bench/dashboard_benchmark.py, which hands over to this script). For each
size it runs bench/dashboard_benchmark.py in a process of its own, with DASHBENCH_ORGANISERS set
to the size and its own throwaway database (the suffix DASHBENCH_SUFFIX plus the size), so every
size generates its data afresh and starts its own gunicorn; the other settings (DASHBENCH_RUNS,
DASHBENCH_REQUESTS, DASHBENCH_COLD, DASHBENCH_SUBMISSIONS, CACHE_URL) apply to each size alike.
Each size prints its own tables as it goes; at the end one table gives every page's warm and
cold median per size, in ms and as the ratio to the paired /healthz (medians over the runs).
It takes long at national sizes: generating 20 000 organisers' 8 rounds alone takes minutes.
"""

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.throwaway import postgres_url_or_none  # noqa: E402

DEFAULT_SCALES = "1100,5000,20000"


def run_scales(sizes: list[int], *, submissions: bool = False) -> int:
    if postgres_url_or_none() is None:
        print("bench/scale_benchmark.py needs DATABASE_URL=postgres://... (skipped)")
        return 0
    suffix = os.environ.get("DASHBENCH_SUFFIX", "dashbench")
    work = Path(tempfile.mkdtemp(prefix="scalebench-"))
    results, failed = {}, []
    for size in sizes:
        print(f"===== {size} organisers =====", flush=True)
        result = work / f"{size}.json"
        started = time.monotonic()
        finished = subprocess.run(  # noqa: S603
            [
                sys.executable,
                str(ROOT / "bench" / "dashboard_benchmark.py"),
                *(["--submissions"] if submissions else []),
            ],
            cwd=ROOT,
            env={
                **os.environ,
                "DASHBENCH_ORGANISERS": str(size),
                "DASHBENCH_SUFFIX": f"{suffix}_{size}",
                "DASHBENCH_RESULT": str(result),
                "DASHBENCH_SCALES": "",
            },
            check=False,
        )
        print(f"({size} organisers took {time.monotonic() - started:.0f} s in all)", flush=True)
        if finished.returncode != 0 or not result.exists():
            print(f"{size} organisers: the run failed (exit status {finished.returncode})")
            failed.append(size)
            continue
        results[size] = json.loads(result.read_text())
    if results:
        print_tables(results)
    return 1 if failed else 0


def print_tables(results: dict[int, dict]) -> None:
    sizes = list(results)
    labels = list(next(iter(results.values()))["pages"])
    header = f"{'page':50}" + "".join(f"{size:>18}" for size in sizes)
    print()
    print(
        "Generation (data and publishing the closed rounds): "
        + ", ".join(f"{size}: {r['generated_seconds']:.0f} s" for size, r in results.items())
    )
    for kind, title in (
        ("warm", "Warm median, ms (× the paired /healthz), median over the runs"),
        ("cold", "Cold median (first request after a change), ms (× the paired /healthz)"),
    ):
        print()
        print(title)
        print(header)
        for label in labels:
            cells = []
            for size in sizes:
                page = results[size]["pages"].get(label)
                if page is None:
                    cells.append(f"{'-':>18}")
                    continue
                ms, ratio = page[f"{kind}_ms"], page[f"{kind}_ratio"]
                digits = 1 if ratio < 100 else 0
                cells.append(f"{f'{ms:.1f} ({ratio:.{digits}f}×)':>18}")
            print(f"{label:50}" + "".join(cells))
    submitted = {size: r["submissions"] for size, r in results.items() if r.get("submissions")}
    if submitted:
        print()
        print(
            "Submissions that succeeded during the measurement: "
            + ", ".join(
                f"{size}: {s['succeeded']} ({s['failed']} failed)" for size, s in submitted.items()
            )
        )


def main() -> int:
    sizes = os.environ.get("DASHBENCH_SCALES", "") or DEFAULT_SCALES
    submissions = "--submissions" in sys.argv[1:] or os.environ.get(
        "DASHBENCH_SUBMISSIONS", ""
    ).strip().lower() in {"1", "true", "yes", "on"}
    return run_scales(
        [int(size) for size in sizes.replace(" ", "").split(",") if size], submissions=submissions
    )


if __name__ == "__main__":
    sys.exit(main())
