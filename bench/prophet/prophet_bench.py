#!/usr/bin/env python3
"""Prophet 1.5 on a long-format CSV (unique_id,ds,y), one process, one series at a time.

Per series: train on all but the last H points, fit Prophet with the given mode and
interval width (everything else at Prophet's defaults: yearly/weekly/daily seasonality
switched on from the data as Prophet does), forecast H, and score against the held-out
points as shared/PEERS.md does: MASE scale = in-sample MAE of the seasonal naive forecast
(lag = season, lag 1 when that MAE is 0); series with a constant history are left out;
sMAPE; cover80 = share of held-out points inside the interval.

Prints one summary line, and with --per-series one line per series:
  id fit_seconds predict_seconds MAE MASE
With --out, writes the forecasts: unique_id,ds,yhat,lo,hi.

Usage: bench/prophet/prophet_bench.py CSV --mode additive --h 24 --season 12 [--limit N]
Needs .venv-bench at the repo root with prophet installed
(python3 -m venv .venv-bench && .venv-bench/bin/pip install prophet).
"""
import argparse, logging, os, sys, time, warnings

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PY = os.path.join(ROOT, ".venv-bench", "bin", "python")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("csv")
    ap.add_argument("--mode", default="additive", choices=["additive", "multiplicative"])
    ap.add_argument("--h", type=int, default=24)
    ap.add_argument("--season", type=int, default=12)
    ap.add_argument("--interval", type=float, default=0.8)
    ap.add_argument("--holidays", default="", help="CSV in Prophet's holidays format")
    ap.add_argument("--limit", type=int, default=0)
    ap.add_argument("--cap-mult", type=float, default=0.0,
                    help="logistic growth with cap = this times the training maximum of each series")
    ap.add_argument("--out", default="")
    ap.add_argument("--per-series", action="store_true")
    ap.add_argument("--json", action="store_true", help="end with a JSON line (for scripts/bench.py)")
    a = ap.parse_args()
    try:
        import prophet  # noqa: F401
    except ImportError:
        if os.path.abspath(sys.executable) != os.path.abspath(PY) and os.path.exists(PY):
            os.execv(PY, [PY] + sys.argv)
        sys.exit("prophet is not installed: python3 -m venv .venv-bench && .venv-bench/bin/pip install prophet")
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    warnings.simplefilter("ignore")
    logging.getLogger("cmdstanpy").disabled = True
    logging.getLogger("prophet").setLevel(logging.ERROR)
    import numpy as np
    import pandas as pd
    from prophet import Prophet

    df = pd.read_csv(a.csv, parse_dates=["ds"])
    holidays = pd.read_csv(a.holidays, parse_dates=["ds"]) if a.holidays else None
    ids = list(dict.fromkeys(df["unique_id"]))
    if a.limit:
        ids = ids[: a.limit]
    groups = {k: g for k, g in df.groupby("unique_id", sort=False)}
    h, m = a.h, a.season
    maes, mases, smapes, cov, tot = [], [], [], 0, 0
    fit_s = pred_s = 0.0
    out_rows = []
    for k in ids:
        g = groups[k].sort_values("ds")
        tr, te = g.iloc[:-h][["ds", "y"]], g.iloc[-h:]
        t0 = time.perf_counter()
        if a.cap_mult > 0:
            tr = tr.assign(cap=a.cap_mult * tr["y"].max())
            te = te.assign(cap=a.cap_mult * tr["y"].max())
            model = Prophet(growth="logistic", seasonality_mode=a.mode, interval_width=a.interval, holidays=holidays)
        else:
            model = Prophet(seasonality_mode=a.mode, interval_width=a.interval, holidays=holidays)
        model.fit(tr)
        t1 = time.perf_counter()
        fc = model.predict(te[["ds", "cap"]] if a.cap_mult > 0 else te[["ds"]])
        t2 = time.perf_counter()
        fit_s += t1 - t0
        pred_s += t2 - t1
        mean, lo, hi = fc["yhat"].to_numpy(), fc["yhat_lower"].to_numpy(), fc["yhat_upper"].to_numpy()
        y, yt = tr["y"].to_numpy(float), te["y"].to_numpy(float)
        if a.out:
            for d, f, l, u in zip(te["ds"], mean, lo, hi):
                out_rows.append(f"{k},{d.date() if d.hour == 0 and d.minute == 0 else d},{f:.6f},{l:.6f},{u:.6f}")
        if np.all(y == y[0]):
            continue
        scale = np.mean(np.abs(y[m:] - y[:-m])) if len(y) > m else 0.0
        if scale == 0:
            scale = np.mean(np.abs(y[1:] - y[:-1]))
        mae = np.mean(np.abs(yt - mean))
        maes.append(mae)
        mases.append(mae / scale)
        smapes.append(np.mean(200 * np.abs(yt - mean) / (np.abs(yt) + np.abs(mean))))
        cov += int(np.sum((yt >= lo) & (yt <= hi)))
        tot += h
        if a.per_series:
            print(f"{k} {t1 - t0:.4f} {t2 - t1:.4f} {mae:.4f} {mae / scale:.4f}", flush=True)
    if a.out:
        with open(a.out, "w") as f:
            f.write("unique_id,ds,yhat,lo,hi\n" + "\n".join(out_rows) + "\n")
    n = len(ids)
    print(f"prophet {a.mode}: series={n} MAE={np.mean(maes):.4f} MASE={np.mean(mases):.4f} "
          f"sMAPE={np.mean(smapes):.3f} cover{int(round(100 * a.interval))}={cov / max(tot, 1):.3f} "
          f"fit_s_per_series={fit_s / n:.4f} predict_s_per_series={pred_s / n:.4f} "
          f"total_s_per_series={(fit_s + pred_s) / n:.4f}", flush=True)
    if a.json:
        import json
        print(json.dumps({"series": n, "mae": float(np.mean(maes)), "mase": float(np.mean(mases)),
                          "smape": float(np.mean(smapes)), "cover": cov / max(tot, 1),
                          "fit_s_per_series": fit_s / n, "predict_s_per_series": pred_s / n,
                          "seconds": fit_s + pred_s}))


if __name__ == "__main__":
    main()
