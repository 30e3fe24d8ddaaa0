# auto.arima with xreg on visnights (examples/data/visnights.csv): y = NSWMetro, xreg = VICMetro,
# quarterly, first 68 points fitted, the last 8 VICMetro values as future regressors.
suppressMessages(library(forecast))
v <- read.csv("visnights.csv")
y <- ts(v$y[v$unique_id == "NSWMetro"], start = c(1998, 1), frequency = 4)
x <- v$y[v$unique_id == "VICMetro"]
n <- 68
b <- auto.arima(window(y, end = c(2014, 4)), xreg = cbind(VICMetro = x[1:n]))
print(b)
cat("coef:", format(coef(b), digits = 10), "\n")
cat("names:", names(coef(b)), "loglik", format(b$loglik, digits = 12), "aicc", format(b$aicc, digits = 12), "\n")
fb <- forecast(b, xreg = cbind(VICMetro = x[(n + 1):76]))
cat("mean:", paste(sprintf("%.8f", fb$mean), collapse = ", "), "\n")
