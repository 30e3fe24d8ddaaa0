import FcastCore
import FcastEvents
import Foundation

/// Raw events to series: load(path, time:, id:, value:) gives an event source (nothing read
/// yet); aggregate() streams it into series per key and period; where() and top() narrow
/// events or data sets; count(), sum(), max(), min() and mean("col") say what a period's
/// value is.
extension BuiltinLibrary {
    public static let events = BuiltinLibrary(
        name: "events",
        summary: "Raw event records (CSV or Parquet) aggregated into series per key and period.",
        builtins: [
        Builtin(
            name: "aggregate",
            parameters: [
                .init(name: "events", positional: true, required: true, help: "events from load(path, time: ..., id: ...)"),
                .init(name: "every", positional: false, required: true, help: "the period: \"15min\", \"hour\", \"day\", \"week\" or \"month\""),
                .init(name: "value", positional: false, required: false, help: "count() (default), sum(\"col\"), mean(\"col\"), max(\"col\") or min(\"col\")"),
                .init(name: "tz", positional: false, required: false, help: "the time zone whose days and hours count (default \"UTC\")"),
                .init(name: "on_error", positional: false, required: false, help: "\"stop\" (default) or \"skip\": bad rows are counted and reported"),
            ],
            summary: "Aggregates raw events into one series per key: counts, sums, means, maxima or minima per period.",
            example: "daily = aggregate(trips, every: \"day\", value: count(), tz: \"America/New_York\")",
            details: """
            Streams the events of `load(path, time: ..., id: ...)` into one series per key (several
            id columns are joined with `/`) and period. Memory grows with keys x periods, not with
            rows: a CSV file is memory-mapped and read on every core; Parquet is aggregated inside
            DuckDB (the projection, the range, the keys and the aggregation become its SQL) and only
            the per-period values come back. Periods follow the wall clock of `tz` (a tz database
            name): a day in New York is 23 or 25 hours long when the clocks change. Times with a `Z`
            or an offset, and epoch seconds, are instants put on that clock; times without an offset
            are already local. Every series covers the same periods; a period with no events is 0
            for `count()` and missing for the others. A bad row stops the read with its file, line
            and column; with `on_error: "skip"` bad rows are counted and the first ones shown. What
            was read and left out (bad rows, rows outside the range, missing values, requested keys
            without events) is printed.
            """,
            body: { interp, a in
                guard case .events(let source)? = a.values["events"]?.value else {
                    throw a.wrongType("events", "events from load(path, time: ..., id: ...)")
                }
                let every: Period
                do { every = try Period.parse(try a.requiredString("every")) } catch {
                    throw Diagnostic("aggregate(): \(errorText(error))", at: a.span("every"))
                }
                var aggregation = Aggregation.count
                if let v = a.values["value"]?.value {
                    guard let agg = EventLanguage.aggregation(v) else {
                        throw a.wrongType("value", "count(), sum(\"col\"), mean(\"col\"), max(\"col\") or min(\"col\")")
                    }
                    aggregation = agg
                }
                let tz = try a.string("tz") ?? "UTC"
                do { _ = try WallClock.zone(named: tz) } catch {
                    throw Diagnostic("aggregate(): \(errorText(error))", at: a.span("tz"))
                }
                let onError = try a.string("on_error") ?? "stop"
                guard onError == "stop" || onError == "skip" else {
                    throw Diagnostic("aggregate(): on_error must be \"stop\" or \"skip\", not \"\(onError)\"", at: a.span("on_error"))
                }
                let result: EventAggregate
                do {
                    result = try source.aggregate(every: every, aggregation: aggregation, timeZone: tz,
                                                  skipBadRows: onError == "skip", duckdb: { try DuckDB.locate() })
                } catch {
                    throw Diagnostic("aggregate(): \(errorText(error))", at: a.span("events"))
                }
                interp.output("aggregate: \(result.report)\n")
                return .data(result.panel)
            }),
        Builtin(
            name: "where",
            parameters: [
                .init(name: "data", positional: true, required: true, help: "events or a data set"),
                .init(name: "id", positional: false, required: false, help: "a series id or a list of them"),
                .init(name: "from", positional: false, required: false, help: "the first time kept (\"2019-01-01\")"),
                .init(name: "to", positional: false, required: false, help: "the first time no longer kept"),
            ],
            summary: "Keeps some series (id:) and a time range (from: inclusive, to: exclusive) of events or a data set.",
            example: "busy = where(daily, id: [\"132\", \"138\"], from: \"2020-01-01\")",
            details: """
            Keeps the series named by `id:` (one id or a list) and the times from `from:` (kept)
            up to `to:` (not kept). On events nothing is read: the conditions go into the
            aggregation (into DuckDB's SQL for Parquet), and rows left out are counted in its
            report; times are local wall-clock times of the aggregation's `tz`. A requested id
            with no events is named in the report. On a data set, an id it does not have is an
            error.
            """,
            body: { _, a in
                var ids: [String]? = nil
                if let v = a.values["id"]?.value {
                    switch v {
                    case .string(let s): ids = [s]
                    case .number(let x) where x == x.rounded(): ids = [String(Int(x))]
                    case .list(let items):
                        ids = try items.map { item throws(Diagnostic) -> String in
                            switch item {
                            case .string(let s): return s
                            case .number(let x) where x == x.rounded(): return String(Int(x))
                            default: throw a.wrongType("id", "a series id or a list of them")
                            }
                        }
                    default: throw a.wrongType("id", "a series id or a list of them")
                    }
                }
                func time(_ name: String) throws(Diagnostic) -> Int64? {
                    guard let s = try a.string(name) else { return nil }
                    guard let (t, _) = Timestamp.parse(s) else {
                        throw Diagnostic("where(): '\(s)' is not a time (YYYY-MM-DD or YYYY-MM-DD HH:MM[:SS])", at: a.span(name))
                    }
                    return t
                }
                let from = try time("from"), to = try time("to")
                switch try a.required("data") {
                case .events(var source):
                    if let ids { source.keep = source.keep.map { old in old.filter { ids.contains($0) } } ?? ids }
                    if let from { source.from = max(source.from ?? from, from) }
                    if let to { source.to = min(source.to ?? to, to) }
                    return .events(source)
                case .data(let p):
                    var indices = Array(0..<p.count)
                    if let ids {
                        indices = try ids.map { id throws(Diagnostic) -> Int in
                            guard let i = p.index(of: id) else {
                                var message = "where(): the data set has no series '\(id)'"
                                if let hint = Suggest.didYouMean(id, in: p.ids) { message += "; \(hint)" }
                                throw Diagnostic(message, at: a.span("id"))
                            }
                            return i
                        }
                    }
                    var out = p.subset(indices)
                    if from != nil || to != nil {
                        var offsets = [0], ds: [Int64] = [], y: [Double] = []
                        for i in 0..<out.count {
                            for j in out.range(i) where out.ds[j] >= (from ?? .min) && out.ds[j] < (to ?? .max) {
                                ds.append(out.ds[j]); y.append(out.y[j])
                            }
                            offsets.append(y.count)
                        }
                        let name = out.name
                        out = Panel(ids: out.ids, offsets: offsets, ds: ds, y: y, frequency: out.frequency, timestampStyle: out.timestampStyle)
                        out.name = name
                    }
                    return .data(out)
                default: throw a.wrongType("data", "events or a data set")
                }
            }),
        Builtin(
            name: "top",
            parameters: [
                .init(name: "data", positional: true, required: true, help: "a data set"),
                .init(name: "n", positional: true, required: true, help: "how many series to keep"),
                .init(name: "by", positional: false, required: false, help: "\"volume\" (the sum of the values, default) or \"mean\""),
            ],
            summary: "Keeps the n largest series of a data set, largest first.",
            example: "busiest = top(daily, 20, by: \"volume\")",
            details: """
            Keeps the `n` series with the largest volume (the sum of their values, missing ones
            left out) or `by: "mean"` the largest mean, largest first; ties keep the data set's order.
            """,
            body: { _, a in
                let p = try a.data("data")
                let n = try a.requiredInt("n", min: 0)
                let by = try a.string("by") ?? "volume"
                guard by == "volume" || by == "mean" else {
                    throw Diagnostic("top(): by must be \"volume\" or \"mean\", not \"\(by)\"", at: a.span("by"))
                }
                let scores = (0..<p.count).map { i -> Double in
                    var s = 0.0, k = 0
                    for v in p.values(i) where !v.isNaN { s += v; k += 1 }
                    return by == "volume" ? s : (k == 0 ? -.infinity : s / Double(k))
                }
                let order = (0..<p.count).sorted { scores[$0] != scores[$1] ? scores[$0] > scores[$1] : $0 < $1 }
                return .data(p.subset(Array(order.prefix(n))))
            }),
        Builtin(
            name: "count", parameters: [],
            summary: "For aggregate(value:): the number of events in each period.",
            example: "aggregate(trips, every: \"day\", value: count())",
            details: "The number of events in each period (rows with a time and a key); a period without events counts 0.",
            body: { _, _ in EventLanguage.value(.count) }),
        Builtin(
            name: "sum",
            parameters: [.init(name: "column", positional: true, required: true, help: "a numeric column of the events")],
            summary: "For aggregate(value:): the sum of a column over each period's events.",
            example: "aggregate(trips, every: \"day\", value: sum(\"fare\"))",
            details: "The sum of a numeric column over each period's events; `mean(\"col\")` gives their mean the same way.",
            body: { _, a in EventLanguage.value(.sum(try a.requiredString("column"))) }),
        Builtin(
            name: "max",
            parameters: [.init(name: "column", positional: true, required: true, help: "a numeric column of the events")],
            summary: "For aggregate(value:): the largest value of a column in each period.",
            example: "aggregate(trips, every: \"hour\", value: max(\"fare\"))",
            details: "The largest value of a numeric column among each period's events; missing where a period has none.",
            body: { _, a in EventLanguage.value(.max(try a.requiredString("column"))) }),
        Builtin(
            name: "min",
            parameters: [.init(name: "column", positional: true, required: true, help: "a numeric column of the events")],
            summary: "For aggregate(value:): the smallest value of a column in each period.",
            example: "aggregate(trips, every: \"hour\", value: min(\"fare\"))",
            details: "The smallest value of a numeric column among each period's events; missing where a period has none.",
            body: { _, a in EventLanguage.value(.min(try a.requiredString("column"))) }),
    ])
}

/// The glue between the language and FcastEvents.
enum EventLanguage {
    /// An aggregation as a value: a record `{aggregate: "sum", column: "fare"}`.
    static func value(_ a: Aggregation) -> Value {
        switch a {
        case .count: return .record([(key: "aggregate", value: .string("count"))])
        case .sum(let c): return .record([(key: "aggregate", value: .string("sum")), (key: "column", value: .string(c))])
        case .mean(let c): return .record([(key: "aggregate", value: .string("mean")), (key: "column", value: .string(c))])
        case .max(let c): return .record([(key: "aggregate", value: .string("max")), (key: "column", value: .string(c))])
        case .min(let c): return .record([(key: "aggregate", value: .string("min")), (key: "column", value: .string(c))])
        }
    }

    static func aggregation(_ v: Value) -> Aggregation? {
        guard case .record(let fields) = v,
              case .string(let kind)? = fields.first(where: { $0.key == "aggregate" })?.value else { return nil }
        let column: String? = {
            if case .string(let c)? = fields.first(where: { $0.key == "column" })?.value { return c }
            return nil
        }()
        switch (kind, column) {
        case ("count", _): return .count
        case ("sum", let c?): return .sum(c)
        case ("mean", let c?): return .mean(c)
        case ("max", let c?): return .max(c)
        case ("min", let c?): return .min(c)
        default: return nil
        }
    }

    /// `mean("fare")`: mean is also an algorithm (the mean forecast), so a call with one
    /// positional string is taken as the aggregation before the algorithm is looked up.
    static func aggregationCall(_ name: String, _ args: [EvaluatedArgument]) -> Value? {
        guard name == "mean", args.count == 1, args[0].label == nil, case .string(let c) = args[0].value else { return nil }
        return value(.mean(c))
    }

    /// `load(path, time: ..., id: ..., value: ...)`: events, checked against the source's columns.
    static func load(_ interp: Interpreter, _ a: BoundArguments) throws(Diagnostic) -> Value {
        let path = try a.requiredString("path")
        guard let time = try a.string("time") else {
            throw Diagnostic("load(): '\(path)' is read as raw events, which need time: (the timestamp column) and id: (the key columns)", at: a.callSpan)
        }
        func names(_ name: String) throws(Diagnostic) -> [String]? {
            guard let v = a.values[name]?.value else { return nil }
            switch v {
            case .string(let s): return [s]
            case .list(let items):
                return try items.map { item throws(Diagnostic) -> String in
                    guard case .string(let s) = item else { throw a.wrongType(name, "a column name or a list of them") }
                    return s
                }
            default: throw a.wrongType(name, "a column name or a list of them")
            }
        }
        guard let ids = try names("id"), !ids.isEmpty else {
            throw Diagnostic("load(): raw events need id: (the key column, or a list of them)", at: a.callSpan)
        }
        let values = try names("value") ?? []
        let source = EventSource(path: path, resolved: interp.host.resolvePath(path), time: time, ids: ids, values: values)
        do {
            try source.check(columns: try source.columns(duckdb: { try DuckDB.locate() }))
        } catch {
            throw Diagnostic("load(): \(errorText(error))", at: a.span("path"))
        }
        return .events(source)
    }

    /// `write(value, "x.parquet")`: the table's rows stream into DuckDB.
    static func writeParquet(_ interp: Interpreter, _ table: CSVTable, to path: String) throws {
        var types: [String: String] = [:]
        if table.header.contains("ds") { types["ds"] = "TIMESTAMP" }
        if table.header.contains("unique_id") { types["unique_id"] = "VARCHAR" }   // ids stay text ("007")
        try ParquetEvents.write(header: table.header, rows: table.rows, to: interp.host.resolvePath(path),
                                duckdb: try DuckDB.locate(), types: types)
    }
}
