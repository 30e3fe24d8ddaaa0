#!/usr/bin/env python3
"""Prophet 1.5's MAP parameters per series, as JSON lines, to compare optima with fcast's.

Per series (training part: all but the last H points): unique_id, k, m, delta, sigma_obs,
beta, and for checking the design: y_scale, changepoints_t. fcast's ProphetBench
(`PARAMS=file`) evaluates its own log posterior at these parameters and at its own fit.

Usage: prophet_params.py CSV --mode additive --h 24 [--limit N] > params.jsonl
"""
import argparse, json, logging, os, sys, warnings

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PY = os.path.join(ROOT, ".venv-bench", "bin", "python")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("csv")
    ap.add_argument("--mode", default="additive")
    ap.add_argument("--h", type=int, default=24)
    ap.add_argument("--limit", type=int, default=0)
    a = ap.parse_args()
    try:
        import prophet  # noqa: F401
    except ImportError:
        if os.path.abspath(sys.executable) != os.path.abspath(PY) and os.path.exists(PY):
            os.execv(PY, [PY] + sys.argv)
        sys.exit("prophet is not installed in .venv-bench")
    warnings.simplefilter("ignore")
    logging.getLogger("cmdstanpy").disabled = True
    logging.getLogger("prophet").setLevel(logging.ERROR)
    import pandas as pd
    from prophet import Prophet

    df = pd.read_csv(a.csv, parse_dates=["ds"])
    ids = list(dict.fromkeys(df["unique_id"]))[: a.limit or None]
    for k, g in df.groupby("unique_id", sort=False):
        if k not in ids:
            continue
        tr = g.sort_values("ds").iloc[:-a.h][["ds", "y"]]
        m = Prophet(seasonality_mode=a.mode).fit(tr)
        p = m.params
        print(json.dumps({"unique_id": k, "k": float(p["k"][0, 0]), "m": float(p["m"][0, 0]),
                          "delta": [float(x) for x in p["delta"][0]], "sigma_obs": float(p["sigma_obs"][0, 0]),
                          "beta": [float(x) for x in p["beta"][0]], "y_scale": float(m.y_scale),
                          "changepoints_t": [float(x) for x in m.changepoints_t]}), flush=True)


if __name__ == "__main__":
    main()
