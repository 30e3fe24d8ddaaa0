import FcastCore
import FcastExec
import FcastPlot
import FcastPlugins
import FcastTestSupport
import Foundation
import XCTest

@testable import FcastLang

/// Scripts against `InMemoryHost`: data from a dictionary, runs inline, writes and plots
/// recorded; nothing on disk. And builtin libraries an embedder registers.
final class HostTests: XCTestCase {
    var output = ""
    var host: InMemoryHost!
    var interp: Interpreter!
    var artifacts: [String] = []

    /// Two monthly series of 12 points: a is 1...12, b is 2, 4, ..., 24.
    static let csv: String = {
        var text = "unique_id,ds,y\n"
        for (id, scale) in [("a", 1), ("b", 2)] {
            for m in 1...12 { text += "\(id),2020-\(m < 10 ? "0" : "")\(m)-01,\(m * scale)\n" }
        }
        return text
    }()

    override func setUpWithError() throws {
        let registry = PluginRegistry()
        try registry.load(path: TestSupport.naivePlugin.path)
        output = ""
        artifacts = []
        host = InMemoryHost(files: ["data/d.csv": Self.csv])
        interp = Interpreter(registry: registry, host: host, output: { [unowned self] in self.output += $0 }, progress: .silent)
        interp.onArtifact = { [unowned self] in self.artifacts.append($0) }
    }

    func run(_ text: String) throws {
        try interp.run(try Parser.parse(Source(name: "test.fc", text: text)))
    }

    func failure(_ text: String) -> String {
        let source = Source(name: "test.fc", text: text)
        do {
            try interp.run(try Parser.parse(source))
            XCTFail("expected an error for: \(text)")
            return ""
        } catch {
            return error.render(source: source)
        }
    }

    // MARK: The language over the in-memory host

    func testLoadSplitRunEvaluateWriteInMemory() throws {
        try run("""
            d = load("data/d.csv")
            train, test = split(d, last: 2)
            res = run(grid(naive(), mean()), train, horizon: 2, executor: "inline")
            scores = evaluate(res, test)
            write(res, "out/forecasts.csv")
            write(test, "out/test.csv")
            write(summary(scores, sort: "mae"), "out/summary.csv")
            """)
        XCTAssertEqual(host.runs, ["inline"])
        XCTAssertEqual(host.files["out/forecasts.csv"], """
            unique_id,ds,model,yhat
            a,2020-11-01,naive,10
            a,2020-12-01,naive,10
            a,2020-11-01,mean,5.5
            a,2020-12-01,mean,5.5
            b,2020-11-01,naive,20
            b,2020-12-01,naive,20
            b,2020-11-01,mean,11
            b,2020-12-01,mean,11

            """)
        XCTAssertEqual(host.files["out/test.csv"], """
            unique_id,ds,y
            a,2020-11-01,11
            a,2020-12-01,12
            b,2020-11-01,22
            b,2020-12-01,24

            """)
        XCTAssertTrue(output.contains("wrote 8 rows to out/forecasts.csv\nwrote 4 rows to out/test.csv\nwrote 2 rows to out/summary.csv\n"), output)
        // naive misses a by 1 and 2, b by 2 and 4: mean MAE 2.25; mean by 5.5, 6.5, 11, 13: 9.
        let summary = try XCTUnwrap(host.files["out/summary.csv"]).split(separator: "\n")
        XCTAssertTrue(summary[0].hasPrefix("model,series,failed,mae,"), "\(summary)")
        XCTAssertTrue(summary[1].hasPrefix("naive,2,0,2.25,"), "\(summary)")
        XCTAssertTrue(summary[2].hasPrefix("mean,2,0,9,"), "\(summary)")
    }

    func testRunWithIntervalsWritesEveryRowItCounts() throws {
        try run("""
            train, test = split(load("data/d.csv"), last: 3)
            res = run(grid(naive(), drift(), snaive(season: 12)), train, horizon: 3, level: [80, 95])
            write(res, "f.csv")
            """)
        let text = try XCTUnwrap(host.files["f.csv"])
        let lines = text.split(separator: "\n")
        XCTAssertEqual(lines[0], "unique_id,ds,model,yhat,lo80,hi80,lo95,hi95")
        // snaive(12) fails on 9 points: 2 series x 2 models x 3 steps are written.
        XCTAssertEqual(lines.count - 1, 12)
        XCTAssertTrue(output.contains("wrote 12 rows to f.csv"), output)
        XCTAssertFalse(text.contains("snaive"))
    }

    func testPredictThroughTheHost() throws {
        try run("""
            train, test = split(load("data/d.csv"), last: 2)
            res = run(naive(), train, horizon: 2)
            longer = predict(res, horizon: 3)
            write(longer, "longer.csv")
            """)
        XCTAssertEqual(host.files["longer.csv"], """
            unique_id,ds,model,yhat
            a,2020-11-01,naive,10
            a,2020-12-01,naive,10
            a,2021-01-01,naive,10
            b,2020-11-01,naive,20
            b,2020-12-01,naive,20
            b,2021-01-01,naive,20

            """)
        guard case .run(let longer)? = interp.globals["longer"] else { return XCTFail("no run bound") }
        XCTAssertEqual(longer.horizon, 3)
        XCTAssertEqual(longer.executor, "inline")
    }

    func testRunsKeepTheirModelsUnlessToldNot() throws {
        try run("""
            train, test = split(load("data/d.csv"), last: 2)
            kept = run(drift(), train, horizon: 2)
            dropped = run(drift(), train, horizon: 2, keep: false)
            write(predict(dropped, horizon: 2), "dropped.csv")
            write(kept, "kept.csv")
            """)
        guard case .run(let kept)? = interp.globals["kept"], case .run(let dropped)? = interp.globals["dropped"] else {
            return XCTFail("no runs bound")
        }
        XCTAssertTrue(kept.kept.allSatisfy { $0 != nil })
        XCTAssertTrue(dropped.kept.allSatisfy { $0 == nil })
        // predict fits a model that was not kept again: the same numbers.
        XCTAssertEqual(host.files["dropped.csv"], host.files["kept.csv"])
        XCTAssertTrue(failure("run(drift(), load(\"data/d.csv\"), horizon: 2, keep: 1)")
            .contains("'keep' must be true or false, got a number"))
    }

    func testSaveOpenPredictAndRefitAStore() throws {
        try run("""
            d = load("data/d.csv")
            train, test = split(d, last: 2)
            res = run(grid(naive(), drift()), train, horizon: 2, level: [80])
            b = best(evaluate(res, test), by: "mae")
            save(b, "models/x.db")
            s = open("models/x.db")
            write(predict(s, horizon: 2), "stored.csv")
            write(predict(b, horizon: 2), "best.csv")
            write(predict(s, horizon: 3, level: [50], ids: "b"), "b.csv")
            s2 = refit(s, d)
            write(predict(s2, horizon: 1), "refit.csv")
            """)
        // The stored models forecast exactly what the run's winners did.
        XCTAssertEqual(host.files["stored.csv"], host.files["best.csv"])
        XCTAssertTrue(output.contains("saved version 1 to models/x.db: 2 series, 2 models\n"), output)
        XCTAssertTrue(output.contains("refit 2 of 2 models, 0 failed; saved version 2 to models/x.db\n"), output)
        XCTAssertEqual(host.files["b.csv"]?.split(separator: "\n").count, 4)
        XCTAssertTrue(host.files["b.csv"]!.hasPrefix("unique_id,ds,model,yhat,lo50,hi50\nb,2020-11-01,"), host.files["b.csv"]!)
        // Refitted on all 12 months: the forecasts start after December.
        XCTAssertTrue(host.files["refit.csv"]!.contains("a,2021-01-01,"), host.files["refit.csv"]!)
        guard case .store(let s2)? = interp.globals["s2"] else { return XCTFail("no store bound") }
        XCTAssertEqual(s2.version.number, 2)
        let shown = Display.render(.store(s2), limit: 10)
        XCTAssertTrue(shown.hasPrefix("model store models/x.db, version 2 (saved "), shown)
        XCTAssertTrue(shown.contains("2 series, the best model of each by mae: "), shown)
    }

    func testStoreErrorsNameWhatIsWrong() throws {
        XCTAssertTrue(failure("s = open(\"models/none.db\")").contains("open(): models/none.db: no such model store"))
        try run("""
            train, test = split(load("data/d.csv"), last: 2)
            res = run(naive(), train, horizon: 2)
            save(res, "models/r.db")
            s = open("models/r.db")
            """)
        let unknown = failure("predict(s, horizon: 2, ids: [\"a\", \"bb\"])")
        XCTAssertTrue(unknown.contains("the store has no series 'bb'; did you mean 'b'?"), unknown)
        XCTAssertTrue(failure("predict(res, horizon: 2, ids: \"a\")").contains("'ids' chooses series of a model store"))
        XCTAssertTrue(failure("save(train, \"models/t.db\")").contains("'value' must be a best-model table or a run result"))
    }

    func testPlotsAreRecordedWithTheirTargets() throws {
        try run("""
            train, test = split(load("data/d.csv"), last: 2)
            res = run(naive(), train, horizon: 2)
            plot(res, ids: "b", actual: test, to: "plots/b.png")
            plot(train)
            """)
        XCTAssertEqual(host.plots.count, 2)
        XCTAssertEqual(host.plots[0].path, "plots/b.png")
        XCTAssertEqual(host.plots[0].terminal, .png(width: 1000, height: 480))
        XCTAssertEqual(host.plots[0].figure.charts.map(\.title), ["b — naive"])
        XCTAssertNil(host.plots[1].path)
        XCTAssertEqual(host.plots[1].terminal, host.plotTerminal)
        XCTAssertEqual(artifacts, ["plots/b.png"])
        XCTAssertTrue(output.contains("plot: wrote plots/b.png (1 series)"), output)
        // The text terminal draws one series; the in-memory host "draws" a line naming it.
        XCTAssertTrue(output.contains("[plot: a]"), output)
        XCTAssertNil(host.files["plots/b.png"], "plots are not files of the in-memory host")
    }

    // MARK: Errors

    func testUnknownExecutorIsADiagnosticAtTheArgument() throws {
        try run("train, test = split(load(\"data/d.csv\"), last: 2)")
        let e = failure("res = run(naive(), train, horizon: 2, executor: \"gpu\")")
        XCTAssertTrue(e.contains("test.fc:1:49: error: run(): unknown executor 'gpu'; executors: \"threads\", \"inline\""), e)
        XCTAssertTrue(host.runs.isEmpty)
        XCTAssertNil(interp.globals["res"])
    }

    func testUnknownExecutorOnTheSystemHostToo() throws {
        let registry = PluginRegistry()
        try registry.load(path: TestSupport.naivePlugin.path)
        let system = Interpreter(registry: registry, host: SystemHost(), output: { _ in }, progress: .silent)
        system.bind("train", .data(try LongCSV.parse(text: Self.csv, name: "d.csv")))
        let source = Source(name: "test.fc", text: "run(naive(), train, horizon: 2, executor: \"gpu\")")
        do {
            try system.run(try Parser.parse(source))
            XCTFail("an unknown executor ran")
        } catch {
            let e = error.render(source: source)
            XCTAssertTrue(e.contains("test.fc:1:43: error: run(): unknown executor 'gpu'; executors: \"threads\""), e)
        }
    }

    func testLoadingAMissingFileNamesThePath() {
        let e = failure("d = load(\"data/nope.csv\")")
        XCTAssertTrue(e.contains("test.fc:1:10: error: cannot open 'data/nope.csv': No such file or directory"), e)
        // A file on disk is not a file of the in-memory host.
        let real = TestSupport.exampleData("visnights.csv").path
        XCTAssertTrue(FileManager.default.fileExists(atPath: real))
        XCTAssertTrue(failure("load(\"\(real)\")").contains("cannot open '\(real)'"))
    }

    func testBadRowsAreReportedWithTheInMemoryFileName() {
        host.files["bad.csv"] = "unique_id,ds,y\na,2020-01-01,1\na,2020-02-01,x\n"
        let e = failure("load(\"bad.csv\")")
        XCTAssertTrue(e.contains("bad.csv:3:"), e)
    }

    func testNoRealFileIsTouched() throws {
        let dir = "fcast-host-test-\(UUID().uuidString)"
        let absolute = NSTemporaryDirectory() + dir
        try run("""
            d = load("data/d.csv")
            write(d, "\(dir)/d.csv")
            write(d, "\(absolute)/d.csv")
            plot(d, ids: "a", to: "\(dir)/a.png")
            """)
        XCTAssertNotNil(host.files["\(dir)/d.csv"])
        XCTAssertNotNil(host.files["\(absolute)/d.csv"])
        for path in [dir, "\(dir)/d.csv", "\(dir)/a.png", absolute, "\(absolute)/d.csv"] {
            XCTAssertFalse(FileManager.default.fileExists(atPath: path), "\(path) exists on disk")
        }
    }

    func testWriteOfAValueItCannotWrite() {
        let e = failure("write(1, \"x.csv\")")
        XCTAssertTrue(e.contains("test.fc:1:7: error: write() cannot write a number"), e)
        XCTAssertNil(host.files["x.csv"])
    }

    // MARK: Libraries

    static let extra = BuiltinLibrary(name: "extra", summary: "An embedder's builtins.", builtins: [
        Builtin(name: "twice",
                parameters: [.init(name: "x", positional: true, required: true, help: "a number"),
                             .init(name: "plus", positional: false, required: false, help: "added after")],
                summary: "Twice a number.", example: "twice(21)",
                body: { interp, a in
                    let x = try a.number("x") ?? 0
                    interp.output("twice of \(x)\n")
                    return .number(2 * x + (try a.number("plus") ?? 0))
                }),
        Builtin(name: "fails", parameters: [], summary: "Throws a plain error.", example: "fails()",
                body: { _, _ in throw FcastError("the embedder said no") }),
    ])

    func testAnEmbedderRegistersALibrary() throws {
        XCTAssertEqual(interp.libraries.map(\.name), ["data", "models", "scoring", "output", "plotting", "store", "residuals", "validation", "tuning", "events", "cluster"])
        try interp.register(Self.extra)
        try run("y = twice(20, plus: 2)")
        guard case .number(42)? = interp.globals["y"] else { return XCTFail("\(interp.globals)") }
        XCTAssertEqual(output, "twice of 20.0\n")
        XCTAssertTrue(interp.knownNames.contains("twice"))
        XCTAssertEqual(interp.namedParameters(of: "twice"), ["plus"])
        XCTAssertEqual(interp.help(forBuiltin: "twice")?.library, "extra")
        XCTAssertTrue(interp.builtinHelp.contains { $0.name == "twice" })
        // The binding and its diagnostics are the language's, as for the standard builtins.
        XCTAssertTrue(failure("twice(1, pls: 2)").contains("twice() has no parameter 'pls'"))
        XCTAssertTrue(failure("twice()").contains("twice() needs 'x'"))
        XCTAssertTrue(failure("twice(\"a\")").contains("twice(): 'x' must be a number, got a string"))
        XCTAssertTrue(failure("y = twise(1)").contains("did you mean 'twice'?"))
        // Another error from a body becomes a diagnostic at the call.
        XCTAssertTrue(failure("fails()").contains("test.fc:1:1: error: fails: the embedder said no"))
        // A fresh interpreter does not have it.
        let other = Interpreter(registry: interp.registry, host: InMemoryHost(), output: { _ in }, progress: .silent)
        XCTAssertNil(other.builtin(named: "twice"))
    }

    func testDuplicateRegistrationsAreErrors() throws {
        try interp.register(Self.extra)
        XCTAssertThrowsError(try interp.register(Self.extra)) { error in
            XCTAssertEqual(error as? LibraryError, LibraryError("a library named 'extra' is already registered"))
        }
        let clash = BuiltinLibrary(name: "mine", summary: "", builtins: [
            Builtin(name: "load", parameters: [], summary: "", example: "load()", body: { _, _ in .none }),
        ])
        XCTAssertThrowsError(try interp.register(clash)) { error in
            XCTAssertEqual("\(error)", "library 'mine': 'load' is already a builtin of library 'data'")
        }
        let twice = BuiltinLibrary(name: "twice", summary: "", builtins: [
            Builtin(name: "f", parameters: [], summary: "", example: "f()", body: { _, _ in .none }),
            Builtin(name: "f", parameters: [], summary: "", example: "f()", body: { _, _ in .none }),
        ])
        XCTAssertThrowsError(try interp.register(twice)) { error in
            XCTAssertEqual("\(error)", "library 'twice' declares 'f' twice")
        }
        let parameters = BuiltinLibrary(name: "params", summary: "", builtins: [
            Builtin(name: "g", parameters: [.init(name: "x", positional: true, required: true, help: ""),
                                            .init(name: "x", positional: false, required: false, help: "")],
                    summary: "", example: "g(1)", body: { _, _ in .none }),
        ])
        XCTAssertThrowsError(try interp.register(parameters))
        // Nothing of a refused library is added.
        XCTAssertNil(interp.builtin(named: "f"))
        XCTAssertNil(interp.builtin(named: "g"))
        XCTAssertEqual(interp.libraries.map(\.name), ["data", "models", "scoring", "output", "plotting", "store", "residuals", "validation", "tuning", "events", "cluster", "extra"])
        try run("d = load(\"data/d.csv\")")
    }

    func testABodyAskingForAnArgumentItDidNotGetIsADiagnostic() throws {
        try interp.register(BuiltinLibrary(name: "careless", summary: "", builtins: [
            Builtin(name: "careless", parameters: [.init(name: "x", positional: true, required: false, help: "")],
                    summary: "", example: "careless()", body: { _, a in .number(Double(try a.requiredInt("x"))) }),
        ]))
        XCTAssertTrue(failure("careless()").contains("test.fc:1:1: error: careless() needs 'x'"))
        try run("c = careless(3)")
        guard case .number(3)? = interp.globals["c"] else { return XCTFail("\(interp.globals)") }
    }

    func testStandardLibrariesAreDistinctAndGrouped() throws {
        let names = BuiltinLibrary.standard.flatMap { $0.builtins.map(\.name) }
        XCTAssertEqual(Set(names).count, names.count, "a builtin in two standard libraries: \(names)")
        XCTAssertEqual(Set(BuiltinLibrary.standard.map(\.name)).count, BuiltinLibrary.standard.count)
        XCTAssertEqual(BuiltinLibrary.data.builtins.map(\.name), ["load", "describe", "split", "ids", "take", "fill_gaps"])
        XCTAssertEqual(BuiltinLibrary.models.builtins.map(\.name), ["grid", "run", "predict"])
        XCTAssertEqual(BuiltinLibrary.scoring.builtins.map(\.name), ["evaluate", "summary", "best"])
        XCTAssertEqual(BuiltinLibrary.output.builtins.map(\.name), ["show", "write"])
        XCTAssertEqual(BuiltinLibrary.plotting.builtins.map(\.name), ["plot"])
        // Registering a standard library again is an error, not a crash.
        XCTAssertThrowsError(try interp.register(.data))
    }
}
