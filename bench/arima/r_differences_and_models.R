# R side of the ARIMA checks: per series seasonal strength, nsdiffs, ndiffs and (for the
# first few) auto.arima, on the training part. Used to compare fcast's decisions with R.
# Run: Rscript bench/arima/r_differences_and_models.R  (needs r-cran-forecast)
suppressMessages(library(forecast))
run <- function(file, m, h, nauto) {
  d <- read.csv(file)
  ids <- unique(d$unique_id)
  k <- 0
  for (id in ids) {
    y <- d$y[d$unique_id == id]
    y <- y[1:(length(y) - h)]
    x <- ts(y, frequency = m)
    st <- forecast:::seas.heuristic(x)
    D <- nsdiffs(x)
    dd <- ndiffs(if (D > 0) diff(x, lag = m, differences = D) else x)
    mod <- ""
    k <- k + 1
    if (k <= nauto) { f <- auto.arima(x); mod <- paste0(as.character(f), " aicc=", round(f$aicc, 3)) }
    cat(id, length(y), sprintf("%.5f", st), D, dd, mod, "\n", sep = "\t")
  }
}
run("/work/shared/data/visnights.csv", 4, 8, 20)
run("/work/shared/data/us_employment.csv", 12, 24, 15)
