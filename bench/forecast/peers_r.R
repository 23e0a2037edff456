# R's forecast package on the forecasting benchmark's splits (see bench/README.md).
#
# One process per trace x step: it loops over every (series, fold) of splits.csv, fits each method
# once on the training window and forecasts every selected horizon of that trace x step from it
# (R's forecasts for a shorter horizon are the first steps of the longer one, so one fit serves
# all). Time per (method, horizon) = fit time + time of the forecast() call for that horizon,
# measured with proc.time() inside R, so R's start-up and package loading do not count.
#
# Methods (level = c(80, 95)):
#   naive, snaive (daily season; only when the window holds 2 days)
#   hourly:     ets (frequency 24), auto.arima (frequency 24), stlf, tbats
#   per-minute, 5-minute: stlf, stlf-arima, tbats   (ets() cannot take seasons over 24)
#   windows shorter than 2 days: naive, ets, auto.arima (no season)
# stlf = mstl() decomposition (msts with the daily and weekly seasons; mstl() drops a season with
# fewer than two full periods in the window) + ets() on the seasonally adjusted series;
# stlf-arima = the same with auto.arima(). They run as stlm() + forecast(), which computes exactly
# what stlf() computes, but fits once for all horizons.
# tbats runs on the first TBATS_FOLDS folds of each series only (it takes 1-240 s per fit).
#
# Missing training values (gaps, outages) are filled with na.interp() first, as forecast users do;
# its time counts as fitting time of every method.
#
# Usage: Rscript peers_r.R OUT TRACE STEP GROUPS TBATS_FOLDS [SHARD/SHARDS]
#   OUT: the prepared directory (splits.csv, groups.csv, series/); GROUPS: comma-separated group
#   names to forecast for; SHARD/SHARDS (e.g. 0/4): only the splits (rows of splits.csv for this
#   trace x step) whose index is SHARD modulo SHARDS, so that a slow trace x step can use both
#   cores. Writes
#   OUT/results/r_TRACE_STEP[_sSHARD].csv (forecasts) and ..._time.csv (seconds, the model R chose).

suppressPackageStartupMessages(library(forecast))

args <- commandArgs(trailingOnly = TRUE)
if (!(length(args) %in% c(5, 6))) stop("usage: Rscript peers_r.R OUT TRACE STEP GROUPS TBATS_FOLDS [SHARD/SHARDS]")
out <- args[1]; trace <- args[2]; step <- args[3]
selected <- strsplit(args[4], ",")[[1]]
tbats_folds <- as.integer(args[5])
shard <- if (length(args) == 6) as.integer(strsplit(args[6], "/")[[1]]) else c(0L, 1L)
suffix <- if (length(args) == 6) sprintf("_s%d", shard[1]) else ""

groups <- read.csv(file.path(out, "groups.csv"), stringsAsFactors = FALSE)
groups <- groups[groups$trace == trace & groups$step == step & groups$group %in% selected, ]
splits <- read.csv(file.path(out, "splits.csv"), stringsAsFactors = FALSE)
splits <- splits[splits$trace == trace & splits$step == step, ]
splits <- splits[(seq_len(nrow(splits)) - 1) %% shard[2] == shard[1], ]
if (nrow(groups) == 0 || nrow(splits) == 0) stop("no groups or splits for ", trace, "/", step)
hmax <- max(groups$horizon)

elapsed <- function() proc.time()[["elapsed"]]

# Fits: each returns a function(h) giving a forecast object; the fitting happens here.
fitters <- function(y, daily, weekly, n, fold) {
  seasonal <- n >= 2 * daily
  periods <- c(daily, weekly)
  f <- list()
  f$naive <- function() function(h) naive(y, h = h, level = c(80, 95))
  if (seasonal) {
    f$snaive <- function() function(h) snaive(ts(y, frequency = daily), h = h, level = c(80, 95))
  }
  if (!seasonal) {
    f$ets <- function() { m <- ets(ts(y)); function(h) forecast(m, h = h, level = c(80, 95)) }
    f$auto.arima <- function() { m <- auto.arima(ts(y)); function(h) forecast(m, h = h, level = c(80, 95)) }
    return(f)
  }
  # mstl() keeps a season only with more than two full periods in the window; tbats() can use one
  # with exactly two (14 days of per-minute data hold exactly two weeks).
  pm <- periods[periods < n / 2]
  ym <- if (length(pm) > 1) msts(y, seasonal.periods = pm) else ts(y, frequency = daily)
  yt <- msts(y, seasonal.periods = periods[periods <= n / 2])
  if (daily <= 24) {
    f$ets <- function() { m <- ets(ts(y, frequency = daily)); function(h) forecast(m, h = h, level = c(80, 95)) }
    f$auto.arima <- function() {
      m <- auto.arima(ts(y, frequency = daily)); function(h) forecast(m, h = h, level = c(80, 95))
    }
    f$stlf <- function() { m <- stlm(ym, method = "ets"); function(h) forecast(m, h = h, level = c(80, 95)) }
  } else {
    f$stlf <- function() { m <- stlm(ym, method = "ets"); function(h) forecast(m, h = h, level = c(80, 95)) }
    f$`stlf-arima` <- function() {
      m <- stlm(ym, method = "arima"); function(h) forecast(m, h = h, level = c(80, 95))
    }
  }
  if (fold < tbats_folds) {
    f$tbats <- function() {
      m <- tbats(yt, use.parallel = FALSE); function(h) forecast(m, h = h, level = c(80, 95))
    }
  }
  f
}

describe <- function(fc) {
  d <- fc$method
  if (is.null(d)) d <- ""
  gsub(",", ";", d)
}

quantile_cols <- function(fc, h) {
  lo <- as.matrix(fc$lower); hi <- as.matrix(fc$upper)
  data.frame(k = seq_len(h), mean = as.numeric(fc$mean)[1:h],
             q0.025 = lo[1:h, 2], q0.1 = lo[1:h, 1], q0.5 = NA_real_,
             q0.9 = hi[1:h, 1], q0.975 = hi[1:h, 2])
}

dir.create(file.path(out, "results"), showWarnings = FALSE)
fc_path <- file.path(out, "results", sprintf("r_%s_%s%s.csv", trace, step, suffix))
tm_path <- file.path(out, "results", sprintf("r_%s_%s%s_time.csv", trace, step, suffix))
fc_rows <- list(); tm_rows <- list()
series_cache <- list()
failures <- 0

for (i in seq_len(nrow(splits))) {
  sp <- splits[i, ]
  key <- sp$series
  if (is.null(series_cache[[key]])) {
    series_cache[[key]] <- read.csv(file.path(out, "series", sprintf("%s_%s", trace, step),
                                              paste0(key, ".csv")))$value
  }
  x <- series_cache[[key]][(sp$train_start + 1):sp$origin]
  n <- length(x)
  t0 <- elapsed()
  y <- if (anyNA(x)) as.numeric(na.interp(if (n >= 2 * sp$daily) ts(x, frequency = sp$daily) else ts(x))) else x
  fill_s <- elapsed() - t0
  fs <- fitters(y, sp$daily, sp$weekly, n, sp$fold)
  for (method in names(fs)) {
    t0 <- elapsed()
    res <- tryCatch({
      fc_of <- suppressWarnings(fs[[method]]())
      fit_s <- elapsed() - t0 + fill_s
      for (g in seq_len(nrow(groups))) {
        h <- groups$horizon[g]
        t1 <- elapsed()
        fc <- suppressWarnings(fc_of(h))
        secs <- fit_s + elapsed() - t1
        q <- quantile_cols(fc, h)
        fc_rows[[length(fc_rows) + 1]] <- cbind(group = groups$group[g], series = key, fold = sp$fold,
                                                 tool = "R", method = method, q)
        tm_rows[[length(tm_rows) + 1]] <- data.frame(group = groups$group[g], series = key, fold = sp$fold,
                                                     tool = "R", method = method, seconds = secs,
                                                     n_train = n, model = describe(fc))
      }
      NULL
    }, error = function(e) conditionMessage(e))
    if (!is.null(res)) {
      failures <- failures + 1
      message(sprintf("R %s failed on %s/%s %s fold %d: %s", method, trace, step, key, sp$fold, res))
    }
  }
  message(sprintf("R %s/%s %s fold %d (n=%d) done", trace, step, key, sp$fold, n))
}

write.csv(do.call(rbind, fc_rows), fc_path, row.names = FALSE, na = "")
write.csv(do.call(rbind, tm_rows), tm_path, row.names = FALSE, na = "")
if (failures > 0) message(sprintf("R: %d method fits failed (their splits are left out)", failures))
