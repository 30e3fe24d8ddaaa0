# Prophet 1.5.0 reference for fcast's prophet with regressors (add_regressor).
# python3 -m venv /tmp/pvenv && /tmp/pvenv/bin/pip install prophet==1.5.0
import pandas as pd, numpy as np, sys
from prophet import Prophet
import logging; logging.getLogger("cmdstanpy").setLevel(logging.WARNING)
hist = pd.read_csv("consumption.csv", parse_dates=["ds"])
fut = pd.read_csv("consumption_future.csv", parse_dates=["ds"])
for sid in ["north", "south"]:
    h = hist[hist.unique_id == sid][["ds", "y", "income", "promo"]]
    f = fut[fut.unique_id == sid][["ds", "income", "promo"]]
    m = Prophet()
    m.add_regressor("income"); m.add_regressor("promo")
    m.fit(h)
    fc = m.predict(f)
    ins = m.predict(h)
    print(sid, "regressors", {k: (v["mu"], v["std"]) for k, v in m.extra_regressors.items()})
    print(sid, "beta_income_promo", m.params["beta"][0][-2:].tolist(), "k", m.params["k"][0][0], "m", m.params["m"][0][0])
    print(sid, "yhat_future", ", ".join("%.6f" % v for v in fc.yhat))
    print(sid, "yhat_insample_first4", ", ".join("%.6f" % v for v in ins.yhat[:4]))
    print(sid, "income_effect_future", ", ".join("%.6f" % v for v in fc.income))
