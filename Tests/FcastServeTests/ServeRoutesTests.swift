import FcastCore
import FcastPlugins
import FcastServe
import FcastStore
import FcastTestSupport
import Foundation
import Hummingbird
import HummingbirdTesting
import XCTest

/// The routes in process (Hummingbird's router test client): every answer is checked against
/// the OpenAPI document the server publishes.
final class ServeRoutesTests: XCTestCase {
    nonisolated(unsafe) static let document: [String: Any] = {
        (try? JSONSerialization.jsonObject(with: Data(OpenAPIDocument.json.utf8))) as? [String: Any] ?? [:]
    }()

    func withApp(_ version: StoreVersion? = nil, options: ServeOptions = ServeOptions(),
                 _ body: @Sendable @escaping (any TestClientProtocol) async throws -> Void) async throws {
        let served = try ServedVersion(try version ?? ServeFixture.version(), registry: ServeFixture.registry, workers: 2)
        let app = Application(router: ServeRoutes.router(ServedModels(served), options: options))
        try await app.test(.router) { client in try await body(client) }
    }

    /// A request, its answer's JSON checked against the document's schema for its route,
    /// method and status.
    @discardableResult
    static func call(_ client: any TestClientProtocol, _ method: HTTPRequest.Method, _ uri: String, body: String? = nil,
                     file: StaticString = #filePath, line: UInt = #line) async throws -> (status: Int, json: Any, text: String) {
        let response = try await client.execute(uri: uri, method: method, body: body.map { ByteBuffer(string: $0) })
        let text = String(buffer: response.body)
        let json = try JSONSerialization.jsonObject(with: Data(text.utf8), options: [.fragmentsAllowed])
        let status = Int(response.status.code)
        let problems = OpenAPICheck(document: document).check(json, method: method.rawValue.lowercased(), uri: uri, status: status)
        XCTAssertEqual(problems, [], "\(method) \(uri) -> \(status) \(text)", file: file, line: line)
        XCTAssertEqual(response.headers[.contentType], "application/json", file: file, line: line)
        return (status, json, text)
    }

    struct Detail: Decodable {
        struct Stored: Decodable { var mean: [Double]; var hi: [String: [Double]] }
        var stored: Stored
    }

    func testHealthSeriesPagesAndOneSeries() async throws {
        let version = try ServeFixture.version()
        try await withApp { client in
            let (s, health, _) = try await Self.call(client, .get, "/v1/health")
            XCTAssertEqual(s, 200)
            let h = try XCTUnwrap(health as? [String: Any])
            XCTAssertEqual(h["status"] as? String, "ok")
            XCTAssertEqual(h["version"] as? Int, version.number)
            XCTAssertEqual(h["series"] as? Int, 20)
            XCTAssertEqual(h["models"] as? Int, 20)

            let (_, page, _) = try await Self.call(client, .get, "/v1/series?offset=18&limit=5")
            let p = try XCTUnwrap(page as? [String: Any])
            XCTAssertEqual(p["total"] as? Int, 20)
            XCTAssertTrue(p["next"] is NSNull)
            XCTAssertEqual((p["series"] as? [[String: Any]])?.map { $0["id"] as? String },
                           version.entries[18...].map(\.seriesID))
            let (_, first, _) = try await Self.call(client, .get, "/v1/series")
            XCTAssertEqual((first as? [String: Any])?["next"] as? Int, nil)
            XCTAssertEqual(((first as? [String: Any])?["series"] as? [Any])?.count, 20)
            let (_, two, _) = try await Self.call(client, .get, "/v1/series?limit=2")
            XCTAssertEqual((two as? [String: Any])?["next"] as? Int, 2)
            let entry = version.entries[0]
            XCTAssertEqual(((two as? [String: Any])?["series"] as? [[String: Any]])?.first?["model"] as? String, entry.model.name)

            let (ds, detail, text) = try await Self.call(client, .get, "/v1/series/\(entry.seriesID)")
            XCTAssertEqual(ds, 200)
            let d = try XCTUnwrap(detail as? [String: Any])
            XCTAssertEqual(d["description"] as? String, entry.description)
            let stored = try XCTUnwrap(d["stored"] as? [String: Any])
            // JSONDecoder reads doubles exactly (JSONSerialization does not, on Linux).
            let exact = try JSONDecoder().decode(Detail.self, from: Data(text.utf8)).stored
            XCTAssertEqual(exact.mean, Array(entry.forecast[0..<8]))
            XCTAssertEqual(exact.hi["95"], Array(entry.forecast[(4 * 8)..<(5 * 8)]))
            XCTAssertEqual((stored["ds"] as? [String])?.first, "2015-01-01")

            let (missing, body, _) = try await Self.call(client, .get, "/v1/series/NSWMetr")
            XCTAssertEqual(missing, 404)
            XCTAssertEqual((body as? [String: Any])?["error"] as? String, "the store has no series 'NSWMetr'; did you mean 'NSWMetro'?")
            let (spaced, _, _) = try await Self.call(client, .get, "/v1/series/no%20such")
            XCTAssertEqual(spaced, 404)
            // A path no route matches (so none the document describes) answers in JSON too.
            let unknown = try await client.execute(uri: "/v2/health", method: .get)
            XCTAssertEqual(unknown.status.code, 404)
            XCTAssertEqual(unknown.headers[.contentType], "application/json")
            XCTAssertTrue(String(buffer: unknown.body).hasPrefix(#"{"error":"no route for GET /v2/health; routes: GET /v1/health"#),
                          String(buffer: unknown.body))
            let (_, doc, _) = try await Self.call(client, .get, "/v1/openapi.json")
            XCTAssertEqual((doc as? [String: Any])?["openapi"] as? String, "3.0.3")
        }
    }

    func testForecastKnownAndUnknownIDs() async throws {
        try await withApp { client in
            let (s, out, _) = try await Self.call(client, .post, "/v1/forecast",
                                               body: #"{"ids": ["NSWMetro", "Nope", "QLDMetro"], "horizon": 3, "level": [80]}"#)
            XCTAssertEqual(s, 200)
            let o = try XCTUnwrap(out as? [String: Any])
            let forecasts = try XCTUnwrap(o["forecasts"] as? [[String: Any]])
            XCTAssertEqual(forecasts.map { $0["id"] as? String }, ["NSWMetro", "QLDMetro"])
            XCTAssertEqual(forecasts[0]["ds"] as? [String], ["2015-01-01", "2015-04-01", "2015-07-01"])
            XCTAssertEqual((forecasts[0]["lo"] as? [String: [Double]])?.keys.sorted(), ["80"])
            XCTAssertEqual((o["errors"] as? [[String: String]])?.first?["id"], "Nope")
            // No level: the stored run's levels.
            let (_, d, _) = try await Self.call(client, .post, "/v1/forecast", body: #"{"ids": ["NSWMetro"], "horizon": 1}"#)
            let f = try XCTUnwrap(((d as? [String: Any])?["forecasts"] as? [[String: Any]])?.first)
            XCTAssertEqual((f["hi"] as? [String: [Double]])?.keys.sorted(), ["80", "95"])
            let (none, _, _) = try await Self.call(client, .post, "/v1/forecast", body: #"{"ids": ["Nope", "Nada"], "horizon": 1}"#)
            XCTAssertEqual(none, 404)
        }
    }

    func testBadInputAnswers4xxNamingTheProblem() async throws {
        let cases: [(String, Int, String)] = [
            ("nonsense", 400, "the body is not valid JSON"),
            ("", 400, "the body is not valid JSON"),
            ("[1, 2]", 400, "the body must be a JSON object"),
            (#"{"horizon": 3}"#, 400, "missing field 'ids'"),
            (#"{"ids": ["NSWMetro"]}"#, 400, "missing field 'horizon'"),
            (#"{"ids": "NSWMetro", "horizon": 3}"#, 400, "field 'ids' must be a list of strings"),
            (#"{"ids": [1], "horizon": 3}"#, 400, "field 'ids[0]' must be a string"),
            (#"{"ids": ["NSWMetro"], "horizon": "3"}"#, 400, "field 'horizon' must be an integer"),
            (#"{"ids": ["NSWMetro"], "horizon": 2.5}"#, 400, "field 'horizon' must be an integer"),
            (#"{"ids": ["NSWMetro"], "horizon": 1e300}"#, 400, "field 'horizon' must be an integer"),
            (#"{"ids": ["NSWMetro"], "horizon": null}"#, 400, "field 'horizon'"),
            (#"{"ids": ["NSWMetro"], "horizon": 0}"#, 400, "field 'horizon' must be at least 1, got 0"),
            (#"{"ids": ["NSWMetro"], "horizon": 1001}"#, 400, "field 'horizon' must be at most 1000 (--max-horizon), got 1001"),
            (#"{"ids": [], "horizon": 1}"#, 400, "field 'ids' must name at least one series"),
            (#"{"ids": ["NSWMetro"], "horizon": 1, "level": 80}"#, 400, "field 'level' must be a list of numbers"),
            (#"{"ids": ["NSWMetro"], "horizon": 1, "level": ["80"]}"#, 400, "field 'level[0]' must be a number"),
            (#"{"ids": ["NSWMetro"], "horizon": 1, "level": [100]}"#, 400,
             "field 'level': a level is a percentage between 0 and 100 (from 1e-06 to 99.999999), got 100"),
            (#"{"ids": ["NSWMetro"], "horizon": 1, "level": [99.99999999999999]}"#, 400, "got 99.99999999999999"),
            (#"{"ids": ["NSWMetro"], "horizon": 1, "level": null}"#, 400, "field 'level' must not be null"),
            (#"{"ids": ["NSWMetro"], "horizon": 1, "level": [0]}"#, 400, "got 0"),
            (#"{"ids": ["NSWMetro"], "horizon": 1, "level": [1,2,3,4,5,6,7,8,9,10,11]}"#, 400, "field 'level' has 11 levels; at most 10"),
            ("{\"ids\": [" + Array(repeating: "\"NSWMetro\"", count: 1001).joined(separator: ",") + "], \"horizon\": 1}", 400,
             "field 'ids' names 1001 series; at most 1000 per request"),
            (#"{"ids": ["Nope"], "horizon": 1}"#, 404, "the store has no series 'Nope'"),
        ]
        try await withApp { client in
            for (body, status, message) in cases {
                let (s, out, _) = try await Self.call(client, .post, "/v1/forecast", body: body)
                XCTAssertEqual(s, status, body)
                let error = (out as? [String: Any])?["error"] as? String ?? ""
                XCTAssertTrue(error.contains(message), "\(body): \(error)")
            }
            for (query, message) in [("limit=0", "query parameter 'limit' must be at least 1, got 0"),
                                     ("limit=1001", "query parameter 'limit' must be at most 1000, got 1001"),
                                     ("offset=-1", "query parameter 'offset' must be at least 0, got -1"),
                                     ("offset=x", "query parameter 'offset' must be an integer, got 'x'")] {
                let (s, out, _) = try await Self.call(client, .get, "/v1/series?\(query)")
                XCTAssertEqual(s, 400)
                XCTAssertEqual((out as? [String: Any])?["error"] as? String, message)
            }
        }
    }

    func testABodyOverTheLimitIs413() async throws {
        var options = ServeOptions()
        options.maxBody = 200
        try await withApp(options: options) { client in
            let big = #"{"ids": ["NSWMetro"], "horizon": 1, "pad": ""# + String(repeating: "x", count: 300) + #""}"#
            let (s, out, _) = try await Self.call(client, .post, "/v1/forecast", body: big)
            XCTAssertEqual(s, 413)
            XCTAssertEqual((out as? [String: Any])?["error"] as? String, "the request body is over 200 bytes (--max-body)")
        }
    }

    func testAModelWhosePluginIsMissingFailsOnlyItsSeries() async throws {
        var version = try ServeFixture.version()
        version.entries[0].model.library = "gone"
        let gone = version.entries[0].seriesID, other = version.entries[1].seriesID
        try await withApp(version) { client in
            let (_, health, _) = try await Self.call(client, .get, "/v1/health")
            XCTAssertEqual((health as? [String: Any])?["models"] as? Int, 19)
            let (s, out, _) = try await Self.call(client, .post, "/v1/forecast", body: #"{"ids": ["\#(gone)", "\#(other)"], "horizon": 2}"#)
            XCTAssertEqual(s, 200)
            let o = try XCTUnwrap(out as? [String: Any])
            XCTAssertEqual((o["forecasts"] as? [[String: Any]])?.map { $0["id"] as? String }, [other])
            let error = try XCTUnwrap((o["errors"] as? [[String: String]])?.first)
            XCTAssertEqual(error["id"], gone)
            XCTAssertTrue(error["error"]?.contains("needs the plugin library 'gone'") == true, "\(error)")
            let (d, detail, _) = try await Self.call(client, .get, "/v1/series/\(gone)")
            XCTAssertEqual(d, 200)
            XCTAssertTrue(((detail as? [String: Any])?["error"] as? String)?.contains("'gone'") == true)
        }
    }

    /// The document names exactly the server's routes, and its references resolve.
    func testTheOpenAPIDocumentNamesExactlyTheRoutes() throws {
        let paths = try XCTUnwrap(Self.document["paths"] as? [String: [String: Any]])
        XCTAssertEqual(Set(paths.keys), ["/v1/health", "/v1/series", "/v1/series/{id}", "/v1/forecast", "/v1/openapi.json"])
        XCTAssertEqual(paths.mapValues { Set($0.keys) },
                       ["/v1/health": ["get"], "/v1/series": ["get"], "/v1/series/{id}": ["get"], "/v1/forecast": ["post"],
                        "/v1/openapi.json": ["get"]])
        let check = OpenAPICheck(document: Self.document)
        func refs(_ v: Any) -> [String] {
            if let d = v as? [String: Any] { return (d["$ref"] as? String).map { [$0] } ?? [] + d.values.flatMap(refs) }
            if let a = v as? [Any] { return a.flatMap(refs) }
            return []
        }
        for r in refs(Self.document) { XCTAssertNotNil(check.resolve(r), r) }
    }
}

/// A small checker of JSON against the OpenAPI 3.0 document's schemas: types, nullable,
/// required and additional properties, items, enums; responses looked up by path template,
/// method and status.
struct OpenAPICheck {
    let document: [String: Any]

    func resolve(_ ref: String) -> [String: Any]? {
        var node: Any = document
        for part in ref.dropFirst(2).split(separator: "/") {
            guard let d = node as? [String: Any], let next = d[String(part)] else { return nil }
            node = next
        }
        return node as? [String: Any]
    }

    func template(for path: String) -> String? {
        let parts = path.split(separator: "/")
        for t in (document["paths"] as? [String: Any] ?? [:]).keys {
            let tp = t.split(separator: "/")
            if tp.count == parts.count && zip(tp, parts).allSatisfy({ $0.hasPrefix("{") || $0 == $1 }) { return t }
        }
        return nil
    }

    func check(_ json: Any, method: String, uri: String, status: Int) -> [String] {
        let path = String(uri.split(separator: "?", maxSplits: 1).first ?? "")
        guard let t = template(for: path) else { return ["no path in the document for \(path)"] }
        guard let op = ((document["paths"] as? [String: Any])?[t] as? [String: Any])?[method] as? [String: Any] else {
            return ["no \(method) for \(t)"]
        }
        guard var response = (op["responses"] as? [String: Any])?[String(status)] as? [String: Any] else {
            return ["\(method) \(t) does not document status \(status)"]
        }
        if let ref = response["$ref"] as? String, let r = resolve(ref) { response = r }
        guard let schema = ((response["content"] as? [String: Any])?["application/json"] as? [String: Any])?["schema"] as? [String: Any] else {
            return ["\(method) \(t) \(status) has no JSON schema"]
        }
        return validate(json, schema, at: "$")
    }

    func validate(_ value: Any, _ schema: [String: Any], at path: String) -> [String] {
        if let ref = schema["$ref"] as? String {
            guard let s = resolve(ref) else { return ["\(path): unresolved \(ref)"] }
            return validate(value, s, at: path)
        }
        if value is NSNull { return schema["nullable"] as? Bool == true ? [] : ["\(path): null where not nullable"] }
        var problems: [String] = []
        switch schema["type"] as? String {
        case "object"?:
            guard let d = value as? [String: Any] else { return ["\(path): not an object"] }
            for r in schema["required"] as? [String] ?? [] where d[r] == nil { problems.append("\(path): missing \(r)") }
            let props = schema["properties"] as? [String: Any] ?? [:]
            for (k, v) in d {
                if let p = props[k] as? [String: Any] {
                    problems += validate(v, p, at: "\(path).\(k)")
                } else if let extra = schema["additionalProperties"] as? [String: Any] {
                    problems += validate(v, extra, at: "\(path).\(k)")
                } else if schema["additionalProperties"] as? Bool == false {
                    problems.append("\(path): property \(k) not in the schema")
                }
            }
        case "array"?:
            guard let a = value as? [Any] else { return ["\(path): not an array"] }
            if let items = schema["items"] as? [String: Any] {
                for (i, v) in a.enumerated() { problems += validate(v, items, at: "\(path)[\(i)]") }
            }
        case "string"?:
            guard let s = value as? String else { return ["\(path): not a string"] }
            if let e = schema["enum"] as? [String], !e.contains(s) { problems.append("\(path): \(s) not in \(e)") }
        case "integer"?:
            guard let n = value as? NSNumber, n.doubleValue == n.doubleValue.rounded() else {
                return ["\(path): not an integer"]
            }
        case "number"?:
            guard value is NSNumber else { return ["\(path): not a number"] }
        default: break
        }
        return problems
    }
}
