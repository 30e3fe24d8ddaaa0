import FcastCore
import FcastExec
import FcastPlan
import FcastPlugins
import Foundation

/// Runs programs in a workspace that persists between them, as a notebook's kernel does.
///
/// It touches no file, process or plugin library itself: loading, writing, running models
/// and drawing go through its `host`, and its builtins come from registered libraries.
public final class Interpreter {
    public let registry: PluginRegistry
    /// What the builtins' effects go through: files, runs, plots.
    public let host: any LanguageHost
    /// The registered builtin libraries, in order of registration.
    public private(set) var libraries: [BuiltinLibrary] = []
    private var builtinTable: [String: Builtin] = [:]
    /// The workspace: every binding made so far. `_` is the last value shown.
    public private(set) var globals: [String: Value] = [:]
    /// Where values and messages go (stdout for scripts, the REPL's screen).
    public var output: (String) -> Void
    /// Where run progress goes.
    public var progress: ProgressOutput
    /// Worker threads for runs when `workers:` is not given (0: all cores).
    public var defaultWorkers = 0
    /// Execution defaults for every run(): the journal of `fcast run --journal`.
    public var execution = ExecutionDefaults()
    /// Told of every file a statement produces (plots), so a report can link them.
    public var onArtifact: ((String) -> Void)?
    /// Plotting settings: where plots without `to:` go (a report's folder).
    public let plotDefaults = PlotDefaults()
    /// Cancelled by Ctrl-C: every run of this interpreter holds a child of it, so the
    /// interrupt stops the running grid (keeping what finished) and the script after it.
    public let interrupt = CancelToken()

    /// Writes straight to stdout (no buffering), so output and progress on stderr interleave
    /// in the order they happen.
    public static let standardOutput: @Sendable (String) -> Void = { FileHandle.standardOutput.write(Data($0.utf8)) }

    /// An interpreter with the standard libraries (`BuiltinLibrary.standard`); `register`
    /// adds more.
    public init(registry: PluginRegistry, host: any LanguageHost,
                output: @escaping (String) -> Void = Interpreter.standardOutput,
                progress: ProgressOutput = .standardError) {
        self.registry = registry
        self.host = host
        self.output = output
        self.progress = progress
        // The standard libraries' names are distinct (HostTests checks it).
        for library in BuiltinLibrary.standard { add(library) }
    }

    /// Adds a library already checked (see `register`).
    func add(_ library: BuiltinLibrary) {
        libraries.append(library)
        for b in library.builtins where builtinTable[b.name] == nil { builtinTable[b.name] = b }
    }

    /// The registered builtin of this name.
    public func builtin(named name: String) -> Builtin? { builtinTable[name] }

    /// Names whose binding statement failed, with where and why: a later use says so
    /// instead of a bare "unknown name" (statements piped in go on after an error).
    private var failedBindings: [String: String] = [:]
    /// The failed binding a statement last stumbled on, so a cascade keeps the first cause.
    private var lastFailedUse: String?

    public func reset() { globals = [:]; failedBindings = [:] }
    public func bind(_ name: String, _ value: Value) { globals[name] = value }

    /// Every name the language knows: builtins, algorithms and bindings (for completion and
    /// did-you-mean).
    public var knownNames: [String] {
        builtins.map(\.name) + registry.algorithms.map(\.name) + globals.keys.sorted()
    }

    // MARK: Statements

    /// Runs one statement. An expression statement's value is shown (unless it is none) and
    /// becomes `_`, as a notebook shows a cell's last value.
    public func execute(_ stmt: Stmt) throws(Diagnostic) {
        switch stmt {
        case .expr(let e):
            let v = try eval(e)
            if !v.isNone {
                globals["_"] = v
                // Ids and fields from data may hold escape sequences: shown, not obeyed.
                output(TerminalText.escapeKeepingLines(Display.render(v, limit: 10)) + "\n")
            }
        case .bind(let names, let e, _):
            let v: Value
            lastFailedUse = nil
            do throws(Diagnostic) {
                v = try eval(e)
            } catch {
                let cause = lastFailedUse.flatMap { failedBindings[$0] } ?? "the statement that binds it failed (\(error.message))"
                for (n, _) in names where globals[n] == nil { failedBindings[n] = cause }
                throw error
            }
            for (n, _) in names { failedBindings[n] = nil }
            if case .run(let r) = v, r.cancelled {
                // Ctrl-C or SIGTERM stopped the run: what finished is kept, and said so.
                let finished = r.outcomes.filter { if case .notRun = $0 { false } else { true } }.count
                let dropped = r.abandoned ? "; stopped at once, the fits in flight were dropped" : ""
                output("\(names.map(\.0).joined(separator: ", ")) = a partial run (interrupted): \(finished) of \(r.outcomes.count) tasks finished and are kept\(dropped)\n"
                       + TerminalText.escapeKeepingLines(Display.render(v, limit: 10)) + "\n")
            }
            if names.count == 1 {
                globals[names[0].0] = v
                return
            }
            guard case .list(let items) = v else {
                throw Diagnostic("cannot unpack \(v.typeName) into \(names.count) names; expected a list of \(names.count) values",
                                 at: e.span)
            }
            guard items.count == names.count else {
                throw Diagnostic("cannot unpack \(items.count) values into \(names.count) names", at: e.span)
            }
            for (n, item) in zip(names, items) { globals[n.0] = item }
        }
    }

    public func run(_ program: Program) throws(Diagnostic) {
        for stmt in program.statements { try execute(stmt) }
    }

    // MARK: Expressions

    public func eval(_ expr: Expr) throws(Diagnostic) -> Value {
        switch expr {
        case .number(let x, _): return .number(x)
        case .string(let s, _): return .string(s)
        case .bool(let b, _): return .bool(b)
        case .none: return .none
        case .name(let n, let span):
            if let v = globals[n] { return v }
            if builtin(named: n) != nil || registry.algorithm(named: n) != nil {
                throw Diagnostic("'\(n)' is a function; call it as \(n)(...)", at: span)
            }
            throw unknownName(n, at: span)
        case .list(let items, _):
            var out: [Value] = []
            for item in items { out.append(try eval(item)) }
            try checkNesting(out, at: expr.span)
            return .list(out)
        case .record(let fields, _):
            var out: [(key: String, value: Value)] = []
            for f in fields { out.append((f.key, try eval(f.value))) }
            try checkNesting(out.map(\.value), at: expr.span)
            return .record(out)
        case .unary(let op, let e, let span):
            let v = try eval(e)
            guard case .number(let x) = v, op == "-" else {
                throw Diagnostic("'\(op)' needs a number, got \(v.typeName)", at: span)
            }
            return .number(-x)
        case .binary:
            return try evalOperatorChain(expr)
        case .field(let base, let name, let span):
            return try field(try eval(base), name, span: span)
        case .index(let base, let index, let span):
            return try subscriptValue(try eval(base), try eval(index), span: span)
        case .call(let callee, let args, let span):
            if args.first?.isPiped == true { return try evalPipeChain(expr) }
            return try call(callee, args, span: span)
        }
    }

    /// `a + b - c * d ...`: the parser builds a left-deep tree (one level per operator, up to
    /// LanguageLimits.maxOperators); it is walked in a loop, not recursively, so a long sum
    /// cannot overflow the stack. Left to right, as the recursion would.
    private func evalOperatorChain(_ expr: Expr) throws(Diagnostic) -> Value {
        var steps: [(op: String, rhs: Expr, span: SourceSpan)] = []
        var e = expr
        while case .binary(let op, let l, let r, let span) = e {
            steps.append((op, r, span))
            e = l
        }
        var acc = try eval(e)
        for step in steps.reversed() {
            acc = try arithmetic(step.op, acc, try eval(step.rhs), span: step.span)
        }
        return acc
    }

    /// `x |> f(a) |> g ...`: each stage is a call whose first argument is the stage before;
    /// walked in a loop as `evalOperatorChain`.
    private func evalPipeChain(_ expr: Expr) throws(Diagnostic) -> Value {
        var stages: [(callee: Expr, args: [Argument], span: SourceSpan, pipedSpan: SourceSpan)] = []
        var e = expr
        while case .call(let callee, let args, let span) = e, let first = args.first, first.isPiped {
            stages.append((callee, Array(args.dropFirst()), span, first.value.span))
            e = first.value
        }
        var acc = try eval(e)
        for stage in stages.reversed() {
            acc = try call(stage.callee, stage.args, span: stage.span,
                           piped: EvaluatedArgument(label: nil, labelSpan: nil, value: acc, span: stage.pipedSpan))
        }
        return acc
    }

    /// A list or record of `items` may nest at most LanguageLimits.maxValueNesting deep
    /// (`x = [x]` repeated builds depth one statement at a time).
    private func checkNesting(_ items: [Value], at span: SourceSpan) throws(Diagnostic) {
        var deepest = 0
        for item in items {
            switch item {
            case .list, .record: deepest = max(deepest, item.nestingDepth)
            default: continue
            }
        }
        if deepest + 1 > LanguageLimits.maxValueNesting {
            throw Diagnostic("value nested too deeply: lists and records more than \(LanguageLimits.maxValueNesting) levels deep",
                             at: span)
        }
    }

    func unknownName(_ n: String, at span: SourceSpan) -> Diagnostic {
        if let why = failedBindings[n] {
            lastFailedUse = n
            return Diagnostic("'\(n)' has no value: \(why)", at: span)
        }
        var notes = Suggest.closest(to: n, among: knownNames).map { ["did you mean '\($0)'?"] } ?? []
        if registry.algorithms.isEmpty {
            let looked = registry.searched.isEmpty ? "no folder was searched" : "searched: " + registry.searched.joined(separator: ", ")
            notes.append("no algorithm plugins are loaded, so no algorithm (naive, auto_arima, ...) is known; \(looked); set FCAST_PLUGIN_PATH to the folder of the libfcast_*.so files")
        } else if notes.isEmpty {
            let algorithms = registry.algorithms.map(\.name)
            let variables = globals.keys.sorted()
            notes.append("algorithms: " + algorithms.joined(separator: ", "))
            if !variables.isEmpty { notes.append("variables: " + variables.joined(separator: ", ")) }
            notes.append(":help lists the builtins")
        }
        return Diagnostic("unknown name '\(n)'", at: span, notes: notes)
    }

    private func arithmetic(_ op: String, _ a: Value, _ b: Value, span: SourceSpan) throws(Diagnostic) -> Value {
        switch (a, b) {
        case (.number(let x), .number(let y)):
            switch op {
            case "+": return .number(x + y)
            case "-": return .number(x - y)
            case "*": return .number(x * y)
            case "/":
                guard y != 0 else { throw Diagnostic("division by zero", at: span) }
                return .number(x / y)
            default: throw Diagnostic("unknown operator '\(op)'", at: span)
            }
        case (.string(let x), .string(let y)) where op == "+": return .string(x + y)
        case (.list(let x), .list(let y)) where op == "+": return .list(x + y)
        default:
            throw Diagnostic("cannot apply '\(op)' to \(a.typeName) and \(b.typeName)", at: span)
        }
    }

    private func field(_ v: Value, _ name: String, span: SourceSpan) throws(Diagnostic) -> Value {
        if case .record(let fields) = v {
            if let f = fields.first(where: { $0.key == name }) { return f.value }
            let notes = Suggest.closest(to: name, among: fields.map(\.key)).map { ["did you mean '\($0)'?"] } ?? []
            throw Diagnostic("the record has no field '\(name)'", at: span, notes: notes)
        }
        throw Diagnostic("\(v.typeName) has no fields", at: span)
    }

    private func subscriptValue(_ v: Value, _ i: Value, span: SourceSpan) throws(Diagnostic) -> Value {
        guard case .list(let items) = v else { throw Diagnostic("cannot index \(v.typeName)", at: span) }
        guard case .number(let x) = i, x == x.rounded() else {
            if case .number(let x) = i {
                throw Diagnostic("a list index must be a whole number, got \(Fmt.number(x))", at: span)
            }
            throw Diagnostic("a list index must be a whole number, got \(i.typeName)", at: span)
        }
        // Int(exactly:) is nil for 1e300 and inf: out of range, not a trap.
        guard let n = Int(exactly: x), n >= -items.count, n < items.count else {
            throw Diagnostic("index \(Fmt.number(x)) is out of range for a list of \(items.count)", at: span)
        }
        let k = n < 0 ? items.count + n : n
        return items[k]
    }

    // MARK: Calls

    private func call(_ callee: Expr, _ args: [Argument], span: SourceSpan,
                      piped: EvaluatedArgument? = nil) throws(Diagnostic) -> Value {
        guard case .name(let name, let nameSpan) = callee else {
            throw Diagnostic("only named functions can be called", at: callee.span)
        }
        var evaluated: [EvaluatedArgument] = piped.map { [$0] } ?? []
        for a in args {
            evaluated.append(EvaluatedArgument(label: a.label, labelSpan: a.labelSpan, value: try eval(a.value),
                                               span: a.value.span))
        }
        if let builtin = self.builtin(named: name) {
            let bound = try bind(evaluated, to: builtin, span: span)
            do {
                return try builtin.body(self, bound)
            } catch let d as Diagnostic {
                throw d
            } catch {
                throw Diagnostic("\(name): \(errorText(error))", at: span)
            }
        }
        if let v = EventLanguage.aggregationCall(name, evaluated) { return v }
        if let algorithm = registry.algorithm(named: name) {
            return .model(try modelCall(algorithm, evaluated, span: span))
        }
        if let v = globals[name] { throw Diagnostic("'\(name)' is \(v.typeName), not a function", at: nameSpan) }
        throw unknownName(name, at: nameSpan)
    }

    /// Matches arguments to a builtin's parameters: positional first, then by name.
    private func bind(_ args: [EvaluatedArgument], to builtin: Builtin, span: SourceSpan) throws(Diagnostic) -> BoundArguments {
        var bound = BoundArguments(callSpan: span, builtin: builtin.name)
        var position = 0
        for a in args {
            if let label = a.label {
                guard let p = builtin.parameters.first(where: { $0.name == label }) else {
                    if builtin.variadic != nil, builtin.acceptsAnyNamed {
                        bound.extraNamed.append(a)
                        continue
                    }
                    let notes = Suggest.closest(to: label, among: builtin.parameters.map(\.name))
                        .map { ["did you mean '\($0)'?"] } ?? []
                    throw Diagnostic("\(builtin.name)() has no parameter '\(label)'", at: a.labelSpan ?? a.span,
                                     notes: notes + ["\(builtin.name) takes: \(builtin.signature)"])
                }
                guard bound.values[p.name] == nil else {
                    throw Diagnostic("'\(label)' is given twice", at: a.labelSpan ?? a.span)
                }
                bound.values[p.name] = a
            } else if builtin.variadic != nil, position >= builtin.positionalCount {
                bound.rest.append(a)
            } else {
                let positional = builtin.parameters.filter(\.positional)
                guard position < positional.count else {
                    throw Diagnostic("\(builtin.name)() takes \(positional.count) positional argument\(positional.count == 1 ? "" : "s"), got more",
                                     at: a.span, notes: ["\(builtin.name) takes: \(builtin.signature)"])
                }
                bound.values[positional[position].name] = a
                position += 1
            }
        }
        for p in builtin.parameters where p.required && bound.values[p.name] == nil {
            throw Diagnostic("\(builtin.name)() needs '\(p.name)'", at: span,
                             notes: ["\(builtin.name) takes: \(builtin.signature)"])
        }
        return bound
    }

    /// Checks an algorithm call against the plugin's schema.
    func modelCall(_ algorithm: AlgorithmHandle, _ args: [EvaluatedArgument], span: SourceSpan) throws(Diagnostic) -> ModelCall {
        var alternatives: [String: [ParameterValue]] = [:]
        var name: String?
        for a in args {
            guard let label = a.label else {
                throw Diagnostic(algorithm.parameters.isEmpty
                                 ? "\(algorithm.name)() takes no arguments"
                                 : "\(algorithm.name)() takes named arguments only, as \(algorithm.name)(\(algorithm.parameters[0].name): ...)",
                                 at: a.span)
            }
            guard let p = algorithm.parameter(named: label) else {
                // `name:` labels the model in tables, unless the plugin has a parameter of that name.
                if label == "name" {
                    guard case .string(let s) = a.value, !s.isEmpty,
                          s.unicodeScalars.allSatisfy({ !CharacterSet.controlCharacters.contains($0) }) else {
                        throw Diagnostic("\(algorithm.name)(name: ...) must be a non-empty string without control characters, got \(a.value.typeName)", at: a.span)
                    }
                    name = s
                    continue
                }
                throw unknownParameter(label, of: algorithm, at: a.labelSpan ?? a.span)
            }
            alternatives[label] = try ParameterCheck.alternatives(a.value, for: p, algorithm: algorithm.name, at: a.span)
        }
        return ModelCall(algorithm: algorithm, alternatives: alternatives, name: name)
    }

    func unknownParameter(_ label: String, of algorithm: AlgorithmHandle, at span: SourceSpan) -> Diagnostic {
        let names = algorithm.parameters.map(\.name)
        var notes = Suggest.closest(to: label, among: names).map { ["did you mean '\($0)'?"] } ?? []
        notes.append(names.isEmpty ? "\(algorithm.name) takes no parameters (but name: to label it)"
                                   : "\(algorithm.name) takes: \(names.joined(separator: ", ")) (and name: to label it)")
        return Diagnostic("unknown parameter '\(label)' for \(algorithm.name)", at: span, notes: notes)
    }
}

/// The token a SIGINT handler cancels: the interactive session's or the script's
/// interpreter. A signal handler cannot capture context, hence one global slot.
public enum Interrupt {
    nonisolated(unsafe) public static var target: CancelToken?
}

public struct EvaluatedArgument: Sendable {
    public var label: String?
    public var labelSpan: SourceSpan?
    public var value: Value
    public var span: SourceSpan
}
