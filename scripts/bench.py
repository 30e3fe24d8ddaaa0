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
    return wall, run_seconds(stderr), usage.ru_maxrss / 1024.0, stdout


def run_seconds(stderr):
    """The run time fcast reports ("run: N tasks in 12.3s", "1m05s", "2h03m"; Progress.duration)
    in seconds; nan when there is none."""
    m = re.search(r"run: \d+ tasks? in (?:(\d+)h)?(?:(\d+)m)?(?:([0-9.]+)s)?", stderr)
    if not m or not any(m.groups()):
        return float("nan")
    h, mins, s = m.groups()
    return int(h or 0) * 3600 + int(mins or 0) * 60 + float(s or 0)


VENV = os.path.join(ROOT, ".venv-bench")


def peer_python(module, package=None):
    """The virtual environment's python with `module` importable, installing it with pip
    the first time; None (with a note) if that cannot be done."""
    py = os.path.join(VENV, "bin", "python")
    if not os.path.exists(py):
        subprocess.run([sys.executable, "-m", "venv", VENV], check=True)
    if subprocess.run([py, "-c", f"import {module}"], capture_output=True).returncode != 0:
        print(f"bench: installing {package or module} into {VENV} (once)", file=sys.stderr)
        r = subprocess.run([py, "-m", "pip", "install", "-q", package or module], capture_output=True, text=True)
        if r.returncode != 0:
            print(f"bench: could not install {package or module}; peer columns left out:\n{r.stderr[-2000:]}", file=sys.stderr)
            return None
    return py


def run_peer(py, script, args):
    """Runs a peer script; returns (its JSON report, peak RSS MiB)."""
    import json
    out_f = tempfile.TemporaryFile("w+")
    p = subprocess.Popen([py, script, *map(str, args)], cwd=ROOT, stdout=out_f, stderr=subprocess.DEVNULL,
                         env={**os.environ, "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"})
    _, status, usage = os.wait4(p.pid, 0)
    out_f.seek(0)
    text = out_f.read().strip().splitlines()
    if os.waitstatus_to_exitcode(status) != 0 or not text:
        return None, 0
    return json.loads(text[-1]), usage.ru_maxrss / 1024.0


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
    py = peer_python("statsforecast")
    peer_rows = []
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
            if py:
                report, peer_rss = run_peer(py, os.path.join(ROOT, "bench/peers/statsforecast_naive.py"),
                                            [path, h, season, workers])
                if report:
                    ratio = report["seconds"] / run_s if run_s > 0 else float("nan")
                    peer_rows.append([name, workers, f"{run_s:.3f}", f"{report['seconds']:.3f}", f"{ratio:,.1f}x",
                                      f"{rss:,.0f}", f"{peer_rss:,.0f}"])
    table("naive family (naive, snaive, mean, drift; intervals 80/95): fcast run, release build",
          ["data set", "workers", "wall s", "load s", "run s", "series/s", "fits/s", "peak RSS MiB"], rows)
    print("wall s: whole process (start, plugin loading, CSV load, run); load s: a process that only loads the CSV;")
    print("run s: the grid itself as fcast reports it; series/s counts a series once for all four models.")
    if peer_rows:
        table("the same four models in statsforecast (Naive, SeasonalNaive, HistoricAverage, RandomWalkWithDrift), "
              "forecast() with n_jobs = workers, same horizon and levels",
              ["data set", "workers", "fcast run s", "statsforecast s", "fcast faster by", "fcast RSS MiB", "peer RSS MiB"],
              peer_rows)
        print("peer seconds exclude reading the CSV and a warm-up call; peer RSS is the whole Python process.")


def bench_plot():
    """plot: forecasts of 1,000 series to one file each (one gnuplot process per chunk of files)."""
    import shutil
    path = generated_panel(1000, 120)
    fit = f"""
d = load("{path}")
train, test = split(d, last: 12)
res = run(grid(snaive(), drift(), season: 12), train, horizon: 12, level: [80, 95])
"""
    base_wall, _, _, _ = run_script(fit)
    rows = []
    for fmt in ("png", "svg"):
        out = tempfile.mkdtemp(prefix="fcast-bench-plot-")
        try:
            wall, _, rss, stdout = run_script(fit + f'plot(res, models: "snaive", actual: test, to: "{out}/{{id}}.{fmt}")\n')
            m = re.search(r"plot: wrote (\d+) files .* in ([0-9.]+)s", stdout)
            files = int(m.group(1)) if m else len([f for f in os.listdir(out) if f.endswith(fmt)])
            plot_s = float(m.group(2)) if m else wall - base_wall
            size = sum(os.path.getsize(os.path.join(out, f)) for f in os.listdir(out)) / files / 1024
        finally:
            shutil.rmtree(out, ignore_errors=True)
        rows.append([f"1,000 x 120 monthly, {fmt}", files, f"{wall:.2f}", f"{base_wall:.2f}", f"{plot_s:.2f}",
                     f"{files / plot_s:,.0f}", f"{size:,.0f}", f"{rss:,.0f}"])
    table("plot: one forecast figure per series (history, 80/95% bands, actuals), to: \"{id}.png\"; release build",
          ["case", "files", "wall s", "fit-only wall s", "plot s", "files/s", "KiB/file", "peak RSS MiB"], rows)
    print("plot s: as fcast reports it (script generation, gnuplot processes, files); fit-only: the same script without plot.")


def time_to_prompt(env):
    """Seconds from starting `fcast` on a pseudo-terminal to its first prompt."""
    import pty
    import select
    master, slave = pty.openpty()
    t0 = time.perf_counter()
    p = subprocess.Popen([FCAST], stdin=slave, stdout=slave, stderr=slave, cwd=ROOT, env=env,
                         start_new_session=True)
    os.close(slave)
    seen = b""
    elapsed = float("nan")
    while time.perf_counter() - t0 < 10:
        r, _, _ = select.select([master], [], [], 0.5)
        if r:
            try:
                seen += os.read(master, 4096)
            except OSError:
                break
            if b"fc> " in seen:
                elapsed = time.perf_counter() - t0
                break
    os.write(master, b"\x04")
    try:
        p.wait(timeout=5)
    except subprocess.TimeoutExpired:
        p.kill()
    os.close(master)
    return elapsed, seen


def bench_startup():
    env = {**os.environ, "FCAST_HISTORY": os.path.join(tempfile.mkdtemp(), "history"), "TERM": "xterm"}
    times = []
    banner = b""
    for _ in range(15):
        t, seen = time_to_prompt(env)
        times.append(t)
        banner = seen
    times.sort()
    m = re.search(rb"(\d+) algorithms? from (\d+) plugins?", banner)
    what = m.group(0).decode() if m else "?"
    table("REPL start-up to the first prompt on a pseudo-terminal (15 starts)",
          ["plugins loaded", "median ms", "min ms", "max ms", "goal ms"],
          [[what, f"{times[len(times) // 2] * 1000:.0f}", f"{times[0] * 1000:.0f}", f"{times[-1] * 1000:.0f}", "150"]])


def bench_prophet():
    """prophet(): fcast's plugin against Prophet 1.5 in the same run, one series at a time,
    on employment (monthly, h = 24) and a generated daily panel (h = 28), both modes:
    accuracy (MAE, MASE, cover80 on the held-out points) and seconds per series."""
    py = peer_python("prophet")
    daily = os.path.join(DATA, "prophet_daily.csv")
    if not os.path.exists(daily):
        subprocess.run([sys.executable, os.path.join(ROOT, "bench/prophet/make_daily.py"), daily], check=True,
                       stdout=subprocess.DEVNULL)
    cases = [("employment (148 monthly)", "examples/data/us_employment.csv", 148, 24, 12),
             ("daily panel (40 x 730-1095)", daily, 40, 28, 7)]
    rows = []
    for name, path, n, h, season in cases:
        for mode in ("additive", "multiplicative"):
            out = os.path.join(tempfile.gettempdir(), f"fcast-bench-prophet-{os.getpid()}.csv")
            script = f"""
d = load("{path}")
train, test = split(d, last: {h})
res = run(prophet(mode: "{mode}"), train, horizon: {h}, level: [80], workers: 1, seed: 1)
write(summary(evaluate(res, test, season: {season})), "{out}")
"""
            _, run_s, _, _ = run_script(script)
            with open(out) as f:
                head, vals = [line.strip().split(",") for line in f.readlines()[:2]]
            os.unlink(out)
            mine = dict(zip(head, vals))
            fc_s = run_s / n
            peer = None
            if py:
                peer, _ = run_peer(py, os.path.join(ROOT, "bench/prophet/prophet_bench.py"),
                                   [path, "--mode", mode, "--h", h, "--season", season, "--json"])
            p_s = peer["seconds"] / n if peer else float("nan")
            fmt = lambda x, d=4: f"{float(x):.{d}f}"
            rows.append([name, mode, fmt(mine["mae"], 2), fmt(peer["mae"], 2) if peer else "-",
                         fmt(mine["mase"]), fmt(peer["mase"]) if peer else "-",
                         fmt(mine["cover80"], 3), fmt(peer["cover"], 3) if peer else "-",
                         f"{fc_s * 1000:.2f}", f"{p_s * 1000:.1f}" if peer else "-",
                         f"{p_s / fc_s:,.0f}x" if peer and fc_s > 0 else "-"])
    table("prophet(): fcast vs Prophet 1.5 (same options: mode, interval 80%, Prophet's defaults otherwise), "
          "one series at a time, fit + forecast",
          ["data set", "mode", "MAE fcast", "MAE Prophet", "MASE fcast", "MASE Prophet", "cover80 fcast",
           "cover80 Prophet", "ms/series fcast", "ms/series Prophet", "fcast faster by"], rows)
    print("fcast: `fcast run` with workers: 1 (run time as fcast reports it); Prophet: fit + predict per series")
    print("(bench/prophet/prophet_bench.py), excluding reading the CSV. MASE as shared/PEERS.md defines it.")


def fcast_accuracy(model, path, h, season, limit=0, workers=1, level=80):
    """Runs `model` with fcast on the first `limit` series (0: all) of a long CSV, holding out
    h points; returns (run seconds, series, MASE, sMAPE, cover, peak RSS MiB)."""
    out = tempfile.mkdtemp()
    take = f"d = take(d, {limit})\n" if limit else ""
    script = f"""
d = load("{path}")
{take}train, test = split(d, last: {h})
res = run({model}, train, horizon: {h}, level: [{level}], workers: {workers})
s = summary(evaluate(res, test, season: {season}))
write(s, "{out}/summary.csv")
"""
    wall, run_s, rss, _ = run_script(script)
    import csv
    with open(f"{out}/summary.csv") as f:
        row = next(csv.DictReader(f))
    return run_s, int(row["series"]), float(row["mase"]), float(row["smape"]), float(row[f"cover{level}"]), rss


def generated_daily7(n_series=71, length=340):
    """A daily panel with weekly seasonality (season 7), a trend and AR(1) noise: n_series x
    length, deterministic (seed 7), cached in .bench-data."""
    os.makedirs(DATA, exist_ok=True)
    path = os.path.join(DATA, f"daily7_{n_series}x{length}.csv")
    if os.path.exists(path):
        return path
    import datetime
    import math
    rng = random.Random(7)
    days = [(datetime.date(2024, 1, 1) + datetime.timedelta(days=t)).isoformat() for t in range(length)]
    with open(path + ".tmp", "w") as f:
        f.write("unique_id,ds,y\n")
        for s in range(n_series):
            level = rng.uniform(20, 400)
            trend = rng.uniform(-0.05, 0.2) * level / 100
            weekly = [rng.gauss(0, 1) for _ in range(7)]
            amp = rng.uniform(0.05, 0.4) * level
            sd = rng.uniform(0.02, 0.1) * level
            phi = rng.uniform(0, 0.7)
            e = 0.0
            rows = []
            for t in range(length):
                e = phi * e + rng.gauss(0, sd)
                y = level + trend * t + amp * weekly[t % 7] / 2 + e
                rows.append(f"d{s:03d},{days[t]},{y:.3f}\n")
            f.write("".join(rows))
    os.rename(path + ".tmp", path)
    return path


def statsforecast_peer(model, path, season, h, limit=0):
    """statsforecast's `model` (AutoARIMA, AutoETS, AutoTheta: bench/statsforecast_peer.py, one
    process, one thread) on a long CSV: (series, seconds, MASE, sMAPE, cover80) or None."""
    py = peer_python("statsforecast")
    if not py:
        return None
    args = [path, "--model", model, "--season", str(season), "--h", str(h)] + (["--limit", str(limit)] if limit else [])
    out_f = tempfile.TemporaryFile("w+")
    subprocess.run([py, os.path.join(ROOT, "bench/statsforecast_peer.py"), *args], cwd=ROOT,
                   stdout=out_f, stderr=subprocess.DEVNULL,
                   env={**os.environ, "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "NUMBA_NUM_THREADS": "1"})
    out_f.seek(0)
    m = re.search(r"series=(\d+) failed=(\d+) MASE=([0-9.]+) sMAPE=([0-9.]+) cover80=([0-9.]+) seconds=([0-9.]+)", out_f.read())
    if not m:
        return None
    return int(m.group(1)) + int(m.group(2)), float(m.group(6)), m.group(3), m.group(4), m.group(5)


def bench_arima():
    """AutoARIMA (defaults) with one worker, and statsforecast's AutoARIMA on the same series
    in the same run, on visnights (20 quarterly series, h 8), a generated daily set with
    weekly seasonality (71 x 340, h 14, season 7) and employment (h 24, season 12).
    FCAST_BENCH_LIMIT=N takes the first N employment series (statsforecast needs about 4 s a
    series there: the whole set takes it 10 minutes). The statsforecast timing includes
    its numba compilation on the first series of each set, as a user running it once sees."""
    limit = int(os.environ.get("FCAST_BENCH_LIMIT", "0"))
    sets = [("visnights", os.path.join(ROOT, "examples/data/visnights.csv"), 4, 8, 0),
            ("daily season 7 (generated)", generated_daily7(), 7, 14, 0),
            ("employment" + (f", first {limit}" if limit else ""), os.path.join(ROOT, "examples/data/us_employment.csv"),
             12, 24, limit)]
    rows = []
    for label, path, season, h, lim in sets:
        run_s, n, mase, smape, cover, rss = fcast_accuracy(f"auto_arima(season: {season})", path, h, season, lim)
        rows.append([label, "fcast auto_arima", n, f"{run_s:.2f}", f"{n / run_s:.2f}", f"{mase:.4f}", f"{smape:.3f}",
                     f"{cover:.3f}", "-"])
        sf = statsforecast_peer("AutoARIMA", path, season, h, lim)
        if sf:
            sn, sec, smase, ssmape, scover = sf
            rows.append(["", "statsforecast AutoARIMA 2.1.1", sn, f"{sec:.2f}", f"{sn / sec:.2f}", smase, ssmape, scover,
                         f"fcast {(n / run_s) / (sn / sec):.1f}x"])
    rows.append(["employment", "R auto.arima (PEERS.md, all 148)", 148, "481.71", "0.31", "0.5874", "1.887", "0.899", "-"])
    table("AutoARIMA, one worker, fcast and statsforecast in the same run",
          ["data", "tool", "series", "seconds", "series/s", "MASE", "sMAPE", "cover80", "speed"], rows)


def bench_theta():
    """theta() (AutoTheta: the best of STM, OTM, DSTM, DOTM by in-sample MSE) with one worker,
    and statsforecast's AutoTheta on the same series in the same run: employment (h 24,
    season 12) and visnights (h 8, season 4). FCAST_BENCH_LIMIT=N takes the first N series."""
    limit = int(os.environ.get("FCAST_BENCH_LIMIT", "0"))
    # MASE of R's forecast::thetaf on the same splits (the figures).
    r_mase = {"employment": "0.9700", "visnights": "1.1936"}
    for label, file, h, season in [("employment", "us_employment.csv", 24, 12), ("visnights", "visnights.csv", 8, 4)]:
        path = os.path.join(ROOT, "examples/data", file)
        run_s, n, mase, smape, cover, rss = fcast_accuracy(f"theta(season: {season})", path, h, season, limit)
        rows = [["fcast theta", n, f"{run_s:.2f}", f"{n / run_s:.2f}", f"{mase:.4f}", f"{smape:.3f}", f"{cover:.3f}", "1.0x"]]
        sf = statsforecast_peer("AutoTheta", path, season, h, limit)
        if sf:
            sn, sec, smase, ssmape, scover = sf
            rows.append(["statsforecast AutoTheta", sn, f"{sec:.2f}", f"{sn / sec:.2f}", smase, ssmape, scover,
                         f"{(n / run_s) / (sn / sec):.1f}x"])
        rows.append([f"R thetaf (issue 12)", "all", "-", "-", r_mase[label], "-", "-", "-"])
        table(f"AutoTheta on {label} ({'first ' + str(limit) if limit else 'all'} series, h {h}, season {season}), one worker",
              ["tool", "series", "seconds", "series/s", "MASE", "sMAPE", "cover80", "fcast faster by"], rows)


def bench_ets():
    """ETS (R's ets(): AICc over the admissible models) on employment (h 24, season 12) and
    visnights (h 8, season 4) with one worker, and statsforecast's AutoETS on the same series
    in the same run. FCAST_BENCH_LIMIT=N takes the first N series of each set."""
    limit = int(os.environ.get("FCAST_BENCH_LIMIT", "0"))
    for label, file, h, season, r_mase, sf_mase in [("employment", "us_employment.csv", 24, 12, "0.6704", "0.6505"),
                                                    ("visnights", "visnights.csv", 8, 4, "1.1525", "1.1557")]:
        path = os.path.join(ROOT, "examples/data", file)
        run_s, n, mase, smape, cover, rss = fcast_accuracy(f"ets(season: {season})", path, h, season, limit)
        rows = [["fcast ets", n, f"{run_s:.2f}", f"{n / run_s:.2f}", f"{mase:.4f}", f"{smape:.3f}", f"{cover:.3f}", "1.0x"]]
        b_s, bn, bmase, bsmape, bcover, _ = fcast_accuracy(f'ets(season: {season}, optimizer: "nelder_mead")', path, h, season, limit)
        rows.append(["fcast ets nelder_mead", bn, f"{b_s:.2f}", f"{bn / b_s:.2f}", f"{bmase:.4f}", f"{bsmape:.3f}", f"{bcover:.3f}",
                     f"{(bn / b_s) / (n / run_s):.1f}x"])
        sf = statsforecast_peer("AutoETS", path, season, h, limit)
        if sf:
            sn, sec, smase, ssmape, scover = sf
            rows.append(["statsforecast AutoETS 2.1.1", sn, f"{sec:.2f}", f"{sn / sec:.2f}", smase, ssmape, scover,
                         f"{(n / run_s) / (sn / sec):.1f}x"])
        rows.append(["R ets (issue 12)", "-", "-", "-", r_mase, "-", "-", "-"])
        rows.append(["statsforecast AutoETS (issue 12)", "-", "-", "-", sf_mase, "-", "-", "-"])
        table(f"ETS on {label} ({'first ' + str(limit) if limit else 'all'} series, h {h}, season {season}), one worker",
              ["tool", "series", "seconds", "series/s", "MASE", "sMAPE", "cover80", "fcast faster by"], rows)


class RayHead:
    """A Ray head on loopback with N CPUs (.venv's `ray start`), its session files in a
    temporary folder; `ray stop --force` when done, whatever happened."""

    def __init__(self, cpus):
        import socket
        self.cli = os.path.join(ROOT, ".venv/bin/ray")
        self.tmp = tempfile.mkdtemp(prefix="fcray.", dir="/tmp")
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        self.env = dict(os.environ, RAY_AUTH_MODE="disabled", RAY_USAGE_STATS_ENABLED="0")
        with open(os.path.join(self.tmp, "start.log"), "w") as log:
            subprocess.run([self.cli, "start", "--head", "--node-ip-address", "127.0.0.1", "--port", str(port),
                            "--num-cpus", str(cpus), "--temp-dir", self.tmp, "--include-dashboard=false",
                            "--disable-usage-stats"], env=self.env, stdout=log, stderr=log, check=True)
        self.address = f"127.0.0.1:{port}"

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        subprocess.run([self.cli, "stop", "--force"], env=self.env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        subprocess.run(["rm", "-rf", self.tmp])


def bench_executors():
    """executors: the same run on each driver (inline, threads, processes and Ray with 1 and
    2 workers): naive() on 10,000 generated series, where the driver's own cost shows, and
    prophet() on 1,000, where the fits dominate. Ray runs on a head started once per worker
    count (`ray start --num-cpus N` on loopback), so its rows are the per-run cost of joining
    and the per-chunk cost (a Ray task, a supervising `fcast worker` and its child), not Ray's
    own start-up. Run time as fcast reports it and the whole process's wall time (best of
    FCAST_BENCH_REPEATS, 3), microseconds per task, the overhead per task beyond inline's,
    and the efficiency of 2 workers over 1 (speedup / 2)."""
    repeats = int(os.environ.get("FCAST_BENCH_REPEATS", "3"))
    cases = [("naive", "naive()", 10_000), ("prophet", "prophet()", 1_000)]
    only = [c for c in os.environ.get("FCAST_BENCH_CASES", "").split(",") if c]
    cases = [c for c in cases if not only or c[0] in only]
    rows = []
    journal_rows = []
    have_ray = subprocess.run([os.path.join(ROOT, ".venv/bin/python"), "-c", "import ray"],
                              capture_output=True).returncode == 0
    heads = {}
    try:
        if have_ray:
            for w in (1, 2):
                heads[w] = RayHead(w)
        _bench_executors(cases, repeats, rows, journal_rows, heads)
    finally:
        for h in heads.values():
            h.__exit__()
    table(f"executors: one model on generated monthly series (120 points), h 12, level [80, 95], one task per series; "
          f"release build, best of {repeats}",
          ["case", "executor", "workers", "run s", "wall s", "us/task", "overhead us/task", "speedup vs 1", "efficiency"],
          rows)
    print("run s: the run as fcast reports it (processes: starting the workers and sending them the data included;")
    print("ray: joining the running head, starting the driver, one supervising fcast worker and its child per chunk);")
    print("wall s: the whole fcast process (start, plugins, CSV load, run); us/task: run s / tasks; overhead:")
    print("(run s x workers - inline run s) / tasks, the time per task a driver adds to inline's fits; efficiency:")
    print("(1-worker run s / 2-worker run s) / 2.")
    table(f"executors with a journal: the same runs with journal: (each task recorded in SQLite, WAL, batched "
          f"commits with fsync); best of {repeats}",
          ["case", "executor", "workers", "wall s off", "wall s on", "journal us/task"], journal_rows)
    print("journal us/task: (wall s with the journal - wall s without) / tasks: recording, committing and the final flush.")


def _bench_executors(cases, repeats, rows, journal_rows, heads):
    for label, model, n in cases:
        path = generated_panel(n, 120)

        def spec(executor, workers):
            return f"ray://{heads[workers].address}" if executor == "ray" else executor

        def measure(executor, workers, journal=False):
            best_run, best_wall = float("inf"), float("inf")
            for _ in range(repeats):
                with tempfile.TemporaryDirectory() as tmp:
                    extra = f', journal: "{tmp}/x.db"' if journal else ""
                    wall, run_s, _, _ = run_script(f"""
d = load("{path}")
res = run({model}, d, horizon: 12, level: [80, 95], workers: {workers}, executor: "{spec(executor, workers)}"{extra})
""")
                best_run, best_wall = min(best_run, run_s), min(best_wall, wall)
            return best_run, best_wall

        times = {("inline", 1): measure("inline", 1)}
        for executor in ("threads", "processes") + (("ray",) if heads else ()):
            for workers in (1, 2):
                times[(executor, workers)] = measure(executor, workers)
        inline = times[("inline", 1)][0]
        for (executor, workers), (t, wall) in times.items():
            speedup = times[(executor, 1)][0] / t if t > 0 else float("nan")
            rows.append([f"{label} x {n:,}", executor, workers, f"{t:.3f}", f"{wall:.2f}", f"{t / n * 1e6:,.1f}",
                         f"{(t * workers - inline) / n * 1e6:+,.1f}",
                         f"{speedup:.2f}x" if workers > 1 else "-", f"{speedup / workers:.0%}" if workers > 1 else "-"])
        # The journal: every task recorded in SQLite as it finishes (batched commits, fsync per batch).
        for executor in ("threads", "processes"):
            t, wall = measure(executor, 2, journal=True)
            plain_t, plain_wall = times[(executor, 2)]
            journal_rows.append([f"{label} x {n:,}", executor, 2, f"{plain_wall:.2f}", f"{wall:.2f}",
                                 f"{(wall - plain_wall) / n * 1e6:+,.1f}"])



WRK_SCRIPT = r"""
-- POST /v1/forecast with 1 to 4 ids per request (2.5 on average), varying over the store.
local counter = 0
local n_series = tonumber(os.getenv("SERVE_SERIES") or "10000")
request = function()
  counter = counter + 1
  local n = 1 + counter % 4
  local parts = {}
  for i = 1, n do
    parts[i] = string.format('"s%06d"', (counter * 7919 + i * 104729) % n_series)
  end
  local body = '{"ids":[' .. table.concat(parts, ",") .. '],"horizon":12,"level":[80,95]}'
  return wrk.format("POST", "/v1/forecast", {["Content-Type"] = "application/json"}, body)
end
done = function(summary, latency, requests)
  io.write(string.format("WRK %d %d %d %d %d %d\n", summary.requests, summary.duration,
    latency:percentile(50), latency:percentile(99), summary.errors.status,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
"""


def start_server(store, *args):
    """Starts `fcast serve` on a free loopback port; returns (process, base URL)."""
    p = subprocess.Popen([FCAST, "serve", store, "--port", "0", *args], cwd=ROOT, stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 120
    while time.time() < deadline:
        line = p.stderr.readline()
        if not line:
            break
        m = re.search(r"on (http://127\.0\.0\.1:\d+)", line)
        if m:
            return p, m.group(1)
    p.kill()
    sys.exit("bench: fcast serve did not start")


def stop_server(p):
    p.send_signal(subprocess.signal.SIGTERM)
    try:
        p.wait(timeout=30)
    except subprocess.TimeoutExpired:
        p.kill()


def serve_store(n_series=10_000):
    """A store of the best of naive and snaive per generated series (cached)."""
    store = os.path.join(DATA, f"serve_{n_series}.db")
    if os.path.exists(store):
        return store
    path = generated_panel(n_series, 120)
    run_script(f"""
d = load("{path}")
train, test = split(d, last: 12)
res = run(grid(naive(), snaive(), season: 12), train, horizon: 12, level: [80, 95])
save(best(evaluate(res, test)), "{store}")
""")
    return store


def bench_serve():
    import shutil
    if shutil.which("wrk") is None:
        subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], check=False, capture_output=True)
    if shutil.which("wrk") is None:
        sys.exit("bench: serve needs wrk (apt-get install wrk)")
    n = 10_000
    store = serve_store(n)
    lua = os.path.join(DATA, "serve_post.lua")
    with open(lua, "w") as f:
        f.write(WRK_SCRIPT)
    print(f"fcast serve on a store of {n:,} series (best of naive/snaive, monthly, 120 points); wrk drives")
    print("POST /v1/forecast on loopback with 1-4 ids per request (2.5 on average), horizon 12, levels 80 and 95,")
    print("10 s per row. forecasts/s = requests/s x 2.5. wrk shares the 2 cores with the server.")
    t0 = time.perf_counter()
    p, url = start_server(store)
    start_s = time.perf_counter() - t0
    rows = []
    try:
        for threads, conns in [(1, 1), (1, 8), (2, 32)]:
            r = subprocess.run(["wrk", f"-t{threads}", f"-c{conns}", "-d10s", "--timeout", "5s", "-s", lua, url],
                               capture_output=True, text=True, env={**os.environ, "SERVE_SERIES": str(n)})
            m = re.search(r"WRK (\d+) (\d+) (\d+) (\d+) (\d+) (\d+)", r.stdout)
            if not m:
                sys.exit(f"bench: wrk failed:\n{r.stdout}\n{r.stderr}")
            reqs, dur_us, p50, p99, non2xx, sock = map(int, m.groups())
            rps = reqs / (dur_us / 1e6)
            rows.append((f"{conns} conn, {threads} thread", f"{rps:,.0f}", f"{rps * 2.5:,.0f}", f"{p50 / 1000:.2f}",
                         f"{p99 / 1000:.2f}", non2xx, sock))
    finally:
        stop_server(p)
    table(f"serve (server start and model loading: {start_s:.1f} s)",
          ["load", "requests/s", "forecasts/s", "p50 ms", "p99 ms", "non-2xx", "socket errors"], rows)

def timed_child(argv, **kw):
    """Runs a command; returns (wall seconds, peak RSS MiB of that child)."""
    t0 = time.perf_counter()
    p = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, **kw)
    _, status, usage = os.wait4(p.pid, 0)
    wall = time.perf_counter() - t0
    err = p.stderr.read().decode()
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"bench: {argv[0]} failed:\n{err}")
    return wall, usage.ru_maxrss / 1024.0


def bench_events():
    """10 million raw events (synthetic trips, 256 locations, 3 years) aggregated into daily
    counts per location: fcast's CSV reader against DuckDB on the same file in the same run."""
    duckdb = os.path.join(ROOT, ".venv/bin/duckdb")
    os.makedirs(DATA, exist_ok=True)
    csv = os.path.join(DATA, "trips-10m", "trips.csv")
    if not os.path.exists(csv):
        subprocess.run([FCAST, "gen", "trips", "--out", os.path.dirname(csv), "--busiest", "2080", "--csv-only"],
                       check=True, stdout=subprocess.DEVNULL)
    with open(csv, "rb") as f:
        rows = sum(1 for _ in f) - 1
    size_mb = os.path.getsize(csv) / 1e6
    script = f"""
trips = load("{csv}", time: "pickup_time", id: "location")
daily = aggregate(trips, every: "day", value: count(), tz: "America/New_York")
"""
    wall, _, rss, out = run_script(script)
    sql = (f"SELECT location, date_trunc('day', pickup_time) AS day, count(*) AS n "
           f"FROM read_csv('{csv}', header = true) GROUP BY ALL ORDER BY ALL")
    dwall, drss = timed_child([duckdb, "-csv", "-c", sql])
    table(f"events: {rows:,} trips ({size_mb:,.0f} MB CSV) -> daily counts per location (fcast run; DuckDB CLI, same file, same run)",
          ["reader", "wall s", "rows/s", "MB/s", "peak RSS MiB"],
          [["fcast aggregate", f"{wall:.2f}", f"{rows / wall:,.0f}", f"{size_mb / wall:,.0f}", f"{rss:,.0f}"],
           ["duckdb", f"{dwall:.2f}", f"{rows / dwall:,.0f}", f"{size_mb / dwall:,.0f}", f"{drss:,.0f}"]])
    print(f"fcast / DuckDB time: {wall / dwall:.2f} (below 1: fcast faster); fcast's wall time includes starting and loading plugins.")
    print(out.strip().splitlines()[-1] if out.strip() else "")



def run_captured(script):
    """Runs a script, its output captured; returns (wall seconds, the finished process)."""
    with tempfile.NamedTemporaryFile("w", suffix=".fc", delete=False) as f:
        f.write(script)
    t0 = time.perf_counter()
    p = subprocess.run([FCAST, "run", f.name], cwd=ROOT, capture_output=True, text=True)
    wall = time.perf_counter() - t0
    os.unlink(f.name)
    if p.returncode != 0:
        sys.exit(f"bench: fcast failed:\n{p.stderr}")
    return wall, p


def bench_cv():
    """cv: the issue-13 flow (choosing per series on rolling-origin cross-validation). Per data
    set: cross-validate auto_arima (FCAST_CV_ARIMA=0 leaves it out), ets, theta, snaive and
    combine(ets, theta, auto_arima) on the training part (4 windows of the hold-out's length),
    choose per series by CV MASE, forecast the hold-out with each series' winner and conformal
    intervals (the choice's cross-validation reused), and score every single model (conformal
    intervals from the same cross-validation, cv:) and the choice on the hold-out (PEERS.md's
    protocol), then the hold-out coverage of the same forecasts under each calibrate(scores:)
    (recent, the default; profile; series; pooled). FCAST_BENCH_LIMIT=N takes the first N series of each set; FCAST_CV_SETS=employment
    (or visnights) runs one set; FCAST_CV_WINDOWS=k other windows; FCAST_CV_PRIOR=k best(prior: k);
    FCAST_CV_AVERAGE=geometric evaluate(folds, average: "geometric"); FCAST_CV_GLOBAL=1 adds global_xgb and
    its combinations with the local models (mean of ets, auto_arima, global_xgb; mean and median of
    ets, theta, auto_arima, global_xgb) to the candidates."""
    import csv
    limit = int(os.environ.get("FCAST_BENCH_LIMIT", "0"))
    arima = os.environ.get("FCAST_CV_ARIMA", "1") != "0"
    sets = os.environ.get("FCAST_CV_SETS", "visnights,employment").split(",")
    windows = int(os.environ.get("FCAST_CV_WINDOWS", "4"))
    prior = os.environ.get("FCAST_CV_PRIOR", "0")
    average = os.environ.get("FCAST_CV_AVERAGE", "mean")
    with_global = os.environ.get("FCAST_CV_GLOBAL", "0") == "1"
    peers = {"employment": "0.5834 (statsforecast AutoARIMA)", "visnights": "1.1273 (snaive)"}
    for label, file, h, season in [("visnights", "visnights.csv", 8, 4), ("employment", "us_employment.csv", 24, 12)]:
        if label not in sets:
            continue
        path = os.path.join(ROOT, "examples/data", file)
        out = tempfile.mkdtemp()
        take = f"d = take(d, {limit})\n" if limit else ""
        singles = ("auto_arima(), " if arima else "") + "ets(), theta(), snaive()"
        members = "ets(), theta()" + (", auto_arima()" if arima else ", snaive()")
        combos = f"combine({members})"
        if with_global:
            singles += ", global_xgb()"
            local = "ets(), auto_arima()" if arima else "ets(), theta()"
            combos += (f", combine({local}, global_xgb()), combine({members}, global_xgb()),"
                       f" combine({members}, global_xgb(), by: \"median\")")
        script = f"""
d = load("{path}")
{take}train, test = split(d, last: {h})
g = grid({singles}, {combos}, season: {season})
folds = cv(g, train, horizon: {h}, windows: {windows})
scores = evaluate(folds, average: "{average}")
pick = best(scores, by: "mase", prior: {prior})
res = run(pick, train, horizon: {h}, level: [80, 95], intervals: "conformal", windows: {windows})
write(evaluate(res, test, season: {season}), "{out}/pick.csv")
every = run(g, train, horizon: {h}, level: [80, 95], intervals: "conformal", cv: folds)
write(summary(evaluate(every, test, season: {season})), "{out}/every.csv")
write(pick, "{out}/wins.csv")
write(evaluate(calibrate(res, folds, scores: "series"), test, season: {season}), "{out}/pick_series.csv")
write(evaluate(calibrate(res, folds, scores: "pooled"), test, season: {season}), "{out}/pick_pooled.csv")
write(evaluate(calibrate(res, folds, scores: "profile"), test, season: {season}), "{out}/pick_profile.csv")
write(summary(evaluate(calibrate(every, folds, scores: "series"), test, season: {season})), "{out}/every_series.csv")
write(summary(evaluate(calibrate(every, folds, scores: "pooled"), test, season: {season})), "{out}/every_pooled.csv")
write(summary(evaluate(calibrate(every, folds, scores: "profile"), test, season: {season})), "{out}/every_profile.csv")
"""
        wall, p = run_captured(script)
        # The runs in order: the cross-validation, the choice's run, the run of every model.
        # fcast prints "2.40s", "4m54s" or "1h2m3s".
        stages = [sum(float(v or 0) * k for v, k in zip(m, (3600, 60, 1)))
                  for m in re.findall(r"run: \d+ tasks in (?:(\d+)h)?(?:(\d+)m)?([0-9.]+)s", p.stderr)]
        notes = [l for l in p.stdout.splitlines() if l.startswith("note: intervals")]
        rows = []
        with open(f"{out}/every.csv") as f:
            for r in csv.DictReader(f):
                rows.append([r["model"], r["series"], f"{float(r['mase']):.4f}", f"{float(r['smape']):.3f}",
                             f"{float(r['cover80']):.3f}", f"{float(r['cover95']):.3f}"])
        def mean(key, name="pick"):
            with open(f"{out}/{name}.csv") as f:
                v = [float(r[key]) for r in csv.DictReader(f) if r[key] not in ("", "nan")]
            return sum(v) / len(v)
        picks = list(csv.DictReader(open(f"{out}/pick.csv")))
        rows.append(["CV choice per series", len(picks), f"{mean('mase'):.4f}", f"{mean('smape'):.3f}",
                     f"{mean('cover80'):.3f}", f"{mean('cover95'):.3f}"])
        with open(f"{out}/wins.csv") as f:
            wins = {}
            for r in csv.DictReader(f):
                wins[r["model"]] = wins.get(r["model"], 0) + 1
        table(f"CV choice on {label} ({'first ' + str(limit) if limit else 'all'} series, h {h}, season {season}, {windows} windows, "
              f"prior {prior}, {average} mean over windows{', with global_xgb and its combinations' if with_global else ''}; conformal intervals; {wall:.0f} s wall; best peer MASE {peers[label]})",
              ["model", "series", "MASE", "sMAPE", "cover80", "cover95"], rows)
        print("wins: " + ", ".join(f"{k} {v}" for k, v in sorted(wins.items(), key=lambda kv: -kv[1])))
        # Hold-out coverage 80 / 95 of the same forecasts under each way of gathering conformal scores.
        cover = {"CV choice per series": {m: f"{mean('cover80', 'pick' + x):.3f} / {mean('cover95', 'pick' + x):.3f}"
                                          for m, x in [("recent", ""), ("profile", "_profile"), ("series", "_series"), ("pooled", "_pooled")]}}
        for m, name in [("recent", "every"), ("profile", "every_profile"), ("series", "every_series"), ("pooled", "every_pooled")]:
            with open(f"{out}/{name}.csv") as f:
                for r in csv.DictReader(f):
                    cover.setdefault(r["model"], {})[m] = f"{float(r['cover80']):.3f} / {float(r['cover95']):.3f}"
        table(f"conformal coverage 80 / 95 on the {label} hold-out by scores (recent: the default)",
              ["model", "recent", "profile", "series", "pooled"],
              [[k, v["recent"], v["profile"], v["series"], v["pooled"]] for k, v in cover.items()])
        print("task seconds (wall of each run: cv, choice, every model): " + ", ".join(f"{x:.1f}" for x in stages))
        for n in notes:
            print(n)

def bench_refit():
    """cv(refit:): one cross-validation of auto_arima (FCAST_CV_ARIMA=0 leaves it out), ets and
    theta per refit setting (true, 2, false), 4 windows of the hold-out's length: wall time,
    the task seconds per model (fits, and forwards of the first fit over later windows) and
    the CV MASE. FCAST_CV_SETS=visnights (or employment) runs one set; FCAST_BENCH_LIMIT=N
    takes the first N series; FCAST_CV_WINDOWS=k other windows."""
    import csv
    limit = int(os.environ.get("FCAST_BENCH_LIMIT", "0"))
    arima = os.environ.get("FCAST_CV_ARIMA", "1") != "0"
    sets = os.environ.get("FCAST_CV_SETS", "visnights,employment").split(",")
    windows = int(os.environ.get("FCAST_CV_WINDOWS", "4"))
    for label, file, h, season in [("visnights", "visnights.csv", 8, 4), ("employment", "us_employment.csv", 24, 12)]:
        if label not in sets:
            continue
        path = os.path.join(ROOT, "examples/data", file)
        take = f"d = take(d, {limit})\n" if limit else ""
        models = ("auto_arima(), " if arima else "") + "ets(), theta()"
        rows = []
        for refit in ["true", "2", "false"]:
            out = tempfile.mkdtemp()
            script = f"""
d = load("{path}")
{take}folds = cv(grid({models}, season: {season}), d, horizon: {h}, windows: {windows}, refit: {refit})
write(summary(evaluate(folds)), "{out}/summary.csv")
"""
            wall, p = run_captured(script)
            with open(f"{out}/summary.csv") as f:
                for r in csv.DictReader(f):
                    rows.append([refit, f"{wall:.1f}", r["model"], r["failed"], f"{float(r['mase']):.4f}",
                                 f"{float(r['seconds']):.1f}"])
        table(f"cv(refit:) on {label} ({'first ' + str(limit) if limit else 'all'} series, h {h}, {windows} windows)",
              ["refit", "wall s", "model", "failed", "CV MASE", "task s"], rows)


def bench_fuzz():
    """Issue 18: one minute of scripts/fuzz (language and CSV loader) on the release binary:
    inputs tried, crashes, hangs and errors without a location (all must be 0)."""
    r = subprocess.run([sys.executable, os.path.join(ROOT, "scripts", "fuzz.py"), "--minutes", "1", "--binary", FCAST,
                        "--seed", "18", "--out", os.path.join(DATA, "fuzz-out")], capture_output=True, text=True)
    print("\nfuzz: " + (r.stdout.strip().splitlines() or ["no summary"])[-1])
    for line in r.stderr.strip().splitlines()[-5:]:
        print("  " + line)


def bench_global():
    """global_xgb: one XGBoost model over 10,000 generated series x 100 points (nthread 1 and 2)."""
    path = generated_panel(10_000, 100)
    rows = []
    for nthread in (1, 2):
        for calibration in (0, 24):
            script = f"""data = load("{path}")
train, test = split(data, last: 12)
res = run(global_xgb(rounds: 100, nthread: {nthread}, calibration: {calibration}), train, horizon: 12, workers: 1)
summary(evaluate(res, test))
"""
            wall, run_s, rss, out = run_script(script)
            m = re.search(r"global_xgb\s+(\d+)\s+(\d+)(.*)", out)
            mase = m.group(3).split()[3] if m else "?"
            rows.append((nthread, calibration, f"{wall:.1f}", f"{run_s:.1f}", f"{rss:.0f}", mase))
    table("global_xgb: 10,000 series x 100 points (88 training points each), 100 rounds, depth 6, horizon 12",
          ["nthread", "calibration", "wall s", "run s", "peak MiB", "MASE"], rows)
    print("run s: fit (one booster over all series; a second one on the held-out window for conformal intervals when")
    print("calibration > 0) plus the recursive forecasts of every series, as fcast reports the run.")

    # Employment: the same 9-trial search space tuned by ASHA and by the full grid on the two
    # years before the hold-out; each best refitted on train and scored on the last 24 months
    # (the PEERS.md method), next to global_xgb's defaults.
    rows = []
    for label, sched in [("asha(10, 270, 3)", "asha(min_rounds: 10, max_rounds: 270, reduction: 3)"),
                         ("grid (270 rounds)", '"grid", max_rounds: 270')]:
        script = f"""emp = load("examples/data/us_employment.csv")
train, test = split(emp, last: 24)
fit, valid = split(train, last: 24)
t = tune(global_xgb(eta: [0.05, 0.1, 0.3], max_depth: [4, 6, 8]), fit, valid: valid, scheduler: {sched}, season: 12)
show(t)
res = run(grid(t, global_xgb(), season: 12), train, horizon: 24)
summary(evaluate(res, test))
"""
        wall, _, _, out = run_script(script)
        spent = re.search(r"rounds: (\d+) of the full grid's (\d+)", out)
        best = re.search(r"best: trial (\d+), .*?\((.*)\), mase ([0-9.]+)", out)
        tuned = re.search(r"global_xgb_tuned\s+\d+\s+\d+(.*)", out)
        default = re.search(r"^global_xgb\s+\d+\s+\d+(.*)", out, re.M)
        rows.append((label, spent.group(1) if spent else "?", spent.group(2) if spent else "?",
                     best.group(2) if best else "?", best.group(3) if best else "?",
                     tuned.group(1).split()[3] if tuned else "?", default.group(1).split()[3] if default else "?",
                     f"{wall:.1f}"))
    table("global_xgb on employment (148 series): tuned on the 24 months before the hold-out, scored on the last 24",
          ["scheduler", "rounds", "grid rounds", "best", "valid MASE", "test MASE (tuned)", "test MASE (defaults)", "wall s"], rows)
    print("Best single peer (shared/PEERS.md): statsforecast AutoARIMA 0.5834; within 5%: <= 0.6126.")


SUITES = {"fuzz": bench_fuzz, "global": bench_global, "cv": bench_cv, "naive": bench_naive, "arima": bench_arima, "prophet": bench_prophet, "theta": bench_theta, "ets": bench_ets, "startup": bench_startup, "plot": bench_plot,
          "executors": bench_executors, "serve": bench_serve, "events": bench_events, "refit": bench_refit}

if __name__ == "__main__":
    wanted = sys.argv[1:] or list(SUITES)
    for name in wanted:
        if name not in SUITES:
            sys.exit(f"bench: unknown suite '{name}'; suites: {', '.join(SUITES)}")
        SUITES[name]()
