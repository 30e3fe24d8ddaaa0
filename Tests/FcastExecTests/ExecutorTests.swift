import FcastCore
import FcastExec
import FcastPlan
import FcastPlugins
import FcastTestSupport
import XCTest

/// The spine: plans, executors, seeds and kept models, against the built plugin libraries
/// (naive, and prophet for simulated intervals) on the bundled quarterly tourism data.
final class ExecutorTests: XCTestCase {
    static let registry: PluginRegistry = {
        let r = PluginRegistry()
        for name in ["naive", "prophet"] {
            _ = try? r.load(path: TestSupport.buildDir.appendingPathComponent("libfcast_\(name).so").path)
        }
        return r
    }()
    static let visnights = try! LongCSV.load(path: TestSupport.exampleData("visnights.csv").path)

    func spec(_ algorithm: String, _ values: [String: ParameterValue] = [:]) throws -> ModelSpec {
        let a = try XCTUnwrap(Self.registry.algorithm(named: algorithm), "plugin for \(algorithm) not built")
        return ModelSpec(algorithm: a, values: values)
    }

    func run(_ models: [ModelSpec], _ data: Panel, horizon: Int = 8, levels: [Double] = [80, 95],
             on executor: any Executor) throws -> RunResult {
        var named = models
        ModelSpec.assignNames(&named)
        let options = RunOptions(horizon: horizon, levels: levels, seed: 7)
        let job = Job(plan: Runner.plan(named, on: data, options: options), models: named, data: data)
        return try Runner.run(job, on: executor, cancel: CancelToken(), progress: .none, progressOutput: .silent)
    }

    /// Every number a task produced, to compare across runs.
    func numbers(_ r: RunResult, model m: Int, series s: Int) -> [Double] {
        var out = Array(r.meanSlice(model: m, series: s))
        for l in r.levels.indices { out += r.loSlice(model: m, series: s, level: l) + r.hiSlice(model: m, series: s, level: l) }
        return out
    }

    // MARK: Plan

    func testPlanJSONIsCanonicalAndTheHashIdentifiesIt() throws {
        let models = [try spec("snaive", ["season": .int(4)]), try spec("drift")]
        let options = RunOptions(horizon: 8, levels: [80, 95], seed: 3)
        let plan = Runner.plan(models, on: Self.visnights, dataName: "visnights.csv", options: options)
        let json = String(decoding: plan.canonicalJSON(), as: UTF8.self)
        XCTAssertTrue(json.hasPrefix(#"{"data":{"fingerprint":""#), json)
        XCTAssertTrue(json.contains(#""parameters":{"season":{"int":4}}"#), json)
        XCTAssertFalse(json.contains(" "), "canonical JSON has no whitespace: \(json)")
        // A round trip gives the same plan, the same bytes and the same hash.
        let back = try Plan.decode(plan.canonicalJSON())
        XCTAssertEqual(back, plan)
        XCTAssertEqual(back.canonicalJSON(), plan.canonicalJSON())
        XCTAssertEqual(back.hash, plan.hash)
        XCTAssertEqual(plan.hash.count, 64)
        // Any change of data, model, horizon or seed changes the hash.
        var other = plan
        other.seed = 4
        XCTAssertNotEqual(other.hash, plan.hash)
        var changed = Self.visnights
        changed.y[5] += 1
        XCTAssertNotEqual(DataReference(changed, name: "visnights.csv").fingerprint, plan.data.fingerprint)
        XCTAssertEqual(DataReference(Self.visnights, name: "x").fingerprint, plan.data.fingerprint)
        // 20 series x 2 models x 1 window; task k is (window, model, series).
        XCTAssertEqual(plan.taskCount, 40)
        XCTAssertEqual(plan.task(21), TaskRef(series: 1, model: 1, window: 0))
        XCTAssertEqual(Set(plan.executionOrder()), Set(0..<40))
    }

    func testSHA256OfAKnownText() {
        // FIPS 180-2's example.
        XCTAssertEqual(Digest.sha256Hex(Data("abc".utf8)),
                       "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    }

    func testResolvingAPlanNamesWhatIsMissing() throws {
        let models = [try spec("snaive", ["season": .int(4)])]
        let plan = Runner.plan(models, on: Self.visnights, options: RunOptions(horizon: 4))
        let resolved = try plan.resolve(in: Self.registry)
        XCTAssertEqual(resolved.map(\.algorithm.name), ["snaive"])
        XCTAssertEqual(resolved[0].values, ["season": .int(4)])

        func message(_ p: Plan, exact: Bool = false) -> String {
            do { _ = try p.resolve(in: Self.registry, exactVersions: exact); return "resolved" } catch { return error.description }
        }
        var missing = plan
        missing.models[0].library = "ets"
        XCTAssertTrue(message(missing).contains("needs the plugin library 'ets'"), message(missing))
        var newer = plan
        newer.models[0].libraryVersion = "2.0.0"
        XCTAssertTrue(message(newer).contains("a different major version is incompatible"), message(newer))
        var minor = plan
        minor.models[0].libraryVersion = plan.models[0].libraryVersion + ".1"
        XCTAssertEqual(message(minor), "resolved")
        XCTAssertTrue(message(minor, exact: true).contains("resuming needs the same version"), message(minor, exact: true))
        var algorithm = plan
        algorithm.models[0].algorithm = "snaiv"
        XCTAssertTrue(message(algorithm).contains("has no algorithm 'snaiv'"), message(algorithm))
        var parameter = plan
        parameter.models[0].parameters["seasn"] = .int(4)
        XCTAssertTrue(message(parameter).contains("no parameter 'seasn'"), message(parameter))
    }

    // MARK: Same numbers everywhere

    func testAModelGivesTheSameIntervalsAloneOrInAGridOnAnyDriver() throws {
        // Prophet's intervals are simulated: they depend on the seed, and the seed must
        // depend only on the series, the model and the run's seed.
        let data = Self.visnights.subset([0, 3, 7])
        let additive = try spec("prophet", ["mode": .string("additive")])
        let alone = try run([additive], data, on: InlineExecutor())
        let grid = try run([try spec("naive"), try spec("prophet", ["mode": .string("multiplicative")]), additive],
                           data, on: ThreadExecutor(workers: 2))
        let oneWorker = try run([try spec("prophet", ["mode": .string("multiplicative")]), additive], data,
                                on: ThreadExecutor(workers: 1))
        XCTAssertEqual(alone.failedTasks, 0)
        for s in 0..<data.count {
            let expected = numbers(alone, model: 0, series: s)
            XCTAssertTrue(expected.allSatisfy(\.isFinite))
            XCTAssertEqual(numbers(grid, model: 2, series: s), expected, "series \(data.ids[s]) in a grid of 3 on 2 threads")
            XCTAssertEqual(numbers(oneWorker, model: 1, series: s), expected, "series \(data.ids[s]) on 1 thread")
        }
        // A different run seed gives other simulations.
        let options = RunOptions(horizon: 8, levels: [80, 95], seed: 8)
        let reseeded = try Runner.run(Job(plan: Runner.plan([additive], on: data, options: options), models: [additive], data: data),
                                      on: InlineExecutor(), cancel: CancelToken(), progress: .none, progressOutput: .silent)
        XCTAssertNotEqual(numbers(reseeded, model: 0, series: 0), numbers(alone, model: 0, series: 0))
    }

    func testInlineAndThreadsGiveIdenticalResults() throws {
        let models = [try spec("naive"), try spec("snaive", ["season": .int(4)]), try spec("drift"), try spec("mean")]
        let inline = try run(models, Self.visnights, on: InlineExecutor())
        let threads = try run(models, Self.visnights, on: ThreadExecutor(workers: 2))
        XCTAssertEqual(inline.mean, threads.mean)
        XCTAssertEqual(inline.lo, threads.lo)
        XCTAssertEqual(inline.hi, threads.hi)
        XCTAssertEqual(inline.descriptions, threads.descriptions)
        XCTAssertEqual(inline.executor, "inline")
        XCTAssertEqual(threads.executor, "threads")
    }

    // MARK: Kept models

    func testPredictFromKeptModelsEqualsTheRun() throws {
        let data = Self.visnights.subset([0, 1, 2, 3])
        let models = [try spec("snaive", ["season": .int(4)]), try spec("drift"), try spec("prophet")]
        let res = try run(models, data, on: ThreadExecutor(workers: 2))
        XCTAssertEqual(res.failedTasks, 0)
        XCTAssertTrue(res.kept.allSatisfy { $0 != nil })
        let again = try res.predict(horizon: 8, levels: [80, 95])
        XCTAssertEqual(again.mean, res.mean)
        XCTAssertEqual(again.lo, res.lo)
        XCTAssertEqual(again.hi, res.hi)
        XCTAssertEqual(again.futureDs, res.futureDs)
        // Any horizon: the first 8 steps of a longer forecast are the run's means.
        let longer = try res.predict(horizon: 20, levels: [])
        for m in models.indices {
            for s in 0..<data.count {
                XCTAssertEqual(Array(longer.meanSlice(model: m, series: s).prefix(8)), Array(res.meanSlice(model: m, series: s)))
            }
        }
        XCTAssertEqual(longer.futureSlice(series: 0).count, 20)
    }

    func testPredictLoadsSavedBytesAndRefitsWhatWasNotKept() throws {
        let data = Self.visnights.subset([0, 1])
        let models = [try spec("snaive", ["season": .int(4)]), try spec("drift")]
        let res = try run(models, data, on: InlineExecutor())
        var saved = res
        // As a worker process hands models back: the plugin's bytes, or nothing.
        saved.kept = res.kept.enumerated().map { k, model in
            guard case .fitted(let f)? = model, k % 2 == 0 else { return nil }
            return .saved(try! f.save())
        }
        let again = try saved.predict(horizon: 8, levels: [80, 95])
        XCTAssertEqual(again.mean, res.mean)
        XCTAssertEqual(again.hi, res.hi)
    }

    func testFailedTasksStayFailedInPredict() throws {
        // A season of 80 quarters is longer than the series (76 points): the task fails.
        let data = Self.visnights.subset([0])
        let res = try run([try spec("snaive", ["season": .int(80)])], data, on: InlineExecutor())
        XCTAssertEqual(res.failedTasks, 1)
        let again = try res.predict(horizon: 4, levels: [])
        XCTAssertEqual(again.failedTasks, 1)
        XCTAssertEqual(again.failures.first?.failure.message, res.failures.first?.failure.message)
    }

    func testBestKeepsTheWinnersModels() throws {
        let (train, test) = try Self.visnights.split(last: 8)
        let models = [try spec("naive"), try spec("snaive", ["season": .int(4)]), try spec("drift")]
        let res = try run(models, train, on: ThreadExecutor(workers: 2))
        let best = try Evaluation.best(try Evaluation.evaluate(res, test: test), by: "mase")
        XCTAssertEqual(best.count, 20)
        let winners = best.compactMap(\.task)
        XCTAssertEqual(winners.count, 20)
        for row in best {
            let t = res.plan.task(row.task!)
            XCTAssertEqual(train.ids[t.series], row.id)
            XCTAssertEqual(res.models[t.model].name, row.model)
        }
        // Forecasting the winners only: their numbers are the run's, the rest are not run.
        let f = try res.predict(horizon: 8, levels: [80, 95], tasks: winners)
        XCTAssertEqual(f.completedTasks, 20)
        for k in winners {
            let t = res.plan.task(k)
            XCTAssertEqual(f.meanSlice(model: t.model, series: t.series), res.meanSlice(model: t.model, series: t.series))
        }
    }

    // MARK: Cancellation

    func testACancelledRunStopsAndKeepsWhatFinished() throws {
        let models = [try spec("naive")]
        let options = RunOptions(horizon: 4)
        let job = Job(plan: Runner.plan(models, on: Self.visnights, options: options), models: models, data: Self.visnights)
        let token = CancelToken()
        token.cancel()
        let r = try Runner.run(job, on: ThreadExecutor(workers: 2), cancel: token, progress: .none, progressOutput: .silent)
        XCTAssertTrue(r.cancelled)
        XCTAssertEqual(r.completedTasks, 0)
        // Another run in the same process is not affected.
        let other = try Runner.run(job, on: ThreadExecutor(workers: 2), cancel: CancelToken(), progress: .none,
                                   progressOutput: .silent)
        XCTAssertFalse(other.cancelled)
        XCTAssertEqual(other.completedTasks, 20)
        // A child token is cancelled with its parent, not the other way round.
        let session = CancelToken(), runToken = CancelToken(parent: session)
        runToken.cancel()
        XCTAssertFalse(session.isCancelled)
        session.cancel()
        XCTAssertTrue(CancelToken(parent: session).isCancelled)
    }

    // MARK: Saved-model envelope

    func testSavedModelEnvelopeRoundTripsAndRejectsDamage() throws {
        let model = try spec("snaive", ["season": .int(4)]).planned
        let envelope = SavedModel(model: model, abi: FcastVersion.abi, payload: [1, 2, 3, 250])
        let bytes = envelope.encoded()
        XCTAssertEqual(Array(bytes.prefix(8)), Array("FCMODEL".utf8) + [0])
        let back = try SavedModel.decode(bytes)
        XCTAssertEqual(back, envelope)
        XCTAssertEqual(back.model.parameters, ["season": .int(4)])
        XCTAssertEqual(back.header.library, "naive")
        var damaged = bytes
        damaged[damaged.count - 1] ^= 1
        XCTAssertThrowsError(try SavedModel.decode(damaged)) { XCTAssertTrue("\($0)".contains("corrupted"), "\($0)") }
        XCTAssertThrowsError(try SavedModel.decode(Array(bytes.dropLast()))) { XCTAssertTrue("\($0)".contains("truncated"), "\($0)") }
        XCTAssertThrowsError(try SavedModel.decode([1, 2, 3])) { XCTAssertTrue("\($0)".contains("magic"), "\($0)") }
    }
}
