#!/usr/bin/python3
"""statsmodels on the forecasting benchmark's splits (see bench/README.md).

One process per trace x step: loops over every (series, fold) of splits.csv, fits each method once
on the training window and forecasts every selected horizon from it. Time per (method, horizon) =
fit time + time of the get_prediction() call for that horizon (time.perf_counter(), in-process).

Methods (statsmodels 0.13.5, which has STL but not MSTL):
  hourly:               ets = ETSModel, additive error and season (24), no trend or damped
                        additive trend, the one with the lower AIC (as R's ets() chooses), with
                        its exact prediction intervals; stl-ets, stl-arima as below, period 24
  per-minute, 5-minute: stl-ets   = STLForecast(period = 1 day, ETSModel A,N,N or A,Ad,N by AIC)
                        stl-arima = STLForecast(period = 1 day, ARIMA(1,1,1))
                        (ETSModel with a season of 288 or 1440 states is not practical)
  windows shorter than 2 days: ets = ETSModel A,N,N or A,Ad,N by AIC, arima = ARIMA(1,1,1)
STL runs with R's default loess jumps (ceil(window / 10)); statsmodels' default of 1 gives the
same decomposition (mean absolute difference 0.1 % of the seasonal amplitude on NASA per-minute)
but takes about 100x longer on 20,160 points. Intervals come from the model of the seasonally
adjusted series, as in R's stlf(). Missing training values are interpolated linearly first (the
time counts as fitting time).

Usage: peers_statsmodels.py OUT TRACE STEP GROUPS
Writes OUT/results/statsmodels_TRACE_STEP.csv and OUT/results/statsmodels_TRACE_STEP_time.csv.
"""

import math
import os
import sys
import time
import warnings

import numpy as np
import pandas as pd

from statsmodels.tsa.arima.model import ARIMA
from statsmodels.tsa.exponential_smoothing.ets import ETSModel
from statsmodels.tsa.forecasting.stl import STLForecast

# Convergence chatter from the optimisers (statsmodels sets its own filters on import, hence after).
warnings.simplefilter("ignore")


def odd(v):
    v = int(math.ceil(v))
    return v if v % 2 else v + 1


def stl_kwargs(period, seasonal=7):
    # statsmodels' default windows, R's default jumps.
    trend = odd(1.5 * period / (1 - 1.5 / seasonal))
    low_pass = odd(period + 1)
    return dict(period=period, seasonal=seasonal, trend=trend, low_pass=low_pass,
                seasonal_jump=math.ceil(seasonal / 10), trend_jump=math.ceil(trend / 10),
                low_pass_jump=math.ceil(low_pass / 10))


def quantiles_from_frame(sf_80, sf_95):
    """Quantile columns from summary frames at alpha 0.2 and 0.05 (ETS: pi_*, others: mean_ci_*)."""
    lo, hi = ("pi_lower", "pi_upper") if "pi_lower" in sf_80 else ("mean_ci_lower", "mean_ci_upper")
    return dict(mean=sf_80["mean"].to_numpy(), q0_025=sf_95[lo].to_numpy(), q0_1=sf_80[lo].to_numpy(),
                q0_9=sf_80[hi].to_numpy(), q0_975=sf_95[hi].to_numpy())


# Additive-error ETS candidates, chosen by AIC as R's ets() does (multiplicative forms are left out:
# the series have zeros). (trend, damped) -> name.
ETS_TRENDS = [(None, False, "N"), ("add", True, "Ad")]


def best_by_aic(fits):
    """fits: [(description, thunk)]; fits each, returns (result, description) with the lowest AIC."""
    best = None
    for desc, thunk in fits:
        res = thunk()
        aic = res.model_result.aic if hasattr(res, "model_result") else res.aic
        if best is None or aic < best[0]:
            best = (aic, res, desc)
    return best[1], best[2]


def methods(n, daily):
    """name -> function(y) returning (fitted result, description of the model)."""
    seasonal = n >= 2 * daily
    m = {}
    if not seasonal:
        m["ets"] = lambda y: best_by_aic([
            (f"ETSModel(A;{tn};N)", lambda t=t, d=d: ETSModel(y, error="add", trend=t, damped_trend=d).fit(disp=False))
            for t, d, tn in ETS_TRENDS])
        m["arima"] = lambda y: (ARIMA(y, order=(1, 1, 1)).fit(), "ARIMA(1;1;1)")
        return m
    if daily <= 24:
        m["ets"] = lambda y: best_by_aic([
            (f"ETSModel(A;{tn};A;{daily})",
             lambda t=t, d=d: ETSModel(y, error="add", trend=t, damped_trend=d, seasonal="add",
                                       seasonal_periods=daily).fit(disp=False))
            for t, d, tn in ETS_TRENDS])
    m["stl-ets"] = lambda y: best_by_aic([
        (f"STL({daily}) + ETSModel(A;{tn};N)",
         lambda t=t, d=d: STLForecast(y, ETSModel, model_kwargs=dict(error="add", trend=t, damped_trend=d),
                                      **stl_kwargs(daily)).fit(fit_kwargs=dict(disp=False)))
        for t, d, tn in ETS_TRENDS])
    m["stl-arima"] = lambda y: (STLForecast(y, ARIMA, model_kwargs=dict(order=(1, 1, 1)),
                                            **stl_kwargs(daily)).fit(), f"STL({daily}) + ARIMA(1;1;1)")
    return m


def main():
    if len(sys.argv) != 5:
        sys.exit("usage: peers_statsmodels.py OUT TRACE STEP GROUPS")
    out, trace, step, selected = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4].split(",")
    groups = pd.read_csv(os.path.join(out, "groups.csv"))
    groups = groups[(groups.trace == trace) & (groups.step == step) & groups.group.isin(selected)]
    splits = pd.read_csv(os.path.join(out, "splits.csv"))
    splits = splits[(splits.trace == trace) & (splits.step == step)]
    if groups.empty or splits.empty:
        sys.exit(f"statsmodels: no groups or splits for {trace}/{step}")

    fc_rows, tm_rows, failures = [], [], 0
    cache = {}
    for sp in splits.itertuples():
        if sp.series not in cache:
            cache[sp.series] = pd.read_csv(
                os.path.join(out, "series", f"{trace}_{step}", f"{sp.series}.csv"))["value"].to_numpy(float)
        x = cache[sp.series][sp.train_start:sp.origin]
        n = len(x)
        t0 = time.perf_counter()
        y = pd.Series(x, index=pd.RangeIndex(n))
        if y.isna().any():
            y = y.interpolate(limit_direction="both")
        fill_s = time.perf_counter() - t0
        for name, fit in methods(n, sp.daily).items():
            try:
                t0 = time.perf_counter()
                res, desc = fit(y)
                fit_s = time.perf_counter() - t0 + fill_s
                for g in groups.itertuples():
                    t1 = time.perf_counter()
                    pred = res.get_prediction(start=n, end=n + g.horizon - 1)
                    q = quantiles_from_frame(pred.summary_frame(alpha=0.2), pred.summary_frame(alpha=0.05))
                    secs = fit_s + time.perf_counter() - t1
                    frame = pd.DataFrame({"group": g.group, "series": sp.series, "fold": sp.fold,
                                          "tool": "statsmodels", "method": name,
                                          "k": np.arange(1, g.horizon + 1), "mean": q["mean"],
                                          "q0.025": q["q0_025"], "q0.1": q["q0_1"], "q0.5": np.nan,
                                          "q0.9": q["q0_9"], "q0.975": q["q0_975"]})
                    fc_rows.append(frame)
                    tm_rows.append(dict(group=g.group, series=sp.series, fold=sp.fold, tool="statsmodels",
                                        method=name, seconds=secs, n_train=n, model=desc))
            except Exception as e:  # a failed fit leaves that split out; the scorer counts splits
                failures += 1
                print(f"statsmodels {name} failed on {trace}/{step} {sp.series} fold {sp.fold}: {e}",
                      file=sys.stderr)
        print(f"statsmodels {trace}/{step} {sp.series} fold {sp.fold} (n={n}) done", file=sys.stderr)

    os.makedirs(os.path.join(out, "results"), exist_ok=True)
    pd.concat(fc_rows).to_csv(os.path.join(out, "results", f"statsmodels_{trace}_{step}.csv"), index=False)
    pd.DataFrame(tm_rows).to_csv(os.path.join(out, "results", f"statsmodels_{trace}_{step}_time.csv"),
                                 index=False)
    if failures:
        print(f"statsmodels: {failures} method fits failed (their splits are left out)", file=sys.stderr)


if __name__ == "__main__":
    main()
