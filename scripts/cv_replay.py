#!/usr/bin/env python3
"""Replays the issue-13 flow offline from fcast's own forecasts, to compare choice rules and
ways of gathering conformal scores without refitting (docs/cv.md has the figures).

    scripts/cv_replay.py visnights|employment [--dir DIR]

Runs fcast once (FCAST_BIN, default .build/release/fcast) to write the cross-validation of
auto_arima, ets, theta and snaive on the training part (4 windows of the hold-out's length)
and their hold-out forecasts to DIR (kept: a second call reuses them), then prints the
hold-out MASE (PEERS.md protocol) of each single model, of combinations, of choosing per
series by CV MASE under several rules, and the hold-out coverage / scaled Winkler score of
the conformal intervals of the CV choice and of each model under each way of gathering the
scores. Needs numpy. Combinations are recomputed here as the mean/median of the members'
forecasts, which is what combine() does."""
import csv, math, os, subprocess, sys
from collections import defaultdict
import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SETS = {"visnights": ("visnights", 8, 4), "employment": ("us_employment", 24, 12)}
SINGLES = ["auto_arima", "ets", "theta", "snaive"]
# --global adds the global model (global_xgb) to the candidates and to the combinations' pools.
GLOBAL = "--global" in sys.argv
if GLOBAL:
    SINGLES = SINGLES + ["global_xgb"]
label = sys.argv[1] if len(sys.argv) > 1 else "visnights"
out = sys.argv[sys.argv.index("--dir") + 1] if "--dir" in sys.argv else f"/tmp/fcast-cv-replay-{label}{'-global' if GLOBAL else ''}"
file, H, M = SETS[label]
data = os.path.join(ROOT, "examples/data", file + ".csv")
os.makedirs(out, exist_ok=True)
if not os.path.exists(f"{out}/run.csv"):
    script = f"""d = load("{data}")
train, test = split(d, last: {H})
g = grid({", ".join(m + "()" for m in SINGLES)}, season: {M})
write(cv(g, train, horizon: {H}, windows: 4), "{out}/cv.csv")
write(run(g, train, horizon: {H}), "{out}/run.csv")
"""
    with open(f"{out}/export.fc", "w") as f:
        f.write(script)
    subprocess.run([os.environ.get("FCAST_BIN", os.path.join(ROOT, ".build/release/fcast")), "run", f"{out}/export.fc"], check=True)

series = defaultdict(list)
with open(data) as f:
    for r in csv.DictReader(f):
        series[r["unique_id"]].append((r["ds"], float(r["y"])))
ids = list(series)
Y = {i: np.array([v for _, v in series[i]]) for i in ids}
DS = {i: [d for d, _ in series[i]] for i in ids}
TRAIN, TEST = {i: Y[i][:-H] for i in ids}, {i: Y[i][-H:] for i in ids}


def scale(x):
    """In-sample seasonal naive MAE (lag 1 where that is 0), None for a constant history."""
    def lag(l):
        d = np.abs(x[l:] - x[:-l])
        return d.mean() if len(d) else math.nan
    if 1 < M < len(x) and lag(M) > 0:
        return lag(M)
    return lag(1) if lag(1) > 0 else None


raw = defaultdict(lambda: defaultdict(dict))
with open(f"{out}/cv.csv") as f:
    for r in csv.DictReader(f):
        w = raw[r["unique_id"]][r["cutoff"]]
        w.setdefault("y", []).append(float(r["y"]))
        for m in SINGLES:
            w.setdefault(m, []).append(float(r[m]))
CV = {i: [dict(train=Y[i][:DS[i].index(c) + 1], y=np.array(raw[i][c]["y"]), f={m: np.array(raw[i][c][m]) for m in SINGLES})
          for c in sorted(raw[i])] for i in ids}
HO = defaultdict(dict)
with open(f"{out}/run.csv") as f:
    for r in csv.DictReader(f):
        HO[r["unique_id"]].setdefault(r["model"], []).append(float(r["yhat"]))
COMB = {"comb3": (["ets", "theta", "auto_arima"], np.mean), "median3": (["ets", "theta", "auto_arima"], np.median),
        "comb4": (SINGLES[:4], np.mean), "median4": (SINGLES[:4], np.median)}
if GLOBAL:
    COMB.update({"comb3g": (["ets", "auto_arima", "global_xgb"], np.mean), "comb4g": (["ets", "theta", "auto_arima", "global_xgb"], np.mean),
                 "median4g": (["ets", "theta", "auto_arima", "global_xgb"], np.median)})


def forecasts(fs):
    fs = {m: np.asarray(v) for m, v in fs.items()}
    for c, (members, fn) in COMB.items():
        fs[c] = fn(np.array([fs[m] for m in members]), axis=0)
    return fs


HOF = {i: forecasts(HO[i]) for i in ids}
CVF = {i: [forecasts(w["f"]) for w in CV[i]] for i in ids}
MODELS = list(HOF[ids[0]])
# Per series x model: MASE of each window (scaled on the window's training part).
WM = {i: {m: np.array([np.mean(np.abs(w["y"] - CVF[i][k][m])) / (scale(w["train"]) or math.nan) for k, w in enumerate(CV[i])])
          for m in MODELS} for i in ids}


def holdout(picks):
    v = [np.mean(np.abs(TEST[i] - HOF[i][picks[i]])) / scale(TRAIN[i]) for i in ids if scale(TRAIN[i])]
    return np.mean(v)


def choose(cands, key=np.nanmean, prior=0.0, prefer=None, margin=0.0):
    overall = {m: np.nanmean([key(WM[i][m]) for i in ids]) for m in cands}
    picks = {}
    for i in ids:
        sc = {m: key(WM[i][m]) for m in cands}
        if prior:
            sc = {m: (4 * sc[m] + prior * overall[m]) / (4 + prior) for m in cands}
        best = min(cands, key=lambda m: sc[m])
        if prefer and sc[best] >= sc[prefer] * (1 - margin):
            best = prefer
        picks[i] = best
    return picks


print(f"{label}: {len(ids)} series, horizon {H}, season {M}, 4 windows")
print("hold-out MASE, single models and combinations: " + ", ".join(f"{m} {holdout({i: m for i in ids}):.4f}" for m in MODELS))
C5 = SINGLES + ["comb3"]
recency = np.array([0.5 ** (3 - k) for k in range(4)])
rules = [("the flow: lowest CV MASE (mean over windows)", choose(C5)),
         ("prior 1", choose(C5, prior=1)), ("prior 2", choose(C5, prior=2)), ("prior 4", choose(C5, prior=4)),
         ("comb3 unless a single model is 2% better", choose(C5, prefer="comb3", margin=0.02)),
         ("comb3 unless a single model is 5% better", choose(C5, prefer="comb3", margin=0.05)),
         ("comb3 unless a single model is 10% better", choose(C5, prefer="comb3", margin=0.10)),
         ("median of the window MASEs", choose(C5, key=np.nanmedian)),
         ("root mean square of the window MASEs", choose(C5, key=lambda a: np.sqrt(np.nanmean(a ** 2)))),
         ("recency-weighted (0.5 per window back)", choose(C5, key=lambda a: np.nansum(a * recency) / recency.sum())),
         ("last window only", choose(C5, key=lambda a: a[-1])),
         ("among the 4 and median3", choose(SINGLES + ["median3"])), ("among the 4 and comb4", choose(SINGLES + ["comb4"])),
         ("among the 4 and median4", choose(SINGLES + ["median4"]))]
if GLOBAL:
    rules += [("among the 5 singles and comb3", choose(SINGLES + ["comb3"])),
              ("among the 5 singles, comb3 and comb3g", choose(SINGLES + ["comb3", "comb3g"])),
              ("among the 5 singles, comb3 and comb4g", choose(SINGLES + ["comb3", "comb4g"])),
              ("among the 5 singles, comb3, comb3g, comb4g, median4g", choose(SINGLES + ["comb3", "comb3g", "comb4g", "median4g"])),
              ("all 5 + 4 combs, geometric mean of window MASEs", choose(SINGLES + ["comb3", "comb3g", "comb4g", "median4g"], key=lambda a: np.exp(np.nanmean(np.log(a))))),
              ("5 singles + comb3 + comb3g, geometric mean", choose(SINGLES + ["comb3", "comb3g"], key=lambda a: np.exp(np.nanmean(np.log(a))))),
              ("all 5 + 4 combs, median of window MASEs", choose(SINGLES + ["comb3", "comb3g", "comb4g", "median4g"], key=np.nanmedian)),
              ("all 5 + 4 combs, prior 2", choose(SINGLES + ["comb3", "comb3g", "comb4g", "median4g"], prior=2)),
              ("all 5 + 4 combs, geometric, prior 2", choose(SINGLES + ["comb3", "comb3g", "comb4g", "median4g"], key=lambda a: np.exp(np.nanmean(np.log(a))), prior=2))]
    for m in SINGLES + ["comb3", "comb3g", "comb4g", "median4g"]:
        print(f"  CV window MASE {m:12s} " + " ".join(f"{x:.3f}" for x in np.nanmean([WM[i][m] for i in ids], axis=0)))


def pool_top(cands, k, fn=np.mean):
    """Forecast pooling (Kourentzes, Barrow & Petropoulos 2019): per series the mean of the k
    candidates best on CV, as a new forecast; returns the hold-out MASE."""
    v = []
    for i in ids:
        if not scale(TRAIN[i]):
            continue
        top = sorted(cands, key=lambda m: np.nanmean(WM[i][m]))[:k]
        f = fn(np.array([HOF[i][m] for m in top]), axis=0)
        v.append(np.mean(np.abs(TEST[i] - f)) / scale(TRAIN[i]))
    return np.mean(v)


print("\nforecast pooling: mean of the k best singles on CV per series -> hold-out MASE")
for k in (2, 3):
    print(f"  top {k} of {len(SINGLES)} singles (mean / median): {pool_top(SINGLES, k):.4f} / {pool_top(SINGLES, k, np.median):.4f}")
print("\nchoice per series on CV (candidates: the 4 singles and comb3 unless said) -> hold-out MASE")
for name, picks in rules:
    print(f"  {name:46s} {holdout(picks):.4f}")
print(f"  {'oracle (best candidate per series on the hold-out)':46s} "
      f"{np.mean([min(np.mean(np.abs(TEST[i] - HOF[i][m])) / scale(TRAIN[i]) for m in C5) for i in ids if scale(TRAIN[i])]):.4f}")


def rank(n, level):
    return math.ceil((n + 1) * level - 1e-9)


def kth(pool, level):
    pool = sorted(pool)
    return pool[min(rank(len(pool), level), len(pool)) - 1]


def neighbours(scores, t, level):
    pool, lo, hi = list(scores[t]), t, t
    while rank(len(pool), level) > len(pool) and (lo > 0 or hi < H - 1):
        if hi < H - 1:
            hi += 1; pool += list(scores[hi])
        if rank(len(pool), level) > len(pool) and lo > 0:
            lo -= 1; pool += list(scores[lo])
    return kth(pool, level)


def radii(m, method, level):
    E = {i: np.array([np.abs(w["y"] - CVF[i][k][m]) for k, w in enumerate(CV[i])]) for i in ids}
    S = {i: [scale(w["train"]) for w in CV[i]] for i in ids}
    g = np.mean([E[i][k] / S[i][k] for i in ids for k in range(4) if S[i][k]], axis=0)
    out = {}
    for i in ids:
        if method == "series":
            out[i] = np.array([neighbours(E[i].T, t, level) for t in range(H)])
        elif method == "profile":
            own = rank(4, level) <= 4
            out[i] = np.max(E[i], axis=0) if own else kth((E[i] / g).ravel(), level) * g
        elif method in ("recent", "recent2"):
            # each window's errors divided by D_w, the model's mean scaled error on window w over
            # every series and step; the radius is the quantile of those times the newest
            # window's D ("recent") or the mean D of the newest two ("recent2")
            D = np.array([np.nanmean([E[j][k] / S[j][k] for j in ids if S[j][k]]) for k in range(4)])
            own = rank(4, level) <= 4
            N = E[i] / D[:, None]
            future = D[-1] if method == "recent" else D[-2:].mean()
            out[i] = (np.max(N, axis=0) if own else kth((N / g).ravel(), level) * g) * future
        elif method == "pooled":
            pool = [[E[j][k, t] / S[j][k] for j in ids for k in range(4) if S[j][k]] for t in range(H)]
            out[i] = np.array([neighbours(pool, t, level) for t in range(H)]) * scale(TRAIN[i])
    return out


def intervals(picks, method):
    """Coverage and Winkler score / series scale at 80 and 95 (95% radius at least the 80% one)."""
    r80 = {m: radii(m, method, 0.8) for m in set(picks.values())}
    r95 = {m: radii(m, method, 0.95) for m in set(picks.values())}
    res = []
    for lv, R in ((0.8, r80), (0.95, r95)):
        inside = total = 0; wk = []
        for i in ids:
            m = picks[i]
            r = R[m][i] if lv == 0.8 else np.maximum(R[m][i], r80[m][i])
            e = np.abs(TEST[i] - HOF[i][m])
            inside += np.sum(e <= r); total += H
            wk.append(np.mean(2 * r + 2 / (1 - lv) * np.maximum(e - r, 0)) / scale(TRAIN[i]))
        res.append((inside / total, np.mean(wk)))
    return res


print("\nconformal intervals on the hold-out: cover80 / cover95 (Winkler80 / Winkler95, each series' divided by its scale)")
flow = rules[0][1]
choices = [("CV choice", flow)]
if GLOBAL:
    choices.append(("choice B", rules[-1][1]))   # all 5 + 4 combs, geometric, prior 2
for name, picks in choices + [(m, {i: m for i in ids}) for m in C5]:
    cells = []
    for method in ("profile", "series", "pooled", "recent", "recent2"):
        (c80, w80), (c95, w95) = intervals(picks, method)
        cells.append(f"{method} {c80:.3f}/{c95:.3f} ({w80:.2f}/{w95:.2f})")
    print(f"  {name:11s} " + "  ".join(cells))
