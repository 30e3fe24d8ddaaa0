import FcastExec
import FcastPlugins
import Foundation
import XCTest

/// A synthetic learning curve per trial: score(r) = floor_i + 1 / sqrt(r), so trials keep
/// their order at every rung and the best floor wins. Records every call.
final class CurveObjective: TrialObjective, @unchecked Sendable {
    let floors: [Double]
    private let lock = NSLock()
    private(set) var rounds: [Int]
    private(set) var calls: [(trial: Int, from: Int, to: Int)] = []
    init(floors: [Double]) {
        self.floors = floors
        rounds = Array(repeating: 0, count: floors.count)
    }
    var trialCount: Int { floors.count }
    func advance(trial: Int, to r: Int, cancel: CancelToken) throws(TaskFailure) -> Double {
        lock.lock()
        defer { lock.unlock() }
        calls.append((trial, rounds[trial], r))
        rounds[trial] = max(rounds[trial], r)
        if floors[trial].isNaN { throw TaskFailure(.numeric, "trial \(trial) diverged") }
        return floors[trial] + 1 / Double(r).squareRoot()
    }
    func release(trial: Int) {}
}

final class TuneTests: XCTestCase {
    func testRungsFollowTheReduction() {
        XCTAssertEqual(SuccessiveHalving(minRounds: 10, maxRounds: 270, reduction: 3).rungs, [10, 30, 90, 270])
        XCTAssertEqual(SuccessiveHalving(minRounds: 10, maxRounds: 100, reduction: 3).rungs, [10, 30, 90, 100])
        XCTAssertEqual(SuccessiveHalving(minRounds: 5, maxRounds: 5, reduction: 2).rungs, [5])
    }

    /// Stepping the book by hand: every promotion out of rung k is a trial in the top
    /// floor(|rung k| / reduction) of rung k at that moment, never promoted twice; with 9
    /// trials and reduction 3 the rungs end with 9, 3, 1 and 0 trials (Li et al. 2018).
    func testASHABookPromotesOnlyTheTopOfEachRung() {
        let scores0: [Double] = [5, 3, 8, 1, 9, 2, 7, 4, 6]
        var book = ASHABook(SuccessiveHalving(minRounds: 10, maxRounds: 270, reduction: 3), trials: 9)
        var jobs: [(Int, Int)] = []
        while let job = book.nextJob() {
            if job.rung > 0 {
                let below = book.members[job.rung - 1].sorted { $0.score < $1.score }
                let top = below.prefix(below.count / 3).map(\.trial)
                XCTAssertTrue(top.contains(job.trial), "trial \(job.trial) promoted to rung \(job.rung) from outside the top")
            }
            jobs.append((job.trial, job.rung))
            book.record(trial: job.trial, rung: job.rung, score: scores0[job.trial] / Double(job.rung + 1))
        }
        XCTAssertEqual(book.members.map(\.count), [9, 3, 1, 0])
        // Asynchronous: the first promotion comes as soon as rung 0 has 3 trials, before trial 3 starts.
        XCTAssertEqual(jobs.prefix(4).map { $0.0 }, [0, 1, 2, 1])
        XCTAssertEqual(jobs[3].1, 1)
        // Each (trial, rung) at most once.
        XCTAssertEqual(Set(jobs.map { "\($0.0)/\($0.1)" }).count, jobs.count)
        // The overall best at rung 0 (trial 3) reaches rung 2.
        XCTAssertEqual(book.members[2].map(\.trial), [3])
    }

    func testASHAContinuesTrialsAndSpendsAFractionOfTheGrid() {
        let floors: [Double] = [0.5, 0.3, 0.8, 0.1, 0.9, 0.2, 0.7, 0.4, 0.6]
        let objective = CurveObjective(floors: floors)
        let outcome = Tuner.run(objective, schedule: .asha(SuccessiveHalving(minRounds: 10, maxRounds: 270, reduction: 3)),
                                workers: 1, cancel: CancelToken())
        // A promoted trial continues from its rounds: every call starts where the last ended.
        var at = [Int](repeating: 0, count: floors.count)
        for c in objective.calls {
            XCTAssertEqual(c.from, at[c.trial], "trial \(c.trial) restarted")
            at[c.trial] = c.to
        }
        XCTAssertEqual(outcome.trials.map(\.rounds), at)
        XCTAssertEqual(outcome.roundsSpent, at.reduce(0, +))
        // 9 trials: 6 stop at 10 rounds, 2 at 30, 1 at 90 (no rung 3: floor(1/3) = 0).
        XCTAssertEqual(at.sorted(), [10, 10, 10, 10, 10, 10, 30, 30, 90])
        XCTAssertEqual(outcome.roundsSpent, 210)
        XCTAssertEqual(outcome.best, 3, "the lowest score")
        XCTAssertEqual(outcome.trials[3].curve.map(\.rounds), [10, 30, 90])
        XCTAssertTrue(outcome.trials.allSatisfy { $0.status == .stopped })

        let grid = Tuner.run(CurveObjective(floors: floors), schedule: .grid(rounds: 270, checkpoints: [10, 30, 90, 270]),
                             workers: 2, cancel: CancelToken())
        XCTAssertEqual(grid.roundsSpent, 9 * 270)
        XCTAssertTrue(grid.trials.allSatisfy { $0.status == .completed && $0.curve.count == 4 })
        XCTAssertEqual(grid.best, 3)
        XCTAssertLessThanOrEqual(outcome.roundsSpent * 3, grid.roundsSpent)
    }

    func testFailedTrialsAreRecordedAndTheRestGoOn() {
        let objective = CurveObjective(floors: [0.5, .nan, 0.2, 0.4])
        let outcome = Tuner.run(objective, schedule: .asha(SuccessiveHalving(minRounds: 1, maxRounds: 4, reduction: 2)),
                                workers: 2, cancel: CancelToken())
        XCTAssertEqual(outcome.trials[1].status, .failed)
        XCTAssertEqual(outcome.trials[1].failure, "trial 1 diverged")
        XCTAssertEqual(outcome.best, 2)
    }
}
