#!/usr/bin/env python3
"""A statsforecast model (AutoARIMA, AutoETS or AutoTheta) on a long-format CSV (unique_id,ds,y), one process.

Per series: train on all but the last H points, forecast H with an 80% interval, score
against the held-out points as shared/PEERS.md does (MASE scale = in-sample seasonal-naive
MAE, lag 1 if that is 0; series with a constant history left out; sMAPE; cover80).
Prints series/s, MASE, sMAPE, cover80 on one line.

Usage: bench/statsforecast_peer.py [CSV] [--model AutoARIMA|AutoETS|AutoTheta] [--season 12] [--h 24] [--limit N]
Creates bench/.venv-bench (pip install statsforecast==2.1.1) on first use.
"""
import argparse, os, subprocess, sys, time

HERE = os.path.dirname(os.path.abspath(__file__))
VENV = os.path.join(HERE, ".venv-bench")
PY = os.path.join(VENV, "bin", "python")

def ensure_venv():
    try:
        import statsforecast  # noqa: F401
        return
    except ImportError:
        pass
    if os.path.abspath(sys.executable) == os.path.abspath(PY):
        sys.exit("statsforecast is missing from " + VENV)
    if not os.path.exists(PY):
        subprocess.check_call([sys.executable, "-m", "venv", VENV])
        subprocess.check_call([PY, "-m", "pip", "install", "-q", "statsforecast==2.1.1"])
    os.execv(PY, [PY] + sys.argv)

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("csv", nargs="?", default=os.path.join(HERE, "../../shared/data/us_employment.csv"))
    ap.add_argument("--model", choices=["AutoARIMA", "AutoETS", "AutoTheta"], default="AutoARIMA")
    ap.add_argument("--season", type=int, default=12)
    ap.add_argument("--h", type=int, default=24)
    ap.add_argument("--limit", type=int, default=0)
    a = ap.parse_args()
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    os.environ.setdefault("NUMBA_NUM_THREADS", "1")
    ensure_venv()
    import numpy as np
    import pandas as pd
    import statsforecast.models
    Model = getattr(statsforecast.models, a.model)

    df = pd.read_csv(a.csv)
    ids = list(dict.fromkeys(df["unique_id"]))
    if a.limit:
        ids = ids[: a.limit]
    groups = {k: g["y"].to_numpy(dtype=float) for k, g in df.groupby("unique_id", sort=False)}
    # warm-up (numba compilation) outside the timing
    Model(season_length=a.season).fit(groups[ids[0]][: -a.h]).predict(h=a.h, level=[80])
    m, h = a.season, a.h
    mases, smapes, cov, tot, failed = [], [], 0, 0, 0
    t0 = time.time()
    for k in ids:
        y = groups[k]
        tr, te = y[:-h], y[-h:]
        try:
            fc = Model(season_length=m).fit(tr).predict(h=h, level=[80])
        except Exception as e:  # noqa: BLE001
            failed += 1
            print(k, "FAILED", e, file=sys.stderr)
            continue
        mean, lo, hi = fc["mean"], fc["lo-80"], fc["hi-80"]
        if np.all(tr == tr[0]):
            continue
        scale = np.mean(np.abs(tr[m:] - tr[:-m])) if len(tr) > m else 0.0
        if scale == 0:
            scale = np.mean(np.abs(tr[1:] - tr[:-1]))
        mases.append(np.mean(np.abs(te - mean)) / scale)
        smapes.append(np.mean(200 * np.abs(te - mean) / (np.abs(te) + np.abs(mean))))
        cov += int(np.sum((te >= lo) & (te <= hi)))
        tot += h
    dt = time.time() - t0
    print("statsforecast " + a.model + ": series=%d failed=%d MASE=%.4f sMAPE=%.3f cover80=%.3f seconds=%.2f series/s=%.3f"
          % (len(mases), failed, np.mean(mases), np.mean(smapes), cov / max(tot, 1), dt, len(ids) / dt))

if __name__ == "__main__":
    main()
