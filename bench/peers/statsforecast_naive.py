"""The naive family in statsforecast, timed the way scripts/bench times fcast.

Usage: python statsforecast_naive.py DATA.csv HORIZON SEASON N_JOBS
Prints one JSON line: {"series": n, "seconds": fit+forecast seconds, "load_seconds": ...}.
A warm-up on a few series runs first, so one-time compilation is not counted.
"""
import json
import sys
import time

import pandas as pd
from statsforecast import StatsForecast
from statsforecast.models import HistoricAverage, Naive, RandomWalkWithDrift, SeasonalNaive

path, h, season, n_jobs = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
t0 = time.perf_counter()
df = pd.read_csv(path, parse_dates=["ds"])
load_seconds = time.perf_counter() - t0


def models():
    return [Naive(), SeasonalNaive(season_length=season), HistoricAverage(), RandomWalkWithDrift()]


warm = df[df["unique_id"].isin(df["unique_id"].unique()[:5])]
StatsForecast(models=models(), freq="MS", n_jobs=1).forecast(df=warm, h=h, level=[80, 95])

t0 = time.perf_counter()
StatsForecast(models=models(), freq="MS", n_jobs=n_jobs).forecast(df=df, h=h, level=[80, 95])
seconds = time.perf_counter() - t0
print(json.dumps({"series": int(df["unique_id"].nunique()), "seconds": seconds, "load_seconds": load_seconds}))
