"""fcast benchmarks: wall time, throughput and peak memory, printed as tables.

Each measurement runs `fcast run` on a generated script in a child process; peak RSS is
the child's maximum resident set size (getrusage RUSAGE_CHILDREN, one child at a time).
"""
import os
import random
import re
import resource
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FCAST = os.environ.get("FCAST_BIN", os.path.join(ROOT, ".build/release/fcast"))
DATA = os.path.join(ROOT, ".bench-data")


def run_script(text):
    """Runs a script; returns (wall seconds, run seconds from fcast's own report, peak RSS MiB, stdout)."""
    with tempfile.NamedTemporaryFile("w", suffix=".fc", delete=False) as f:
        f.write(text)
        path = f.name
    out_f, err_f = tempfile.TemporaryFile("w+"), tempfile.TemporaryFile("w+")
    t0 = time.perf_counter()
    p = subprocess.Popen([FCAST, "run", path], cwd=ROOT, stdout=out_f, stderr=err_f)
    # wait4 gives this child's own peak RSS (RUSAGE_CHILDREN would fold in earlier children).
    _, status, usage = os.wait4(p.pid, 0)
    wall = time.perf_counter() - t0
    p.returncode = os.waitstatus_to_exitcode(status)
    os.unlink(path)
    out_f.seek(0)
    err_f.seek(0)
    stdout, stderr = out_f.read(), err_f.read()
    if p.returncode != 0:
        sys.exit(f"bench: fcast failed:\n{stderr}")
    m = re.search(r"run: (\d+) tasks in ([0-9.]+)s", stderr)
    run_s = float(m.group(2)) if m else float("nan")
    return wall, run_s, usage.ru_maxrss / 1024.0, stdout


def generated_panel(n_series=100_000, length=120):
    """A monthly panel of n_series x length with trend, seasonality and noise (cached)."""
    os.makedirs(DATA, exist_ok=True)
    path = os.path.join(DATA, f"generated_{n_series}x{length}.csv")
    if os.path.exists(path):
        return path
    rng = random.Random(42)
    months = [f"{2010 + m // 12:04d}-{m % 12 + 1:02d}-01" for m in range(length)]
    import math
    with open(path + ".tmp", "w") as f:
        f.write("unique_id,ds,y\n")
        for s in range(n_series):
            level = rng.uniform(50, 500)
            trend = rng.uniform(-0.5, 1.5)
            amp = rng.uniform(0, 0.3) * level
            noise = rng.uniform(0.02, 0.1) * level
            sid = f"s{s:06d}"
            rows = []
            for t in range(length):
                y = level + trend * t + amp * math.sin(2 * math.pi * t / 12) + rng.gauss(0, noise)
                rows.append(f"{sid},{months[t]},{y:.3f}\n")
            f.write("".join(rows))
    os.rename(path + ".tmp", path)
    return path


def table(title, header, rows):
    print(f"\n{title}")
    widths = [max(len(str(h)), *(len(str(r[i])) for r in rows)) for i, h in enumerate(header)]
    print("  ".join(str(h).rjust(w) if i else str(h).ljust(w) for i, (h, w) in enumerate(zip(header, widths))))
    print("  ".join("-" * w for w in widths))
    for r in rows:
        print("  ".join(str(c).rjust(w) if i else str(c).ljust(w) for i, (c, w) in enumerate(zip(r, widths))))


def bench_naive():
    rows = []
    cases = [
        ("employment (148 x 225-969)", "examples/data/us_employment.csv", 148, 24, 12),
        ("generated (100,000 x 120)", generated_panel(), 100_000, 12, 12),
    ]
    for name, path, n, h, season in cases:
        for workers in (1, os.cpu_count()):
            script = f"""
d = load("{path}")
res = run(grid(naive(), snaive(), mean(), drift(), season: {season}), d, horizon: {h}, level: [80, 95], workers: {workers})
"""
            wall, run_s, rss, _ = run_script(script)
            # Load alone, to separate parsing from fitting.
            lwall, _, lrss, _ = run_script(f'd = load("{path}")\n')
            rows.append([name, workers, f"{wall:.2f}", f"{lwall:.2f}", f"{run_s:.3f}",
                         f"{n / run_s:,.0f}" if run_s > 0 else "-", f"{4 * n / run_s:,.0f}" if run_s > 0 else "-",
                         f"{rss:,.0f}"])
    table("naive family (naive, snaive, mean, drift; intervals 80/95): fcast run, release build",
          ["data set", "workers", "wall s", "load s", "run s", "series/s", "fits/s", "peak RSS MiB"], rows)
    print("wall s: whole process (start, plugin loading, CSV load, run); load s: a process that only loads the CSV;")
    print("run s: the grid itself as fcast reports it; series/s counts a series once for all four models.")


SUITES = {"naive": bench_naive}

if __name__ == "__main__":
    wanted = sys.argv[1:] or list(SUITES)
    for name in wanted:
        if name not in SUITES:
            sys.exit(f"bench: unknown suite '{name}'; suites: {', '.join(SUITES)}")
        SUITES[name]()
