#!/usr/bin/env python3
"""Reference values for Tests/EtsTests from statsforecast 2.1.1 (AutoETS and fixed models).
Run with the project venv: .venv-ets/bin/python bench/ets/statsforecast_reference.py"""
import os, numpy as np, pandas as pd
from statsforecast.models import AutoETS
ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "../..")
def series(path, uid, last=None):
    df = pd.read_csv(os.path.join(ROOT, path))
    y = df[df.unique_id == uid].y.to_numpy(float)
    return y[-last:] if last else y
cases = [("visnights NSWMetro", series("examples/data/visnights.csv", "NSWMetro"), 4, "ZZZ"),
         ("visnights NSWMetro ANN", series("examples/data/visnights.csv", "NSWMetro"), 4, "ANN"),
         ("visnights NSWMetro AAN", series("examples/data/visnights.csv", "NSWMetro"), 4, "AAN"),
         ("visnights NSWMetro MAM", series("examples/data/visnights.csv", "NSWMetro"), 4, "MAM"),
         ("employment CEU0500000001 last 120", series("examples/data/us_employment.csv", "CEU0500000001", 120), 12, "ZZZ"),
         ("employment CEU0500000001 last 120 AAA", series("examples/data/us_employment.csv", "CEU0500000001", 120), 12, "AAA")]
np.set_printoptions(precision=10)
for name, y, m, model in cases:
    f = AutoETS(season_length=m, model=model).fit(y)
    md = f.model_
    fc = f.predict(h=4, level=[80])
    print(name, model, "->", md["method"], "loglik", md["loglik"], "aicc", md["aicc"], "aic", md["aic"])
    print("  par", dict(zip(["alpha", "beta", "gamma", "phi"], md["par"][:4])) if False else md["par"])
    print("  mean", fc["mean"], "lo80", fc["lo-80"], "hi80", fc["hi-80"], "sigma2", md["sigma2"])
