import FcastTestSupport
import Foundation
import XCTest

/// `fcast run --journal`: kill -9 of fcast in the middle of a run, then the same command
/// again resumes from the journal and writes the forecasts of an uninterrupted run.
final class JournalEndToEndTests: XCTestCase {

    func testKill9MidRunThenTheSameCommandResumesAndEqualsAnUninterruptedRun() throws {
        let dir = TestSupport.temporaryDirectory()
        _ = try TestSupport.compileCPlugin(source: TestSupport.slowPluginSource, name: "slow", in: dir)
        // 148 series x (snaive, drift, slow and slow again at 20 ms a fit) on 1 worker
        // process (slow is not a built-in plugin: it runs isolated): about 6 s uninterrupted.
        func script(_ out: String) throws -> URL {
            try TestSupport.write("""
                emp = load("examples/data/us_employment.csv")
                res = run([snaive(), drift(), slow(), slow()], emp, horizon: 6, workers: 1)
                write(res, "\(dir.path)/\(out)")
                """, to: "\(out).fc", in: dir)
        }
        var env = ProcessInfo.processInfo.environment
        env["FCAST_PLUGIN_PATH"] = dir.path
        env["SWIFT_BACKTRACE"] = "enable=no"

        // Uninterrupted, no journal.
        let plain = try TestSupport.fcast(["run", try script("plain.csv").path], environment: ["FCAST_PLUGIN_PATH": dir.path])
        XCTAssertEqual(plain.status, 0, plain.stderr)

        // The same with a journal, killed with SIGKILL once it has recorded some tasks.
        let journal = dir.appendingPathComponent("runs/x.db").path
        let resumedScript = try script("resumed.csv")
        let p = Process()
        p.executableURL = TestSupport.fcastBinary
        p.arguments = ["run", resumedScript.path, "--journal", journal]
        p.currentDirectoryURL = TestSupport.repoRoot
        p.environment = env
        p.standardError = FileHandle.nullDevice
        p.standardOutput = FileHandle.nullDevice
        try p.run()
        let deadline = Date().addingTimeInterval(60)
        // How many tasks the journal holds, read as any SQLite client would (WAL: readers do not block the run).
        func recorded() -> Int {
            guard FileManager.default.fileExists(atPath: journal),
                  let r = try? TestSupport.run(URL(fileURLWithPath: "/usr/bin/env"),
                                               ["python3", "-c", "import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); print(c.execute('select count(*) from tasks').fetchone()[0])", journal])
            else { return 0 }
            return Int(r.stdout.trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0
        }
        while Date() < deadline, p.isRunning, recorded() < 100 { usleep(50_000) }
        XCTAssertTrue(p.isRunning, "the run finished before it could be killed")
        kill(p.processIdentifier, SIGKILL)
        p.waitUntilExit()
        XCTAssertEqual(p.terminationReason, .uncaughtSignal)
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir.appendingPathComponent("resumed.csv").path))

        // The same command again: resumes, finishes, and writes the uninterrupted run's numbers.
        let again = try TestSupport.fcast(["run", resumedScript.path, "--journal", journal], environment: ["FCAST_PLUGIN_PATH": dir.path])
        XCTAssertEqual(again.status, 0, again.stderr)
        let line = try XCTUnwrap(again.stderr.split(separator: "\n").first { $0.hasPrefix("resumed ") }, again.stderr)
        let words = line.split(separator: " ")
        let resumed = try XCTUnwrap(Int(words[1])), total = try XCTUnwrap(Int(words[3]))
        XCTAssertEqual(total, 148 * 4)
        XCTAssertGreaterThan(resumed, 0, String(line))
        XCTAssertLessThan(resumed, total, String(line))
        XCTAssertTrue(line.hasSuffix("tasks from \(journal)"), String(line))
        let expected = try String(contentsOf: dir.appendingPathComponent("plain.csv"), encoding: .utf8)
        let got = try String(contentsOf: dir.appendingPathComponent("resumed.csv"), encoding: .utf8)
        XCTAssertEqual(got, expected)

        // A third time: nothing left to run.
        let third = try TestSupport.fcast(["run", resumedScript.path, "--journal", journal], environment: ["FCAST_PLUGIN_PATH": dir.path])
        XCTAssertTrue(third.stderr.contains("resumed \(total) of \(total) tasks"), third.stderr)

        // The script changed (another horizon): the journal is refused, saying what changed.
        let changed = try TestSupport.write("""
            emp = load("examples/data/us_employment.csv")
            res = run([snaive(), drift(), slow(), slow()], emp, horizon: 12, workers: 1)
            """, to: "changed.fc", in: dir)
        let refused = try TestSupport.fcast(["run", changed.path, "--journal", journal], environment: ["FCAST_PLUGIN_PATH": dir.path])
        XCTAssertEqual(refused.status, 1)
        XCTAssertTrue(refused.stderr.contains("run(): the journal \(journal) belongs to another run: horizon 12, was 6; use another"), refused.stderr)
    }

    func testAJournalInAFolderThatCannotBeWrittenIsAClearError() throws {
        let dir = TestSupport.temporaryDirectory()
        let script = try TestSupport.write("""
            emp = load("examples/data/us_employment.csv")
            res = run(snaive(), emp, horizon: 6, journal: "/proc/fcast/x.db")
            """, to: "ro.fc", in: dir)
        let r = try TestSupport.fcast(["run", script.path])
        XCTAssertEqual(r.status, 1)
        XCTAssertTrue(r.stderr.contains("run(): cannot create the folder of the run journal /proc/fcast/x.db: "), r.stderr)
        XCTAssertTrue(r.stderr.contains("ro.fc:2:"), r.stderr)
    }
}
