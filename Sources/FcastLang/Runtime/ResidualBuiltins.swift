import FcastCore
import FcastExec
import FcastPlugins
import Foundation

extension BuiltinLibrary {
    /// In-sample diagnostics of a run: fitted values, residuals, the Ljung-Box test.
    public static let residuals = BuiltinLibrary(
        name: "residuals",
        summary: "In-sample fitted values and residuals of a run's models, and the Ljung-Box test of the residuals.",
        builtins: [
        Builtin(
            name: "fitted",
            parameters: [
                .init(name: "run", positional: true, required: true, help: "a run result"),
                .init(name: "model", positional: false, required: false,
                      help: "the model's name as the run shows it; needed when the run has several"),
            ],
            summary: "A model's in-sample one-step fitted values, as a data set shaped like the training data.",
            example: "f = fitted(res, model: \"arima\")",
            details: """
            The one-step-ahead in-sample fitted values of one model of a run (the plugins'
            fitted capability), as a data set with the training data's series and timestamps.
            A value is missing where the model has none (naive's first point, a seasonal naive's
            first season, points before a series' first observed value); at a missing training
            value it is the model's prediction there. Series whose task failed, or whose plugin
            gives no fitted values, are left out with a note. The fitted models are the run's
            own (nothing is refitted unless a worker process's model could not be kept).
            """,
            body: { interp, a in
                let (run, m) = try runAndModel(a)
                let (panel, _) = try inSamplePanel(interp, a, run, m, residuals: false)
                return .data(panel)
            }),
        Builtin(
            name: "residuals",
            parameters: [
                .init(name: "run", positional: true, required: true, help: "a run result"),
                .init(name: "model", positional: false, required: false,
                      help: "the model's name as the run shows it; needed when the run has several"),
            ],
            summary: "A model's in-sample residuals (actual minus fitted), as a data set.",
            example: "r = residuals(res, model: \"ets\")",
            details: """
            The in-sample residuals y − ŷ of one model of a run (ŷ its one-step fitted values),
            as a data set with the training data's series and timestamps; missing where the actual
            or the fitted value is. Series without fitted values are left out with a note.
            """,
            body: { interp, a in
                let (run, m) = try runAndModel(a)
                let (panel, _) = try inSamplePanel(interp, a, run, m, residuals: true)
                return .data(panel)
            }),
        Builtin(
            name: "ljung_box",
            parameters: [
                .init(name: "run", positional: true, required: true, help: "a run result"),
                .init(name: "model", positional: false, required: false,
                      help: "the model's name as the run shows it; needed when the run has several"),
                .init(name: "lag", positional: false, required: false,
                      help: "lags tested (default as R's checkresiduals: 2 x season, or 10, at most n/5)"),
            ],
            summary: "Ljung-Box test of each series' residuals: are they white noise?",
            example: "ljung_box(res, model: \"arima\")",
            details: """
            Prints per series the Ljung-Box statistic Q = n(n+2) Σ r_k²/(n−k) over lags 1..`lag`
            of the model's in-sample residuals, its degrees of freedom and p-value (χ² upper
            tail), as R's Box.test(type = "Ljung-Box"); a small p-value says the residuals are
            autocorrelated: the model leaves structure unexplained. `lag` defaults to R's
            checkresiduals choice: twice the season (from the frequency) for seasonal data, 10
            otherwise, at most n/5. Missing residuals are passed over (R's na.pass). The degrees
            of freedom are the lags: unlike checkresiduals, the model's number of coefficients is
            not subtracted (plugins do not report it), so p-values are a little high for models
            with many coefficients. Ends with how many series have p < 0.05.
            """,
            body: { interp, a in
                let (run, m) = try runAndModel(a)
                let lag = try a.int("lag", min: 1)
                let (panel, _) = try inSamplePanel(interp, a, run, m, residuals: true)
                let season = panel.frequency.defaultSeason
                var rows: [[String]] = []
                var rejected = 0, tested = 0
                for s in 0..<panel.count {
                    let (l, present, result) = residualTest(Array(panel.values(s)), lag: lag, season: season)
                    guard let r = result else {
                        rows.append([panel.ids[s], "\(l)", "-", "-", "-", "untested: \(present) residuals or no variation"])
                        continue
                    }
                    tested += 1
                    if r.pValue < 0.05 { rejected += 1 }
                    rows.append([panel.ids[s], "\(r.lag)", Fmt.number(r.q), "\(r.df)", pText(r.pValue),
                                 r.pValue < 0.05 ? "yes" : "no"])
                }
                var out = "Ljung-Box test of \(run.models[m].name) residuals\n"
                out += TextTable(header: ["unique_id", "lag", "Q", "df", "p", "autocorrelated"], rows: rows,
                                 rightAligned: [false, true, true, true, true, false]).render(indent: "  ")
                out += "\n  \(rejected) of \(tested) series with p < 0.05\n"
                interp.output(out)
                return .none
            }),
    ])
}

/// The Ljung-Box test of one series' residuals at `lag` (default: R's checkresiduals choice
/// from the residuals present and the season); nil result when too few or constant.
private func residualTest(_ residuals: [Double], lag: Int?, season: Int) -> (lag: Int, present: Int, result: LjungBox.Result?) {
    let present = residuals.filter { !$0.isNaN }.count
    let l = lag ?? LjungBox.defaultLag(n: present, season: season)
    return (l, present, LjungBox.test(residuals, lag: l))
}

/// "0.0123", "< 1e-12".
private func pText(_ p: Double) -> String {
    p < 1e-12 ? "< 1e-12" : p < 1e-3 ? String(format: "%.2e", p) : String(format: "%.4f", p)
}

/// The run and the index of the model asked for (the only one when `model:` is not given).
private func runAndModel(_ a: BoundArguments) throws(Diagnostic) -> (RunResult, Int) {
    guard case .run(let run)? = a.values["run"]?.value else { throw a.wrongType("run", "a run result") }
    let names = run.models.map(\.name)
    guard let name = try a.string("model") else {
        guard names.count == 1 else {
            throw Diagnostic("\(a.builtin)(): the run has \(names.count) models; choose one with model: "
                             + names.map { "\"\($0)\"" }.joined(separator: ", "), at: a.callSpan)
        }
        return (run, 0)
    }
    guard let m = names.firstIndex(of: name) else {
        throw Diagnostic("\(a.builtin)(): the run has no model \"\(name)\"; its models: "
                         + names.map { "\"\($0)\"" }.joined(separator: ", "), at: a.span("model"))
    }
    return (run, m)
}

/// Fitted values (or residuals) of model m as a data set of the series that have them; a
/// note names the ones left out.
private func inSamplePanel(_ interp: Interpreter, _ a: BoundArguments, _ run: RunResult, _ m: Int,
                           residuals: Bool) throws(Diagnostic) -> (Panel, InSample) {
    guard run.plan.windows.count == 1 else {
        throw Diagnostic("\(a.builtin)(): the run has \(run.plan.windows.count) training windows (cross-validation); "
                         + "fitted values and residuals are for a run on one training set", at: a.span("run"))
    }
    let inSample = run.inSample(model: m)
    let train = run.train
    let cutoff = run.plan.windows[0].cutoff
    var series: [(id: String, ds: [Int64], y: [Double])] = []
    for s in 0..<train.count {
        guard let f = inSample.fitted[s] else { continue }
        let range = train.offsets[s]..<max(train.offsets[s], train.offsets[s + 1] - cutoff)
        let y = Array(train.y[range])
        let values = residuals ? zip(y, f).map { $0 - $1 } : f
        series.append((train.ids[s], Array(train.ds[range]), values))
    }
    if !inSample.failures.isEmpty {
        let first = inSample.failures[0]
        let n = inSample.failures.count
        interp.output("\(a.builtin): left out \(n) series without fitted values, e.g. '\(train.ids[first.series])': \(first.failure.message)\n")
    }
    if series.isEmpty {
        throw Diagnostic("\(a.builtin)(): no series of \(run.models[m].name) has fitted values", at: a.callSpan)
    }
    var panel = Panel(series: series, frequency: train.frequency, timestampStyle: train.timestampStyle)
    panel.name = "\(residuals ? "residuals" : "fitted")(\(run.models[m].name))"
    return (panel, inSample)
}

extension Interpreter {
    /// describe(run): per model the fitted forms and the Ljung-Box verdicts of its series'
    /// residuals, then the first `rows` series in detail.
    func describeRun(_ run: RunResult, rows: Int, _ a: BoundArguments) throws(Diagnostic) -> String {
        guard run.plan.windows.count == 1 else {
            throw Diagnostic("describe(): the run has \(run.plan.windows.count) training windows (cross-validation); "
                             + "describe a run on one training set, or evaluate(cv) for its scores", at: a.span("data"))
        }
        let train = run.train, cutoff = run.plan.windows[0].cutoff, season = train.frequency.defaultSeason
        var summary: [[String]] = []
        let shown = min(rows, run.seriesCount)
        var detail = [[[String]]](repeating: [], count: shown)   // per series, its models' rows
        for m in run.models.indices {
            let inSample = run.inSample(model: m)
            var tested = 0, rejected = 0, failed = 0
            for s in 0..<run.seriesCount {
                let k = run.task(model: m, series: s)
                var p: String
                if let f = inSample.fitted[s] {
                    let range = train.offsets[s]..<max(train.offsets[s], train.offsets[s + 1] - cutoff)
                    if let lb = residualTest(zip(train.y[range], f).map { $0 - $1 }, lag: nil, season: season).result {
                        tested += 1
                        if lb.pValue < 0.05 { rejected += 1 }
                        p = pText(lb.pValue)
                    } else {
                        p = "untested"
                    }
                } else {
                    p = "-"
                }
                if case .failed = run.outcomes[k] { failed += 1 }
                if s < shown {
                    let fitted: String
                    switch run.outcomes[k] {
                    case .ok: fitted = run.descriptions[k]
                    case .failed(let f): fitted = "failed: \(f.message)"
                    case .notRun: fitted = "not run"; p = "-"
                    }
                    detail[s].append([m == 0 ? train.ids[s] : "", run.models[m].name, fitted, p])
                }
            }
            summary.append([run.models[m].name, Fmt.count(failed), Fmt.count(tested), Fmt.count(rejected), Display.fittedSummary(run, model: m)])
        }
        var out = "run: \(run.models.count) model\(run.models.count == 1 ? "" : "s") x \(Fmt.count(run.seriesCount)) series, "
            + "horizon \(run.horizon), intervals \(run.intervals)\n"
        out += TextTable(header: ["model", "failed", "tested", "Ljung-Box p<0.05", "fitted"], rows: summary,
                         rightAligned: [false, true, true, true, false]).render(indent: "  ") + "\n"
        if shown > 0 {
            out += TextTable(header: ["unique_id", "model", "fitted", "Ljung-Box p"], rows: detail.flatMap { $0 },
                             rightAligned: [false, false, false, true]).render(indent: "  ") + "\n"
            if run.seriesCount > shown {
                out += "  ... \(Fmt.count(run.seriesCount - shown)) more series (describe(res, n: \(run.seriesCount)) shows them all)\n"
            }
        }
        return TerminalText.escapeKeepingLines(out)
    }
}
