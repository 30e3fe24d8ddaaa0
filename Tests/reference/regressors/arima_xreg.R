# R reference for fcast's regression with ARIMA errors (forecast package, Debian r-cran-forecast).
# Rscript arima_ref.R   (run in the folder holding the two CSVs)
suppressMessages(library(forecast))
hist <- read.csv("consumption.csv")
fut <- read.csv("consumption_future.csv")
options(digits = 10)
for (sid in c("north", "south")) {
  h <- hist[hist$unique_id == sid, ]
  f <- fut[fut$unique_id == sid, ]
  y <- ts(h$y, start = c(2002, 1), frequency = 4)
  X <- cbind(income = h$income, promo = h$promo)
  XF <- cbind(income = f$income, promo = f$promo)
  a <- Arima(y, order = c(1, 0, 0), xreg = X)
  cat(sid, "Arima(1,0,0) coef:", format(coef(a), digits = 10), "\n")
  cat(sid, "names:", names(coef(a)), "loglik:", format(a$loglik, digits = 12), "sigma2:", format(a$sigma2, digits = 10), "\n")
  fa <- forecast(a, xreg = XF, level = c(80, 95))
  cat(sid, "Arima mean:", paste(sprintf("%.8f", fa$mean), collapse = ", "), "\n")
  cat(sid, "Arima lo95:", paste(sprintf("%.8f", fa$lower[, 2]), collapse = ", "), "\n")
  b <- auto.arima(y, xreg = X)
  cat(sid, "auto.arima:", capture.output(print(arimaorder(b))), "\n")
  cat(sid, "auto coef names:", names(coef(b)), "\n")
  cat(sid, "auto coef:", format(coef(b), digits = 10), "\n")
  fb <- forecast(b, xreg = XF, level = c(80, 95))
  cat(sid, "auto mean:", paste(sprintf("%.8f", fb$mean), collapse = ", "), "\n")
}
cat(R.version.string, "forecast", as.character(packageVersion("forecast")), "\n")
