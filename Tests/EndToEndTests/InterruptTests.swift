import FcastTestSupport
import Foundation
import XCTest

/// Ctrl-C in the middle of a run: the run stops promptly, says how far it got, and the
/// script ends with status 130 instead of hanging or losing the terminal.
final class InterruptTests: XCTestCase {

    func testCtrlCStopsARunPromptly() throws {
        let dir = TestSupport.temporaryDirectory()
        _ = try TestSupport.compileCPlugin(source: TestSupport.slowPluginSource, name: "slow", in: dir)
        // 148 series x 4 copies of the model x 20 ms on 2 workers: about 6 s uninterrupted.
        let script = try TestSupport.write("""
            emp = load("examples/data/us_employment.csv")
            res = run([slow(), slow(), slow(), slow()], emp, horizon: 3, workers: 2)
            show(res)
            """, to: "slow.fc", in: dir)
        let (p, out, err) = try TestSupport.startScript(script, pluginPath: dir)
        Thread.sleep(forTimeInterval: 1.5)
        XCTAssertTrue(p.isRunning, "the run should still be going")
        let sent = Date()
        kill(p.processIdentifier, SIGINT)
        p.waitUntilExit()
        let took = Date().timeIntervalSince(sent)
        let (stdout, stderr) = TestSupport.output(out, err)
        XCTAssertEqual(p.terminationStatus, 130, stderr)
        XCTAssertLessThan(took, 1.0, "took \(took) s to stop")
        XCTAssertTrue(stderr.contains("run: interrupted after"), stderr)
        XCTAssertTrue(stderr.contains("of 592 tasks"), stderr)
        XCTAssertTrue(stderr.contains("slow.fc:2: interrupted; the script stops here"), stderr)
        // The binding prints the partial run once (issue 18); show(res) would print it again.
        XCTAssertEqual(stdout.components(separatedBy: "run: 4 models").count - 1, 1, "show(res) must not run after the interrupt: \(stdout)")
        XCTAssertTrue(stdout.contains("res = a partial run (interrupted): "), stdout)
    }

    /// Issue 18: SIGTERM (a scheduler stopping the job) is a Ctrl-C, and the binding keeps the
    /// finished tasks, printed as a partial run with the count.
    func testSIGTERMStopsTheRunAndKeepsWhatFinished() throws {
        let dir = TestSupport.temporaryDirectory()
        _ = try TestSupport.compileCPlugin(source: TestSupport.slowPluginSource, name: "slow", in: dir)
        let script = try TestSupport.write("""
            emp = load("examples/data/us_employment.csv")
            res = run([slow(), slow(), slow(), slow()], emp, horizon: 3, workers: 2)
            show(res)
            """, to: "slow.fc", in: dir)
        let (p, out, err) = try TestSupport.startScript(script, pluginPath: dir)
        Thread.sleep(forTimeInterval: 1.5)
        XCTAssertTrue(p.isRunning, "the run should still be going")
        kill(p.processIdentifier, SIGTERM)
        p.waitUntilExit()
        let (stdout, stderr) = TestSupport.output(out, err)
        XCTAssertEqual(p.terminationReason, .exit, "not killed by the signal: \(stderr)")
        XCTAssertEqual(p.terminationStatus, 130, stderr)
        XCTAssertTrue(stderr.contains("run: interrupted after"), stderr)
        let kept = try XCTUnwrap(stdout.range(of: #"res = a partial run \(interrupted\): ([0-9]+) of 592 tasks finished and are kept"#,
                                              options: .regularExpression), stdout)
        let count = Int(stdout[kept].split(separator: " ")[6])!
        XCTAssertGreaterThan(count, 0, stdout)
        XCTAssertLessThan(count, 592, stdout)
        XCTAssertTrue(stdout.contains("interrupted: the rest were not run"), stdout)
    }

    /// Issue 18: the first Ctrl-C waits for the fits in flight, which may take long (this
    /// plugin sleeps 60 s on some series and never polls for cancellation); a second one
    /// stops at once, still printing and keeping what finished.
    func testASecondCtrlCStopsAtOnceAndKeepsWhatFinished() throws {
        let dir = TestSupport.temporaryDirectory()
        let source = TestSupport.slowPluginSource
            .replacingOccurrences(of: "usleep(20000);", with: "usleep(s->n % 7 == 0 ? 60000000 : 20000);")
            .replacingOccurrences(of: "\"slow\"", with: "\"stubborn\"")
        _ = try TestSupport.compileCPlugin(source: source, name: "stubborn", in: dir)
        for executor in ["threads", "processes"] {
            let script = try TestSupport.write("""
                emp = load("examples/data/us_employment.csv")
                res = run(stubborn(), emp, horizon: 3, workers: 2, executor: "\(executor)", isolate: \(executor == "processes"))
                show(res)
                """, to: "stubborn.fc", in: dir)
            let (p, out, err) = try TestSupport.startScript(script, pluginPath: dir)
            Thread.sleep(forTimeInterval: 1.5)
            kill(p.processIdentifier, SIGINT)
            Thread.sleep(forTimeInterval: 0.5)
            XCTAssertTrue(p.isRunning, "\(executor): the first Ctrl-C waits for the fits in flight")
            let sent = Date()
            kill(p.processIdentifier, SIGINT)
            p.waitUntilExit()
            let took = Date().timeIntervalSince(sent)
            let (stdout, stderr) = TestSupport.output(out, err)
            XCTAssertEqual(p.terminationReason, .exit, "\(executor): not killed by the signal: \(stderr)")
            XCTAssertEqual(p.terminationStatus, 130, stderr)
            XCTAssertLessThan(took, 1.0, "\(executor): took \(took) s to stop after the second Ctrl-C")
            XCTAssertTrue(stderr.contains("(stopped at once: the fits in flight were dropped)"), stderr)
            // Series 7 (357 points) is the first the plugin sleeps on: 7 tasks finish before it.
            let kept = try XCTUnwrap(stdout.range(of: #"res = a partial run \(interrupted\): ([0-9]+) of 148 tasks finished and are kept; stopped at once, the fits in flight were dropped"#,
                                                  options: .regularExpression), "\(executor): \(stdout)")
            let count = Int(stdout[kept].split(separator: " ")[6])!
            XCTAssertGreaterThanOrEqual(count, 7, stdout)
            XCTAssertLessThan(count, 148, stdout)
        }
    }
}
