#!/usr/bin/python3
"""Scores every tool's forecasts of the forecasting benchmark the same way and prints the table.

Per (group, series, fold, tool, method), on the test steps whose actual value is present (gaps and
outage minutes are left out):
  MASE     mean |actual - mean forecast| / scale
  pinball  mean over test steps and the quantiles 0.025, 0.1, 0.5, 0.9, 0.975 of the pinball loss,
           / scale (the 0.5 quantile is the tool's median when it gives one, else its mean)
  coverage share of actual values inside [q0.1, q0.9] (80 %) and [q0.025, q0.975] (95 %)
  seconds  fit + forecast time as the tool's runner measured it
scale = in-sample MAE of the seasonal naive forecast on the training window (season = one day in
steps when the window holds at least two days, else 1 step), over pairs of present values.

Per group and method: geometric mean of MASE over (series, fold), arithmetic mean of pinball,
coverage pooled over all scored test steps, median time, and "vs best": the geometric mean, over
the (series, fold) both ran, of this method's MASE / the best peer's MASE (the best peer is the R or
statsmodels method with the lowest geometric-mean MASE among those that ran on every split of the
group).

Usage: score.py OUT GROUPS   (GROUPS: comma-separated group names). Writes OUT/scores.csv.
"""

import glob
import os
import sys

import numpy as np
import pandas as pd

QS = [0.025, 0.1, 0.5, 0.9, 0.975]
PEERS = ("R", "statsmodels")
# Peers' methods that only repeat the last day / last value: not "comparable" for the speed line.
TRIVIAL = {"naive", "snaive"}
SPEED_GROUP = "nasa/1m/h=1d"
TARGET_RATIO = 0.95
TARGET_MS = 100.0
TARGET_SPEEDUP = 20.0


def fmt_time(s):
    if not np.isfinite(s):
        return "-"
    return f"{s * 1000:.0f} ms" if s < 1 else f"{s:.2f} s"


def fmt_ratio(r):
    return f"{r:.0f}x" if r >= 10 else f"{r:.1f}x"


def gmean(v):
    v = np.maximum(np.asarray(v, float), 1e-12)
    return float(np.exp(np.mean(np.log(v)))) if len(v) else float("nan")


def in_sample_scale(train, daily):
    m = daily if len(train) >= 2 * daily else 1
    for lag in (m, 1):
        d = np.abs(train[lag:] - train[:-lag])
        d = d[np.isfinite(d)]
        if len(d) and d.mean() > 0:
            return float(d.mean()), lag
    return float("nan"), 0


def load_results(out, selected):
    fcs, tms = [], []
    for path in sorted(glob.glob(os.path.join(out, "results", "*.csv"))):
        df = pd.read_csv(path)
        df = df[df.group.isin(selected)]
        (tms if path.endswith("_time.csv") else fcs).append(df)
    if not fcs:
        sys.exit(f"score.py: no results under {out}/results")
    return pd.concat(fcs, ignore_index=True), pd.concat(tms, ignore_index=True)


def score_splits(out, groups, splits, fc, tm):
    rows, notes = [], []
    series_cache = {}
    times = tm.set_index(["group", "series", "fold", "tool", "method"])["seconds"].sort_index()
    dup = times.index.duplicated()
    if dup.any():
        sys.exit(f"score.py: {dup.sum()} forecasts appear twice in {out}/results (stale results?), e.g. "
                 f"{times.index[dup][0]}")
    fc_groups = fc.groupby(["group", "series", "fold"])
    for g in groups.itertuples():
        for sp in splits[(splits.trace == g.trace) & (splits.step == g.step)].itertuples():
            key = (g.trace, g.step, sp.series)
            if key not in series_cache:
                series_cache[key] = pd.read_csv(os.path.join(
                    out, "series", f"{g.trace}_{g.step}", f"{sp.series}.csv"))["value"].to_numpy(float)
            values = series_cache[key]
            train = values[sp.train_start:sp.origin]
            actual = values[sp.origin:sp.origin + g.horizon]
            scale, lag = in_sample_scale(train, sp.daily)
            if not np.isfinite(scale):
                notes.append(f"{g.group} {sp.series} fold {sp.fold}: constant training window, not scored")
                continue
            try:
                sub = fc_groups.get_group((g.group, sp.series, sp.fold))
            except KeyError:
                continue
            ok = np.isfinite(actual)
            for (tool, method), f in sub.groupby(["tool", "method"]):
                f = f.sort_values("k")
                if len(f) != g.horizon:
                    notes.append(f"{tool} {method} {g.group} {sp.series} fold {sp.fold}: {len(f)} steps, "
                                 f"expected {g.horizon}; not scored")
                    continue
                mean = f["mean"].to_numpy(float)
                qv = {q: f[f"q{q:g}"].to_numpy(float) for q in QS}
                if not np.all(np.isfinite(qv[0.5])):
                    qv[0.5] = mean
                if not all(np.all(np.isfinite(v[ok])) for v in list(qv.values()) + [mean]):
                    notes.append(f"{tool} {method} {g.group} {sp.series} fold {sp.fold}: non-finite forecast; "
                                 "not scored")
                    continue
                y = actual[ok]
                err = y - mean[ok]
                pin = np.mean([np.mean(np.maximum(q * (y - qv[q][ok]), (q - 1) * (y - qv[q][ok]))) for q in QS])
                rows.append(dict(
                    group=g.group, series=sp.series, fold=sp.fold, tool=tool, method=method,
                    n_test=int(ok.sum()), scale=scale, scale_lag=lag,
                    mase=float(np.mean(np.abs(err)) / scale), pinball=float(pin / scale),
                    in80=int(np.sum((y >= qv[0.1][ok]) & (y <= qv[0.9][ok]))),
                    in95=int(np.sum((y >= qv[0.025][ok]) & (y <= qv[0.975][ok]))),
                    seconds=float(times.get((g.group, sp.series, sp.fold, tool, method), np.nan))))
    return pd.DataFrame(rows), notes


def paired_ratio(scores, a, b):
    """Geometric mean of MASE(a) / MASE(b) over the splits both have; a, b are (tool, method)."""
    def pick(tm):
        s = scores[(scores.tool == tm[0]) & (scores.method == tm[1])]
        return s.set_index(["series", "fold"])["mase"]
    x, y = pick(a), pick(b)
    common = x.index.intersection(y.index)
    if not len(common):
        return float("nan"), float("nan"), float("nan"), 0
    xa, ya = x[common].to_numpy(), y[common].to_numpy()
    return gmean(xa / ya), gmean(xa), gmean(ya), len(common)


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: score.py OUT GROUPS")
    out, selected = sys.argv[1], sys.argv[2].split(",")
    groups = pd.read_csv(os.path.join(out, "groups.csv"))
    groups = groups[groups.group.isin(selected)]
    splits = pd.read_csv(os.path.join(out, "splits.csv"))
    fc, tm = load_results(out, selected)
    scores, notes = score_splits(out, groups, splits, fc, tm)
    scores.to_csv(os.path.join(out, "scores.csv"), index=False)

    lines, verdicts, ratios_all = [], [], []
    for g in groups.itertuples():
        s = scores[scores.group == g.group]
        if s.empty:
            continue
        n_splits = s.groupby(["series", "fold"]).ngroups
        n_series = s.series.nunique()
        agg = []
        for (tool, method), m in s.groupby(["tool", "method"]):
            agg.append(dict(tool=tool, method=method, n=len(m), mase=gmean(m.mase), pinball=m.pinball.mean(),
                            cov80=100 * m.in80.sum() / m.n_test.sum(), cov95=100 * m.in95.sum() / m.n_test.sum(),
                            seconds=m.seconds.median()))
        agg = pd.DataFrame(agg)
        full_peers = agg[agg.tool.isin(PEERS) & (agg.n == n_splits)]
        best = full_peers.sort_values("mase").iloc[0] if len(full_peers) else None
        agg["vs_best"] = [paired_ratio(s, (r.tool, r.method), (best.tool, best.method))[0] if best is not None
                          else float("nan") for r in agg.itertuples()]
        agg["order"] = (agg.tool != "forescale").astype(int)
        agg = agg.sort_values(["order", "mase"])
        lines.append("")
        lines.append(f"{g.group}: {n_series} series x folds = {n_splits} forecasts of {g.horizon} steps"
                     + (f"; best peer {best.tool} {best.method}" if best is not None else ""))
        lines.append(f"  {'tool':<12} {'method':<11} {'n':>3} {'MASE':>7} {'vs best':>8} {'pinball':>8} "
                     f"{'cov80':>6} {'cov95':>6} {'fit+fcst':>9}")
        for r in agg.itertuples():
            lines.append(f"  {r.tool:<12} {r.method:<11} {r.n:>3} {r.mase:>7.3f} {r.vs_best:>8.3f} "
                         f"{r.pinball:>8.4f} {r.cov80:>6.1f} {r.cov95:>6.1f} {fmt_time(r.seconds):>9}")

        chosen = tm[(tm.group == g.group) & (tm.tool == "forescale") & (tm.method == "auto")]
        if "model" in chosen and chosen.model.notna().any():
            counts = chosen.model.fillna("?").str.replace(r"\s+\(.*\)$", "", regex=True).value_counts()
            shown = ", ".join(f"{m} x{c}" for m, c in counts.head(6).items())
            if len(counts) > 6:
                shown += f", and {len(counts) - 6} others"
            lines.append("  forescale auto chose: " + shown)
        auto = agg[(agg.tool == "forescale") & (agg.method == "auto")]
        if auto.empty:
            continue
        auto = auto.iloc[0]
        # The best R method: lowest geometric-mean MASE among those that ran on every split. A method
        # run on some folds only (tbats) is compared on its own splits, on a line of its own.
        r_rows = agg[agg.tool == "R"]
        full_r = r_rows[r_rows.n == n_splits].sort_values("mase")
        if len(full_r):
            method = full_r.iloc[0].method
            ratio, fs_m, r_m, n = paired_ratio(s, ("forescale", "auto"), ("R", method))
            ratios_all.append(ratio)
            verdicts.append(f"group {g.group}: forescale auto MASE {fs_m:.3f}, best R ({method}) {r_m:.3f}, "
                            f"ratio {ratio:.3f} — target <= {TARGET_RATIO} "
                            f"{'OK' if ratio <= TARGET_RATIO else 'MISS'}")
        for r in r_rows[r_rows.n < n_splits].itertuples():
            ratio, fs_m, r_m, n = paired_ratio(s, ("forescale", "auto"), ("R", r.method))
            verdicts.append(f"group {g.group}:   and R {r.method} on the {n} of {n_splits} forecasts it ran: "
                            f"forescale auto {fs_m:.3f}, R {r_m:.3f}, ratio {ratio:.3f} "
                            f"{'OK' if ratio <= TARGET_RATIO else 'MISS'}")
        cov_ok = abs(auto.cov80 - 80) <= 5 and abs(auto.cov95 - 95) <= 5
        verdicts.append(f"group {g.group}: forescale auto coverage 80 % -> {auto.cov80:.1f}, 95 % -> "
                        f"{auto.cov95:.1f} — target within +-5 points {'OK' if cov_ok else 'MISS'}")

    print("forecast benchmark: MASE and pinball scaled by the in-sample seasonal naive MAE; "
          "MASE = geometric mean, pinball = mean,")
    print("coverage pooled over test steps (%), fit+fcst = median seconds per forecast "
          "(forescale: whole process; peers: in-process)")
    print("\n".join(lines))
    print()
    for v in verdicts:
        print(v)
    if ratios_all:
        print(f"overall: geometric mean over {len(ratios_all)} groups of forescale auto / best R MASE: "
              f"{gmean(ratios_all):.3f}")

    sp = scores[scores.group == SPEED_GROUP]
    if not sp.empty:
        med = sp.groupby(["tool", "method"]).seconds.median()
        n_train = int(splits[(splits.trace == "nasa") & (splits.step == "1m")].eval("origin - train_start").median())
        parts = []
        fs = med.get(("forescale", "auto"), np.nan)
        for tool in PEERS:
            comp = med[[t == tool and m not in TRIVIAL for t, m in med.index]]
            if len(comp):
                (_, m), v = comp.idxmin(), comp.min()
                parts.append((tool, m, v))
        if np.isfinite(fs) and parts:
            text = ", ".join(f"fastest comparable {t} ({m}) {fmt_time(v)}, {fmt_ratio(v / fs)}" for t, m, v in parts)
            r_speed = [v / fs for t, m, v in parts if t == "R"]
            ok = fs * 1000 < TARGET_MS and r_speed and r_speed[0] >= TARGET_SPEEDUP
            print(f"speed: forescale auto {n_train / 1440:.0f}d per-minute ({n_train} points) fit+1d forecast "
                  f"{fmt_time(fs)}, {text} — target < {TARGET_MS:.0f} ms and >= {TARGET_SPEEDUP:.0f}x R "
                  f"{'OK' if ok else 'MISS'}")
        elif parts:
            print("speed: " + ", ".join(f"fastest comparable {t} ({m}) {fmt_time(v)}" for t, m, v in parts)
                  + " (no forescale auto timing)")
        # Method for method, for the reader (the target above is auto's): forescale's whole
        # process against the same decomposition in R, in-process.
        pairs = [(f, r) for f, r in (("mstl", "stlf"), ("mstl-arima", "stlf-arima"))
                 if ("forescale", f) in med.index and ("R", r) in med.index]
        if pairs:
            print("speed, method for method: " + ", ".join(
                f"forescale {f} {fmt_time(med[('forescale', f)])} vs R {r} {fmt_time(med[('R', r)])} "
                f"{fmt_ratio(med[('R', r)] / med[('forescale', f)])}" for f, r in pairs))
    for n in notes[:20]:
        print("note: " + n)
    if len(notes) > 20:
        print(f"note: ... and {len(notes) - 20} more (see {out}/scores.csv)")


if __name__ == "__main__":
    main()
