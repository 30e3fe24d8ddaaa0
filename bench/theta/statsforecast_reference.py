#!/usr/bin/env python3
"""Reference values for Tests/ThetaTests: statsforecast 2.1.1's auto_theta (and each model
fixed) on a few visnights and employment series, training on all but the last H points.
Prints Swift literals: series name, selected model, initial level, alpha, theta, mse,
decomposition and the first three forecasts.

Usage: .venv-theta/bin/python bench/theta/statsforecast_reference.py
"""
import numpy as np, pandas as pd
from statsforecast.theta import auto_theta, forecast_theta

CASES = [("visnights", "NSWMetro", 4, 8), ("visnights", "QLDMetro", 4, 8), ("visnights", "VICMetro", 4, 8), ("visnights", "WAUInner", 4, 8),
         ("us_employment", "CEU0500000001", 12, 24), ("us_employment", "CEU1000000001", 12, 24)]
for data, sid, m, h in CASES:
    df = pd.read_csv(f"examples/data/{data}.csv")
    y = df[df.unique_id == sid].y.to_numpy(float)[:-h]
    for model in ([None, "STM", "OTM", "DSTM", "DOTM"] if sid == "NSWMetro" else [None]):
        r = auto_theta(y, m, model=model)
        f = forecast_theta(r, 3)["mean"]
        p = r["par"]
        print(f'("{data}", "{sid}", {m}, {h}, {"nil" if model is None else "." + model}, .{r["modeltype"]}, '
              f'{float(p["initial_smoothed"])!r}, {float(p["alpha"])!r}, {float(p["theta"])!r}, {r["mse"]!r}, '
              f'"{r.get("decomposition_type", "none") if r.get("decompose") else "none"}", [{", ".join(repr(float(v)) for v in f)}]),')
