import FcastCore
import FcastExec
import FcastPlugins
import FcastTestSupport
import XCTest

@testable import FcastLang

/// Issue 18: every input gets an error, never a crash. Each class of crash the fuzzing found
/// (deep nesting, long chains, Double -> Int traps, huge allocations, empty grids, plugins'
/// bad intervals) has a test here; loaders' and writers' limits are in FcastCoreTests.
final class LanguageLimitsTests: LanguageTestCase {
    var vis: String { TestSupport.exampleData("visnights.csv").path }

    /// The location part of a rendered diagnostic ("test.fc:1:1101").
    func location(_ rendered: String) -> String {
        String(rendered.split(separator: "\n")[0].split(separator: ": error:")[0])
    }

    func testDeepParenthesesAreAnErrorAtTheirLocation() {
        // ~1,100 parentheses overflowed the parser's stack (SIGSEGV).
        let text = "x = " + String(repeating: "(", count: 1100) + "1" + String(repeating: ")", count: 1100)
        let msg = failure(text)
        XCTAssertTrue(msg.contains("nested too deeply: more than 100 levels"), msg)
        // The 101st level: `x = ` is 4 columns, so the 101st '(' is at column 4 + 101.
        XCTAssertEqual(location(msg), "test.fc:1:105", msg)
    }

    func testNestingUpToTheLimitRuns() throws {
        let text = "x = " + String(repeating: "(", count: 99) + "41 + 1" + String(repeating: ")", count: 99)
        try run(text)
        guard case .number(42) = interp.globals["x"]! else { return XCTFail("\(interp.globals["x"]!)") }
    }

    func testEveryKindOfNestingIsCounted() {
        let lists = failure("x = " + String(repeating: "[", count: 300) + String(repeating: "]", count: 300))
        XCTAssertTrue(lists.contains("nested too deeply"), lists)
        let minus = failure("x = " + String(repeating: "-", count: 300) + "1")
        XCTAssertTrue(minus.contains("nested too deeply"), minus)
        let calls = failure("x = " + String(repeating: "grid(", count: 300) + "naive()" + String(repeating: ")", count: 300))
        XCTAssertTrue(calls.contains("nested too deeply"), calls)
        // Postfix chains build a tree as deep as they are long.
        let index = failure("x = [1]" + String(repeating: "[0]", count: 300))
        XCTAssertTrue(index.contains("nested too deeply"), index)
        let records = failure("x = " + String(repeating: "{a: ", count: 300) + "1" + String(repeating: "}", count: 300))
        XCTAssertTrue(records.contains("nested too deeply"), records)
    }

    func testASumOfTenThousandTermsRuns() throws {
        // ~5,600 terms overflowed the evaluator's stack; the chain is now walked in a loop.
        try run("x = 1" + String(repeating: " + 1", count: 9_999))
        guard case .number(10_000) = interp.globals["x"]! else { return XCTFail("\(interp.globals["x"]!)") }
        try run("y = 100000" + String(repeating: " - 2 * 3 / 3", count: 3_000))
        guard case .number(94_000) = interp.globals["y"]! else { return XCTFail("\(interp.globals["y"]!)") }
    }

    func testFiveThousandPipeStagesRun() throws {
        // ~2,800 stages overflowed the evaluator's stack.
        try run("g = naive()" + String(repeating: " |> grid", count: 5_000))
        guard case .grid(let specs) = interp.globals["g"]! else { return XCTFail("\(interp.globals["g"]!)") }
        XCTAssertEqual(specs.map(\.name), ["naive"])
        // Stages keep their arguments and order: take(n) twice, then ids.
        try run("vis = load(\"\(vis)\")\nids3 = vis |> take(n: 5) |> take(n: 3) |> ids")
        guard case .list(let ids) = interp.globals["ids3"]! else { return XCTFail() }
        XCTAssertEqual(ids.count, 3)
    }

    func testTooManyOperatorsIsAnErrorNotACrash() {
        let msg = failure("x = 1" + String(repeating: " + 1", count: 20_000))
        XCTAssertTrue(msg.contains("statement too long: more than 10000 operators"), msg)
        // The 10,001st '+': "x = 1" is 5 columns, each " + 1" 4 more, the '+' the 2nd of them.
        XCTAssertEqual(location(msg), "test.fc:1:\(5 + 10_000 * 4 + 2)", msg)
    }

    func testOverlongLinesAndScriptsAreRefused() {
        let long = "x = \"" + String(repeating: "a", count: LanguageLimits.maxLineBytes) + "\""
        let msg = failure("y = 1\n" + long)
        XCTAssertTrue(msg.contains("at most 1048576 (1 MiB) are allowed"), msg)
        XCTAssertEqual(location(msg), "test.fc:2:1", msg)
    }

    func testAScriptThatIsNotUTF8IsAnErrorAtTheByte() throws {
        // The fuzzer's mutated scripts got "the file isn't in the correct format" (exit 64).
        let bytes = Array("x = 1\ny = \"caf".utf8) + [0xE9] + Array("\"\n".utf8)
        XCTAssertThrowsError(try LanguageLimits.decodeScript(bytes, name: "s.fc")) { error in
            XCTAssertEqual((error as! Diagnostic).description, "s.fc:2:9: error: the script is not valid UTF-8 (byte 15 of the file)")
        }
        XCTAssertEqual(try LanguageLimits.decodeScript(Array("é = 1\n".utf8), name: "s.fc"), "é = 1\n")
    }

    func testDeeplyNestedValuesAreRefused() throws {
        // No literal nests that deep, but a binding at a time can.
        try run("x = [1]")
        let msg = failure(String(repeating: "x = [x]\n", count: 150))
        XCTAssertTrue(msg.contains("value nested too deeply"), msg)
        XCTAssertEqual(location(msg), "test.fc:100:5", msg)
    }

    func testHugeAndInfiniteIndicesAreErrorsNotTraps() {
        // Int(1e300) trapped (SIGILL).
        let huge = failure("x = [1, 2][1e300]")
        XCTAssertTrue(huge.contains("index 1e+300 is out of range for a list of 2"), huge)
        XCTAssertEqual(location(huge), "test.fc:1:5", huge)
        let infinite = failure("x = [1, 2][1e309]")
        XCTAssertTrue(infinite.contains("index inf is out of range for a list of 2"), infinite)
        let fraction = failure("x = [1, 2][0.5]")
        XCTAssertTrue(fraction.contains("a list index must be a whole number, got 0.5000"), fraction)
        XCTAssertTrue(failure("x = [1, 2][-3]").contains("index -3 is out of range"))
        XCTAssertTrue(failure("x = take(load(\"\(vis)\"), n: 1e300)").contains("'n' must be a whole number"))
    }

    func testHorizonLevelsAndMemoryAreBoundedBeforeAllocating() throws {
        try run("vis = load(\"\(vis)\")")
        // horizon: 1e9 once aborted on a 160 GB allocation.
        let horizon = failure("r = run(naive(), vis, horizon: 1e9)")
        XCTAssertTrue(horizon.contains("run(): horizon 1000000000 is past the limit of 100000 steps"), horizon)
        XCTAssertEqual(location(horizon), "test.fc:1:32", horizon)
        let levels = (1...40).map { String($0 * 2) }.joined(separator: ", ")
        let manyLevels = failure("r = run(naive(), vis, horizon: 4, level: [\(levels)])")
        XCTAssertTrue(manyLevels.contains("40 interval levels are past the limit of 32"), manyLevels)

        setenv("FCAST_MAX_MEMORY", "1M", 1)
        defer { unsetenv("FCAST_MAX_MEMORY") }
        // 20 series x 2 models x 20,000 steps x (1 + 2 x 2) doubles, twice, plus dates: 64 MB.
        let memory = failure("r = run([naive(), mean()], vis, horizon: 20000, level: [80, 95])")
        XCTAssertTrue(memory.contains("the results would take about 64 MB (40 tasks x horizon 20000 x 5 numbers per step)"), memory)
        XCTAssertTrue(memory.contains("memory budget of 1.0 MB (FCAST_MAX_MEMORY=1M)"), memory)
        XCTAssertFalse(output.contains("tasks"), "nothing ran: \(output)")
        // Within the budget it runs.
        try run("r = run(naive(), vis, horizon: 8)")
        guard case .run(let r) = interp.globals["r"]! else { return XCTFail() }
        XCTAssertEqual(r.mean.count, 20 * 8)
    }

    func testAnEmptyGridIsAnError() throws {
        try run("vis = load(\"\(vis)\")")
        let msg = failure("r = run([], vis, horizon: 4)")
        XCTAssertTrue(msg.contains("run(): no models to run: the models are an empty list"), msg)
        XCTAssertEqual(location(msg), "test.fc:1:9", msg)
    }

    func testPluginsBadIntervalsFailTheirTasksWithTheReason() throws {
        // A C plugin with four algorithms: sound intervals, NaN lower bounds, inverted
        // intervals, and intervals that shrink as the level grows.
        let dir = TestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let lib = try TestSupport.compileCPlugin(source: Self.badBoundsPlugin, name: "badbounds", in: dir)
        try interp.registry.load(path: lib.path)
        try run("""
            vis = load("\(vis)")
            r = run([good(), nanlo(), inverted(), unnested(), infmean()], vis, horizon: 4, level: [80, 95])
            """)
        guard case .run(let r) = interp.globals["r"]! else { return XCTFail() }
        func reasons(_ model: Int) -> [String] {
            (0..<20).map { s -> String in
                guard case .failed(let f) = r.outcomes[r.task(model: model, series: s)] else { return "ok" }
                return f.message
            }
        }
        XCTAssertEqual(Set(reasons(0)), ["ok"])
        XCTAssertTrue(reasons(1).allSatisfy { $0.hasPrefix("nanlo produced a non-finite 80% interval bound (nan, ") && $0.hasSuffix(") at step 1") }, "\(reasons(1))")
        XCTAssertTrue(reasons(2).allSatisfy { $0.hasPrefix("inverted produced an inverted 80% interval at step 1: lower ") }, "\(reasons(2))")
        XCTAssertTrue(reasons(3).allSatisfy { $0.hasPrefix("unnested produced intervals that are not nested at step 1: the 95% interval") }, "\(reasons(3))")
        XCTAssertTrue(reasons(4).allSatisfy { $0 == "infmean produced a non-finite forecast (-inf) at step 1" }, "\(reasons(4))")
    }

    static let badBoundsPlugin = """
        #include <math.h>
        #include "fcast_plugin.h"
        static int dummy;
        static fc_status configure(const fc_algorithm *s, const fc_param_value *v, size_t n, void **c, fc_error *e) {
            (void)v; (void)n; (void)e; *c = (void *)s; return FC_OK; }
        static void free_config(void *c) { (void)c; }
        static fc_status fit(const void *c, const fc_series *s, void **m, fc_error *e) {
            (void)e; (void)s; *m = (void *)c; return FC_OK; }
        static fc_status predict(const void *m, const fc_predict_request *r, fc_forecast *o, fc_error *e) {
            (void)e;
            const char *name = ((const fc_algorithm *)m)->name;
            for (size_t t = 0; t < r->h; t++) {
                o->mean[t] = name[0] == 'i' && name[2] == 'f' ? -INFINITY : 10.0;
                for (size_t l = 0; l < r->n_levels; l++) {
                    double w = r->levels[l];
                    double lo = 10.0 - w, hi = 10.0 + w;
                    if (name[0] == 'n') lo = NAN;
                    if (name[0] == 'i' && name[2] == 'v') { lo = 10.0 + w; hi = 10.0 - w; }
                    if (name[0] == 'u') { lo = 10.0 - (100.0 - w); hi = 10.0 + (100.0 - w); }
                    o->lo[l * r->h + t] = lo; o->hi[l * r->h + t] = hi;
                }
            }
            return FC_OK; }
        static void free_model(void *m) { (void)m; }
        #define ALG(n) { .struct_size = sizeof(fc_algorithm), .name = n, .summary = "test", \\
            .capabilities = FC_CAP_THREAD_SAFE | FC_CAP_INTERVALS, .configure = configure, .free_config = free_config, \\
            .fit = fit, .predict = predict, .free_model = free_model }
        static const fc_algorithm good = ALG("good"), nanlo = ALG("nanlo"), inverted = ALG("inverted"),
            unnested = ALG("unnested"), infmean = ALG("infmean");
        static const fc_algorithm *const algs[] = {&good, &nanlo, &inverted, &unnested, &infmean};
        static const fc_library lib = { sizeof(fc_library), FC_ABI_MAJOR, FC_ABI_MINOR, "badbounds", "1", "", 5, algs };
        const fc_library *fcast_plugin_entry(uint32_t a, uint32_t b, const fc_host *h) { (void)a; (void)b; (void)h; (void)dummy; return &lib; }
        """
}
