import FcastCore
import FcastExec

extension Figures {
    /// A cross-validation's error per horizon step: one line per model of the mean absolute
    /// error scaled by each series' in-sample seasonal naive MAE (a MASE per step), over
    /// series and windows.
    public static func cvErrors(_ cv: CVResult, models: [Int], season: Int) -> Figure {
        let errors = cv.scaledErrorsPerStep(season: season)
        let steps = (1...cv.horizon).map(Double.init)
        let layers = models.map { m in
            Layer.line(Line(label: cv.run.models[m].name, x: steps, y: errors[m], color: Color.model(m), points: true))
        }
        let chart = Chart(title: "Cross-validation error by horizon step (\(cv.windowCount) windows, \(cv.data.count) series)",
                          xAxis: .numeric(label: "horizon step"), yLabel: "MAE / in-sample seasonal naive MAE",
                          layers: layers)
        return Figure(charts: [chart])
    }
}
