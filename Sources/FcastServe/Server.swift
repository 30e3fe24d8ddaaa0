import FcastCore
import FcastPlan
import FcastPlugins
import FcastStore
import Foundation
import Hummingbird
import Logging
import NIOCore
import NIOPosix

/// What `fcast serve` accepts and allows.
public struct ServeOptions: Sendable {
    public var host = "127.0.0.1"
    public var port = 8080
    /// The largest horizon a forecast may ask for.
    public var maxHorizon = 1000
    /// The largest request body, in bytes.
    public var maxBody = 1 << 20
    /// The most ids one forecast may name, and levels it may ask for.
    public var maxIDs = 1000
    public var maxLevels = 10
    /// The largest page of /v1/series, and the page when none is asked for.
    public var maxPage = 1000
    public var defaultPage = 100
    /// Event-loop threads, and threads that load models at start (default: all cores).
    public var workers: Int?
    /// How often to look for a newer version of the store, in seconds.
    public var reloadInterval: Double = 1

    public init() {}
}

/// The HTTP side: routes over the served version, every error as {"error": "..."}.
public enum ServeRoutes {
    public static func router(_ models: ServedModels, options: ServeOptions) -> Router<BasicRequestContext> {
        let router = Router(context: BasicRequestContext.self)
        // Unknown paths answer in JSON too, naming the routes there are.
        router.add(middleware: JSONNotFound())
        router.get("/v1/health") { _, _ in
            respond { health(models.current) }
        }
        router.get("/v1/series") { request, _ in
            respond { try seriesPage(models.current, query: request.uri.queryParameters, options: options) }
        }
        router.get("/v1/series/:id") { _, context in
            respond {
                let raw = context.parameters.get("id") ?? ""
                return try seriesDetail(models.current, id: raw.removingPercentEncoding ?? raw)
            }
        }
        router.post("/v1/forecast") { request, _ in
            let body: ByteBuffer
            do {
                body = try await request.body.collect(upTo: options.maxBody)
            } catch {
                return errorResponse(.contentTooLarge, "the request body is over \(options.maxBody) bytes (--max-body)")
            }
            return respond { try forecast(models.current, body: body, options: options) }
        }
        router.get("/v1/openapi.json") { _, _ in
            json(.ok, OpenAPIDocument.json)
        }
        // Any other method on these paths: 405 naming the one allowed.
        let allowed: [(String, HTTPRequest.Method)] = [("/v1/health", .get), ("/v1/series", .get), ("/v1/series/:id", .get),
                                                       ("/v1/forecast", .post), ("/v1/openapi.json", .get)]
        for (path, method) in allowed {
            for other in [HTTPRequest.Method.get, .post, .put, .delete, .patch, .options, .trace, HTTPRequest.Method("QUERY")!]
            where other != method {
                router.on(RouterPath(path), method: other) { _, _ in
                    var r = errorResponse(.methodNotAllowed, "\(other.rawValue) is not allowed here; use \(method.rawValue)")
                    r.headers[.allow] = method.rawValue
                    return r
                }
            }
        }
        return router
    }

    static let minLevel = 1e-6, maxLevel = 100 - 1e-6

    /// Hummingbird's empty 404 for a path no route matches, as {"error": "..."}.
    struct JSONNotFound<Context: RequestContext>: RouterMiddleware {
        func handle(_ request: Request, context: Context,
                    next: (Request, Context) async throws -> Response) async throws -> Response {
            do {
                return try await next(request, context)
            } catch let error as HTTPError where error.status == .notFound && error.body == nil {
                return errorResponse(.notFound, "no route for \(request.method.rawValue) \(request.uri.path); routes: GET /v1/health, GET /v1/series, GET /v1/series/{id}, POST /v1/forecast, GET /v1/openapi.json")
            }
        }
    }

    /// A 4xx answer: its status and message.
    struct ClientError: Error {
        var status: HTTPResponse.Status
        var message: String
        init(_ status: HTTPResponse.Status, _ message: String) {
            self.status = status
            self.message = message
        }
        init(_ message: String) { self.init(.badRequest, message) }
    }

    static func respond(_ body: () throws -> Response) -> Response {
        do { return try body() } catch let e as ClientError {
            return errorResponse(e.status, e.message)
        } catch {
            return errorResponse(.internalServerError, "\(error)")
        }
    }

    static func json(_ status: HTTPResponse.Status, _ text: String) -> Response {
        Response(status: status, headers: [.contentType: "application/json"],
                 body: ResponseBody(byteBuffer: ByteBuffer(string: text)))
    }

    static func errorResponse(_ status: HTTPResponse.Status, _ message: String) -> Response {
        var w = JSONWriter()
        w.raw("{")
        w.key("error")
        w.string(message)
        w.raw("}")
        return json(status, w.out)
    }

    static func health(_ v: ServedVersion) -> Response {
        json(.ok, "{\"status\":\"ok\",\"version\":\(v.number),\"series\":\(v.series.count),\"models\":\(v.readyCount)}")
    }

    static func intParameter(_ query: Parameters, _ name: String, default value: Int, min: Int, max: Int? = nil) throws -> Int {
        guard let text = query[name[...]] else { return value }
        guard let n = Int(text) else { throw ClientError("query parameter '\(name)' must be an integer, got '\(text)'") }
        guard n >= min else { throw ClientError("query parameter '\(name)' must be at least \(min), got \(n)") }
        if let max, n > max { throw ClientError("query parameter '\(name)' must be at most \(max), got \(n)") }
        return n
    }

    static func seriesPage(_ v: ServedVersion, query: Parameters, options: ServeOptions) throws -> Response {
        let offset = try intParameter(query, "offset", default: 0, min: 0, max: 1_000_000_000)
        let limit = try intParameter(query, "limit", default: options.defaultPage, min: 1, max: options.maxPage)
        let total = v.series.count
        let start = min(offset, total), end = min(total, start + limit)
        var w = JSONWriter(capacity: 128 * (end - start) + 64)
        w.raw("{\"total\":\(total),\"offset\":\(offset),\"limit\":\(limit),\"next\":")
        w.raw(end < total ? String(end) : "null")
        w.raw(",\"series\":[")
        for i in start..<end {
            if i > start { w.raw(",") }
            summary(&w, v.series[i])
            w.raw("}")
        }
        w.raw("]}")
        return json(.ok, w.out)
    }

    /// A series' fields, its object left open.
    static func summary(_ w: inout JSONWriter, _ s: ServedVersion.Series) {
        w.raw("{")
        w.key("id")
        w.string(s.id)
        w.raw(",")
        w.key("model")
        w.string(s.model)
        w.raw(",")
        w.key("description")
        w.string(s.description)
        w.raw(",")
        w.key("score")
        w.number(s.score)
        w.raw(",")
        w.key("metric")
        if let m = s.metric { w.string(m) } else { w.raw("null") }
        w.raw(",")
        w.key("regressors")
        w.strings(s.regressors)
        if let f = s.failure {
            w.raw(",")
            w.key("error")
            w.string(f)
        }
    }

    static func unknown(_ v: ServedVersion, _ id: String) -> String {
        let hint = Suggest.closest(to: id, among: v.series.map(\.id)).map { "; did you mean '\($0)'?" } ?? ""
        return "the store has no series '\(id)'\(hint)"
    }

    static func seriesDetail(_ v: ServedVersion, id: String) throws -> Response {
        guard let s = v.series(id: id) else { throw ClientError(.notFound, unknown(v, id)) }
        var w = JSONWriter(capacity: 512)
        summary(&w, s)
        w.raw(",")
        w.key("stored")
        w.raw("{")
        w.key("horizon")
        w.int(v.storedHorizon)
        w.raw(",")
        w.key("level")
        w.numbers(v.storedLevels)
        w.raw(",")
        // No forecast was stored for a model refitted without its regressors' future values.
        w.forecastFields(ds: s.storedForecast.isEmpty ? [] : v.future(after: s.last, horizon: v.storedHorizon).map(v.format),
                         flat: s.storedForecast,
                         horizon: v.storedHorizon, levels: v.storedLevels)
        w.raw("}}")
        return json(.ok, w.out)
    }

    struct ForecastRequest: Decodable {
        var ids: [String]
        var horizon: Int
        var level: [Double]?
        /// Per series id, per regressor name, its future values (at least `horizon`).
        var regressors: [String: [String: [Double]]]

        enum CodingKeys: String, CodingKey { case ids, horizon, level, regressors }

        init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            ids = try c.decode([String].self, forKey: .ids)
            // A number first, so that 2.5 or 1e300 is "not an integer" rather than bad JSON.
            let h = try c.decode(Double.self, forKey: .horizon)
            guard h == h.rounded(), abs(h) < 1e15 else {
                throw DecodingError.typeMismatch(Int.self, .init(codingPath: [CodingKeys.horizon], debugDescription: "not an integer"))
            }
            horizon = Int(h)
            // Absent: the stored run's levels; null is an error, as for the other fields.
            level = c.contains(.level) ? try c.decode([Double].self, forKey: .level) : nil
            regressors = c.contains(.regressors) ? try c.decode([String: [String: [Double]]].self, forKey: .regressors) : [:]
        }
    }

    static func decodingMessage(_ error: Error) -> String {
        func path(_ keys: [any CodingKey]) -> String {
            var s = ""
            for k in keys {
                if let i = k.intValue { s += "[\(i)]" } else { s += (s.isEmpty ? "" : ".") + k.stringValue }
            }
            return s
        }
        guard let e = error as? DecodingError else { return "the body is not valid JSON" }
        switch e {
        case .keyNotFound(let key, let c):
            return "missing field '\(path(c.codingPath + [key]))'"
        case .typeMismatch(_, let c):
            if c.codingPath.isEmpty { return "the body must be a JSON object" }
            let field = path(c.codingPath)
            let want = ["ids": "a list of strings", "horizon": "an integer", "level": "a list of numbers",
                        "regressors": "an object: per series id, per regressor, a list of numbers"][field]
                ?? (field.hasPrefix("ids[") ? "a string" : field.hasPrefix("level[") ? "a number"
                    : field.hasPrefix("regressors.") ? (field.hasSuffix("]") ? "a number" : field.filter { $0 == "." }.count == 1
                        ? "an object: per regressor, a list of numbers" : "a list of numbers")
                    : "of another type")
            return "field '\(field)' must be \(want)"
        case .valueNotFound(_, let c):
            return c.codingPath.isEmpty ? "the body must be a JSON object" : "field '\(path(c.codingPath))' must not be null"
        case .dataCorrupted(let c):
            if c.codingPath.isEmpty { return "the body is not valid JSON" }
            return "field '\(path(c.codingPath))': \(c.debugDescription)"
        @unknown default:
            return "the body is not valid JSON"
        }
    }

    /// The future regressors of the asked series whose models use them, horizon x regressor
    /// row-major in the model's order. Values for a series not asked for, or an unknown
    /// regressor of one that uses regressors, are refused (400); a missing series or
    /// regressor, or fewer values than the horizon, too (422), naming them. Values for a
    /// series whose model uses none are not used.
    static func regressorValues(_ request: ForecastRequest, found: [(String, ServedVersion.Series?)],
                                horizon h: Int) throws -> [String: [Double]] {
        let asked = Set(request.ids)
        for id in request.regressors.keys.sorted() where !asked.contains(id) {
            throw ClientError("field 'regressors': series '\(id)' is not in 'ids'")
        }
        var out: [String: [Double]] = [:]
        for (id, s) in found {
            guard let s, !s.regressors.isEmpty, s.failure == nil else { continue }
            let names = s.regressors.map { "'\($0)'" }.joined(separator: ", ")
            guard let given = request.regressors[id] else {
                throw ClientError(.unprocessableContent, "series '\(id)': its model \(s.model) uses the regressors \(names): "
                                  + "give their \(h) future values in field 'regressors', e.g. {\"\(id)\": {\"\(s.regressors[0])\": [...]}}")
            }
            for name in given.keys.sorted() where !s.regressors.contains(name) {
                throw ClientError("field 'regressors.\(id)': series '\(id)' has no regressor '\(name)'; its model uses \(names)")
            }
            let k = s.regressors.count
            var x = [Double](repeating: .nan, count: h * k)
            for (j, name) in s.regressors.enumerated() {
                guard let values = given[name] else {
                    throw ClientError(.unprocessableContent, "series '\(id)': no future values of regressor '\(name)' (its model uses \(names))")
                }
                guard values.count >= h else {
                    throw ClientError(.unprocessableContent, "series '\(id)': regressor '\(name)' has \(values.count) future value\(values.count == 1 ? "" : "s"); horizon \(h) needs \(h)")
                }
                for t in 0..<h {
                    guard values[t].isFinite else {
                        throw ClientError("field 'regressors.\(id).\(name)[\(t)]' must be a finite number")
                    }
                    x[t * k + j] = values[t]
                }
            }
            out[id] = x
        }
        return out
    }

    static func forecast(_ v: ServedVersion, body: ByteBuffer, options: ServeOptions) throws -> Response {
        let request: ForecastRequest
        do {
            request = try JSONDecoder().decode(ForecastRequest.self, from: Data(buffer: body))
        } catch {
            throw ClientError(decodingMessage(error))
        }
        let h = request.horizon
        guard h >= 1 else { throw ClientError("field 'horizon' must be at least 1, got \(h)") }
        guard h <= options.maxHorizon else {
            throw ClientError("field 'horizon' must be at most \(options.maxHorizon) (--max-horizon), got \(h)")
        }
        guard !request.ids.isEmpty else { throw ClientError("field 'ids' must name at least one series") }
        guard request.ids.count <= options.maxIDs else {
            throw ClientError("field 'ids' names \(request.ids.count) series; at most \(options.maxIDs) per request")
        }
        let levels = request.level ?? v.storedLevels
        guard levels.count <= options.maxLevels else {
            throw ClientError("field 'level' has \(levels.count) levels; at most \(options.maxLevels)")
        }
        // Within 1e-6 of 0 or 100 the plugins' normal quantiles cannot represent a level
        // (0.5 + 99.99999999999999 / 200 is 1.0, and a plugin stops the process on it).
        for l in levels where !(l >= ServeRoutes.minLevel && l <= ServeRoutes.maxLevel) {
            throw ClientError("field 'level': a level is a percentage between 0 and 100 (from \(ParameterLabel.number(ServeRoutes.minLevel)) to \(ParameterLabel.number(ServeRoutes.maxLevel))), got \(ParameterLabel.number(l))")
        }
        var found: [(String, ServedVersion.Series?)] = []
        var known = 0
        for id in request.ids {
            let s = v.series(id: id)
            if s != nil { known += 1 }
            found.append((id, s))
        }
        guard known > 0 else {
            throw ClientError(.notFound, request.ids.count == 1 ? unknown(v, request.ids[0])
                : "the store has none of the \(request.ids.count) series asked for (first: '\(request.ids[0])')")
        }
        let futureX = try regressorValues(request, found: found, horizon: h)
        var w = JSONWriter(capacity: request.ids.count * (64 + h * 24 * (1 + 2 * levels.count)))
        var errors = JSONWriter()
        w.raw("{\"forecasts\":[")
        var first = true, firstError = true
        func addError(_ id: String, _ message: String) {
            errors.raw(firstError ? "{" : ",{")
            firstError = false
            errors.key("id")
            errors.string(id)
            errors.raw(",")
            errors.key("error")
            errors.string(message)
            errors.raw("}")
        }
        for (id, s) in found {
            guard let s else {
                addError(id, unknown(v, id))
                continue
            }
            switch v.forecast(s, horizon: h, levels: levels, futureX: futureX[id] ?? []) {
            case .failure(let f): addError(id, f.message)
            case .success(let (ds, values)):
                if !first { w.raw(",") }
                first = false
                w.raw("{")
                w.key("id")
                w.string(id)
                w.raw(",")
                w.key("model")
                w.string(s.model)
                w.raw(",")
                var flat = values.mean
                for l in values.lo { flat += l }
                for u in values.hi { flat += u }
                w.forecastFields(ds: ds.map(v.format), flat: flat, horizon: h, levels: levels)
                w.raw("}")
            }
        }
        w.raw("],\"errors\":[")
        w.raw(errors.out)
        w.raw("]}")
        return json(.ok, w.out)
    }
}

/// `fcast serve`: the store opened read-only, its newest version loaded, served until SIGTERM
/// or SIGINT; a newer version is looked for every second (and on SIGHUP) and swapped in.
public final class ModelServer: @unchecked Sendable {
    public let path: String
    public let store: any ModelStore
    public let models: ServedModels
    let registry: PluginRegistry
    let options: ServeOptions
    private let queue = DispatchQueue(label: "fcast.serve.reload")
    private var timer: DispatchSourceTimer?
    private var hangup: DispatchSourceSignal?
    /// Where reloads and their failures are told (stderr by default).
    public var log: @Sendable (String) -> Void = { FileHandle.standardError.write(Data(($0 + "\n").utf8)) }

    public init(path: String, registry: PluginRegistry, options: ServeOptions) throws {
        self.path = path
        self.registry = registry
        self.options = options
        store = try SQLiteModelStore(path: path, readOnly: true)
        guard let version = try store.latest() else { throw StoreError("\(path): the store has no saved version") }
        models = ServedModels(try ServedVersion(version, registry: registry, workers: options.workers ?? ProcessInfo.processInfo.activeProcessorCount))
        for s in models.current.series {
            if let f = s.failure { log("fcast serve: warning: \(s.id): \(f)") }
        }
    }

    /// Loads the store's newest version if it is newer than the one served, and swaps it in.
    public func reloadIfNewer() {
        do {
            let n = try store.latestNumber()
            guard n != models.current.number, let version = try store.latest() else { return }
            let served = try ServedVersion(version, registry: registry,
                                           workers: options.workers ?? ProcessInfo.processInfo.activeProcessorCount)
            models.swap(served)
            log("fcast serve: now serving version \(served.number) (\(served.series.count) series)")
        } catch {
            log("fcast serve: warning: could not load the newest version of \(path): \(error)")
        }
    }

    private func startWatching(hangup: Bool) {
        let t = DispatchSource.makeTimerSource(queue: queue)
        t.schedule(deadline: .now() + options.reloadInterval, repeating: options.reloadInterval)
        t.setEventHandler { [weak self] in self?.reloadIfNewer() }
        t.resume()
        timer = t
        guard hangup else { return }
        signal(SIGHUP, SIG_IGN)
        let h = DispatchSource.makeSignalSource(signal: SIGHUP, queue: queue)
        h.setEventHandler { [weak self] in self?.reloadIfNewer() }
        h.resume()
        self.hangup = h
    }

    private func stopWatching() {
        timer?.cancel()
        hangup?.cancel()
    }

    /// Serves until SIGTERM or SIGINT, letting requests in flight finish. `announce` gets the
    /// line that says where it listens, once it does. Without `handleSignals` (a server in the
    /// background of a script or the REPL) it leaves the signals alone and serves until the
    /// task is cancelled or the process exits.
    public func run(handleSignals: Bool = true, announce: @escaping @Sendable (String) -> Void) async throws {
        var logger = Logger(label: "fcast-serve")
        logger.logLevel = .warning
        let v = models.current
        let path = self.path, host = options.host, port = options.port
        let group: EventLoopGroupProvider = options.workers.map {
            .shared(MultiThreadedEventLoopGroup(numberOfThreads: max(1, $0)))
        } ?? .singleton
        let app = Application(
            router: ServeRoutes.router(models, options: options),
            configuration: ApplicationConfiguration(address: .hostname(host, port: port), serverName: nil),
            onServerRunning: { channel in
                let bound = channel.localAddress?.port ?? port
                announce("serving \(path) version \(v.number) (\(v.series.count) series) on http://\(host):\(bound)")
            },
            eventLoopGroupProvider: group,
            logger: logger)
        startWatching(hangup: handleSignals)
        defer { stopWatching() }
        if handleSignals {
            try await app.runService()
        } else {
            try await app.runService(gracefulShutdownSignals: [])
        }
    }
}
