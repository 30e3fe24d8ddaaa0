/// Learning curves of a tuning: each trial's validation score against its boosting rounds,
/// one line per trial (points at the rungs it reached), on a log x axis of rounds.
extension Figures {
    public static func learningCurves(_ curves: [(label: String, rounds: [Int], scores: [Double])], metric: String,
                                      title: String) -> Figure {
        let layers = curves.enumerated().map { i, c in
            Layer.line(Line(label: c.label, x: c.rounds.map(Double.init), y: c.scores, color: Color.model(i),
                            dash: i < Color.palette.count ? .solid : .dashed, points: true))
        }
        return Figure(charts: [Chart(title: title, xAxis: .numeric(label: "boosting rounds"), yLabel: metric, layers: layers)])
    }
}
