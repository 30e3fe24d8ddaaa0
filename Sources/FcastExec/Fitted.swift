// In-sample one-step fitted values and residuals of a run's models (the plugins' fitted
// capability, FC_CAP_FITTED), and the Ljung-Box test of the residuals.
import FcastCore
import FcastPlan
import FcastPlugins
import Foundation

/// The in-sample fitted values of one model of a run, per series of its training data.
public struct InSample: Sendable {
    public var model: Int
    /// Per series: the fitted values aligned with the series' training points (NaN where
    /// the model has none, e.g. naive's first point), or nil when there are none at all.
    public var fitted: [[Double]?]
    /// Why a series has none: its task failed, or the plugin gives no fitted values.
    public var failures: [(series: Int, failure: TaskFailure)]
}

extension RunResult {
    /// The fitted values of model `m` on window `w`'s training part of each series, from the
    /// run's fitted models (kept live, or loaded from their saved bytes); a model the run did
    /// not keep (a worker process's, whose plugin cannot save) is fitted again.
    public func inSample(model m: Int, window w: Int = 0) -> InSample {
        let job = Job(plan: plan, models: models, data: train, keep: .none)
        var fitted: [[Double]?] = []
        var failures: [(Int, TaskFailure)] = []
        for s in 0..<seriesCount {
            let k = task(model: m, series: s, window: w)
            let t = plan.task(k)
            do {
                if case .failed(let f) = outcomes[k] { throw f }
                let config: ModelConfiguration
                switch job.configs[m] {
                case .success(let c): config = c
                case .failure(let f): throw f
                }
                guard config.algorithm.capabilities.contains(.fitted) else {
                    throw TaskFailure(.unsupported, "\(config.algorithm.name) gives no fitted values")
                }
                let model: FittedModelHandle
                switch kept[k] {
                case .fitted(let h)?: model = h
                case .saved(let bytes)?: model = try config.load(bytes)
                case nil: model = try job.withSeries(t) { series in try config.fit(series) }
                }
                let n = max(train.length(s) - plan.windows[w].cutoff, 0)
                fitted.append(try model.fittedValues(count: n))
            } catch let f as TaskFailure {
                fitted.append(nil)
                failures.append((s, f))
            } catch {
                fitted.append(nil)
                failures.append((s, TaskFailure(.internal, "\(error)")))
            }
        }
        return InSample(model: m, fitted: fitted, failures: failures)
    }
}

/// The Ljung-Box portmanteau test of residuals (Ljung & Box 1978), as R's
/// Box.test(x, lag, type = "Ljung-Box", fitdf) computes it:
///   Q = n (n + 2) Σ_{k=1}^{lag} r_k² / (n - k),  p = P(χ²_{lag - fitdf} > Q),
/// with r_k the sample autocorrelations. Missing residuals (NaN) are passed over as R's
/// acf(na.action = na.pass) does: the mean and the lag-k cross-products use the values
/// present, each autocovariance is divided by (its number of pairs + k), and n is the
/// number of values present.
public enum LjungBox {
    public struct Result: Sendable, Equatable {
        public var q: Double
        public var lag: Int
        public var df: Int
        public var pValue: Double
    }

    /// R's forecast::checkresiduals default: 2·season for seasonal data, 10 otherwise, at
    /// most n / 5 (rounded); at least 1.
    public static func defaultLag(n: Int, season: Int) -> Int {
        let lag = season > 1 ? 2 * season : 10
        return max(1, min(lag, Int((Double(n) / 5).rounded())))
    }

    /// nil when fewer than lag + 2 residuals are present or their variance is zero.
    public static func test(_ x: [Double], lag: Int, fitdf: Int = 0) -> Result? {
        let present = x.filter { !$0.isNaN }
        let n = present.count
        guard lag >= 1, n >= lag + 2, lag - fitdf >= 1 else { return nil }
        let mean = present.reduce(0, +) / Double(n)
        func acov(_ k: Int) -> Double {
            var s = 0.0, pairs = 0
            for t in 0..<(x.count - k) where !x[t].isNaN && !x[t + k].isNaN {
                s += (x[t] - mean) * (x[t + k] - mean)
                pairs += 1
            }
            return s / Double(pairs + k)
        }
        let c0 = acov(0)
        guard c0 > 0 else { return nil }
        var q = 0.0
        for k in 1...lag {
            let r = acov(k) / c0
            q += r * r / Double(n - k)
        }
        q *= Double(n) * Double(n + 2)
        let df = lag - fitdf
        return Result(q: q, lag: lag, df: df, pValue: ChiSquare.survival(q, df: Double(df)))
    }
}

/// The chi-square upper tail through the regularized incomplete gamma function
/// Q(a, x) = Γ(a, x) / Γ(a), a = df/2, x = q/2: its series for x < a + 1, its continued
/// fraction (modified Lentz) otherwise (Abramowitz & Stegun 6.5.29 and 6.5.31).
enum ChiSquare {
    static func survival(_ q: Double, df: Double) -> Double {
        guard q > 0 else { return 1 }
        let a = df / 2, x = q / 2
        let lnPrefix = a * log(x) - x - lgamma(a)
        if x < a + 1 {
            var term = 1 / a, sum = term, ap = a
            for _ in 0..<10_000 {
                ap += 1
                term *= x / ap
                sum += term
                if abs(term) < abs(sum) * 1e-16 { break }
            }
            return max(0, min(1, 1 - sum * exp(lnPrefix)))
        }
        let tiny = 1e-300
        var b = x + 1 - a, c = 1 / tiny, d = 1 / b, h = d
        for i in 1...10_000 {
            let an = -Double(i) * (Double(i) - a)
            b += 2
            d = an * d + b
            if abs(d) < tiny { d = tiny }
            c = b + an / c
            if abs(c) < tiny { c = tiny }
            d = 1 / d
            let delta = d * c
            h *= delta
            if abs(delta - 1) < 1e-16 { break }
        }
        return max(0, min(1, exp(lnPrefix) * h))
    }
}
