"""Benchmark: the public MS page (numbered references and the clinic's own outcome figures) under concurrent
visitors, against the trivial view, served by gunicorn with the production settings.

Run alone from the repository root::

    .venv/bin/python bench/site.py [--clients 8] [--requests 100] [--workers 4]

It loads the demo clinic (`manage.py demo_data`: the MS page, its evidence library and the outcomes cohort of
treated patients) into a throwaway SQLite database, serves it with gunicorn (DEBUG off, local-memory cache
in each worker, as without Redis), and has ``--clients`` concurrent client processes each request, after a
warm-up, ``--requests`` times each of the trivial view ``/healthz`` and the MS page in one of the three
languages, interleaved. Every response must be 200. The last lines printed are::

    BENCH ms_page_p50_ms <v> ms
    BENCH ms_page_p95_ms <v> ms
    BENCH trivial_p50_ms <v> ms
    BENCH trivial_p95_ms <v> ms
    BENCH ms_page_p95_vs_trivial <ratio> x

Aim (issue 12): the MS page's p95 under 3x the trivial view's.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import random
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from pages import ROOT, Server, _client_init, manage, percentile, run_client, say, server_env  # noqa: E402

LANGUAGES = ("en", "zh-hans", "ar")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--requests", type=int, default=100, help="requests of each kind per client (default 100)")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers (default 4)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="cellway-bench-site-") as var_dir:
        env = server_env(f"sqlite:///{var_dir}/bench.sqlite3", var_dir)
        say("loading the demo clinic (MS page, evidence library, outcomes cohort)")
        manage({**env, "DJANGO_DEBUG": "true"}, "migrate", "--verbosity", "0")
        manage({**env, "DJANGO_DEBUG": "true"}, "demo_data")
        manage(env, "collectstatic", "--noinput", "--verbosity", "0")
        server = Server(env, args.workers, "sync", 1, Path(var_dir) / "gunicorn.log")
        try:
            server.wait_ready()
            say(f"serving with {server.describe}")
            rng = random.Random(12)  # noqa: S311
            pages = [f"/{lang}/conditions/multiple-sclerosis/" for lang in LANGUAGES]
            warm = [("warm", p) for p in pages * 4]
            with mp.Pool(args.clients, initializer=_client_init) as pool:
                for _kind, path, status, _s in [r for rs in pool.map(run_client, [(server.base, {}, warm)] * args.clients) for r in rs]:
                    if status != 200:
                        raise RuntimeError(f"{path} answered {status} while warming up")
                plans = []
                for _ in range(args.clients):
                    plan = [("trivial", "/healthz") for _ in range(args.requests)]
                    plan += [("ms_page", rng.choice(pages)) for _ in range(args.requests)]
                    rng.shuffle(plan)
                    plans.append((server.base, {}, plan))
                results = [r for rs in pool.map(run_client, plans) for r in rs]
        finally:
            server.stop()
    bad = [(path, status) for _k, path, status, _s in results if status != 200]
    if bad:
        raise RuntimeError(f"{len(bad)} requests failed, e.g. {bad[:3]}")
    times = {kind: [s * 1000 for k, _p, _st, s in results if k == kind] for kind in ("ms_page", "trivial")}
    for kind in ("ms_page", "trivial"):
        print(f"BENCH {kind}_p50_ms {percentile(times[kind], 50):.1f} ms")
        print(f"BENCH {kind}_p95_ms {percentile(times[kind], 95):.1f} ms")
    ratio = percentile(times["ms_page"], 95) / percentile(times["trivial"], 95)
    print(f"BENCH ms_page_p95_vs_trivial {ratio:.2f} x")
    return 0


if __name__ == "__main__":
    assert ROOT.is_dir()
    sys.exit(main())
