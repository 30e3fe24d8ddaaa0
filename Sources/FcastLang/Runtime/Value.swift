import FcastCore
import FcastEvents
import FcastExec
import FcastPlan
import FcastPlugins
import FcastStore

/// A model as written in the language, before grid expansion: `snaive(season: [4, 12])`
/// keeps both seasons as alternatives until a grid or run expands them.
public struct ModelCall: Sendable {
    public var algorithm: AlgorithmHandle
    /// Per parameter, the alternatives (one value, or several from a list).
    public var alternatives: [String: [ParameterValue]]
    /// The name the user gave (`name:`), used in tables instead of the algorithm's.
    public var name: String? = nil
    /// A combination of models (`combine(...)`): its members, not `algorithm`, are the model.
    public var combination: Combination? = nil

    /// Every combination of the alternatives, in schema order (the cartesian product).
    public func expand() -> [ModelSpec] {
        if let combination {
            var spec = ModelSpec(algorithm: algorithm, values: [:], givenName: name ?? combination.defaultName)
            spec.combination = combination
            return [spec]
        }
        var combos: [[String: ParameterValue]] = [[:]]
        for p in algorithm.parameters {
            guard let alts = alternatives[p.name] else { continue }
            combos = combos.flatMap { c in alts.map { v in c.merging([p.name: v]) { $1 } } }
        }
        return combos.map { ModelSpec(algorithm: algorithm, values: $0, givenName: name) }
    }
}

/// A value of the language.
public indirect enum Value: Sendable {
    case none
    case number(Double)
    case string(String)
    case bool(Bool)
    case list([Value])
    case record([(key: String, value: Value)])
    case data(Panel)
    case model(ModelCall)
    case grid([ModelSpec])
    case run(RunResult)
    case scores(ScoreTable)
    case summary(SummaryTable)
    case best(BestTable)
    case store(OpenStore)
    case cv(CVResult)
    case tune(TuneResult)
    /// Raw events not read yet (load with time: and id:).
    case events(EventSource)

    /// "a number", "a data set" — for messages.
    public var typeName: String {
        switch self {
        case .none: "none"
        case .number: "a number"
        case .string: "a string"
        case .bool: "a boolean"
        case .list: "a list"
        case .record: "a record"
        case .data: "a data set"
        case .model: "a model"
        case .grid: "a grid"
        case .run: "a run result"
        case .scores: "a score table"
        case .summary: "a summary table"
        case .best: "a best-model table"
        case .store: "a model store"
        case .cv: "a cross-validation"
        case .tune: "a tune result"
        case .events: "events"
        }
    }

    public var isNone: Bool { if case .none = self { true } else { false } }
}

public struct SummaryTable: Sendable {
    public var metrics: [String]
    public var rows: [Evaluation.SummaryRow]
    public var seriesCount: Int
}

public struct BestTable: Sendable {
    public var metric: String
    public var rows: [Evaluation.BestRow]
    /// Models in grid order, to count wins.
    public var models: [String]
    /// The scored run: each row's `task` is its winner there, with the fitted model it kept.
    public var run: RunResult?
    /// The scored cross-validation (best of evaluate(cv(...))): `run(table, data, ...)` fits
    /// each series' winner among its models.
    public var crossValidation: CVResult? = nil

    /// The winners' tasks that kept a fitted model: what `predict` and a store use.
    public var keptWinners: [Int] {
        guard let run else { return [] }
        return rows.compactMap { $0.task }.filter { run.kept[$0] != nil }
    }
}

/// A model store as the language holds it: where it is, and the version that was read.
public struct OpenStore: Sendable {
    public var store: any ModelStore
    public var version: StoreVersion
}
