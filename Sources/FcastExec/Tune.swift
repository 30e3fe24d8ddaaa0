import FcastCore
import FcastPlugins
import Foundation

/// Asynchronous successive halving (ASHA; Li, Jamieson, Rostamizadeh et al., "A System for
/// Massively Parallel Hyperparameter Tuning", MLSys 2020, arXiv:1810.05934, Algorithm 2):
/// rung k trains a trial to `minRounds * reduction^k` rounds; whenever a worker is free it
/// promotes a trial that is in the top 1/reduction of its rung (by score, lower is better)
/// and not yet promoted, looking from the highest rung down, and otherwise starts a new
/// trial at rung 0. A promoted trial goes on from the rounds it has (incremental boosting).
public struct SuccessiveHalving: Sendable, Equatable {
    public var minRounds: Int
    public var maxRounds: Int
    public var reduction: Int

    public init(minRounds: Int, maxRounds: Int, reduction: Int) {
        self.minRounds = minRounds
        self.maxRounds = maxRounds
        self.reduction = reduction
    }

    /// The rounds of each rung: minRounds * reduction^k up to maxRounds (and maxRounds itself
    /// as the last rung when the ladder does not land on it).
    public var rungs: [Int] {
        var r = [minRounds]
        while r.last! * reduction <= maxRounds { r.append(r.last! * reduction) }
        if r.last! < maxRounds { r.append(maxRounds) }
        return r
    }
}

/// How trials are scheduled: successive halving, or every trial to the full rounds.
public enum TuneSchedule: Sendable, Equatable {
    case asha(SuccessiveHalving)
    /// Every trial trained to `rounds` (its learning curve scored at `checkpoints`).
    case grid(rounds: Int, checkpoints: [Int])

    public var name: String {
        switch self {
        case .asha: "asha"
        case .grid: "grid"
        }
    }
    public var maxRounds: Int {
        switch self {
        case .asha(let s): s.maxRounds
        case .grid(let r, _): r
        }
    }
}

/// What a tuner trains and scores: trials by index, each trained on round by round.
public protocol TrialObjective: Sendable {
    var trialCount: Int { get }
    /// Trains trial `trial` on until it has `rounds` rounds in all (continuing from the rounds
    /// it has) and returns its validation score (lower is better).
    func advance(trial: Int, to rounds: Int, cancel: CancelToken) throws(TaskFailure) -> Double
    /// The trial will not be trained further: its model may go.
    func release(trial: Int)
}

/// One trial of a tuning: where it stopped and how it scored on the way.
public struct TrialRecord: Sendable {
    public enum Status: String, Sendable {
        /// Trained to the full rounds.
        case completed
        /// Not promoted past a rung (early-stopped by successive halving).
        case stopped
        case failed
        /// Never started (cancelled).
        case notRun = "not run"
    }
    public var trial: Int
    public var rounds = 0
    /// The score at `rounds`; NaN before the first rung.
    public var score = Double.nan
    /// (rounds, score) at each rung reached.
    public var curve: [(rounds: Int, score: Double)] = []
    public var status = Status.notRun
    public var failure: String?
    public var seconds = 0.0
    public init(trial: Int) { self.trial = trial }
}

/// The bookkeeping of ASHA: rungs, who is in each and who has been promoted. Separate from
/// the threads so that it can be tested on its own.
public struct ASHABook: Sendable {
    public let rungs: [Int]
    public let reduction: Int
    public let trialCount: Int
    /// rung k: (trial, score) in the order they finished.
    public private(set) var members: [[(trial: Int, score: Double)]]
    public private(set) var promoted: [Set<Int>]
    public private(set) var nextNew = 0

    public init(_ s: SuccessiveHalving, trials: Int) {
        rungs = s.rungs
        reduction = s.reduction
        trialCount = trials
        members = Array(repeating: [], count: rungs.count)
        promoted = Array(repeating: [], count: rungs.count)
    }

    /// The next job: (trial, rung to train it to), or nil when nothing can start now.
    public mutating func nextJob() -> (trial: Int, rung: Int)? {
        for k in stride(from: rungs.count - 2, through: 0, by: -1) {
            let rung = members[k]
            let top = rung.count / reduction
            guard top > 0 else { continue }
            let ranked = rung.sorted { $0.score < $1.score || ($0.score == $1.score && $0.trial < $1.trial) }
            if let pick = ranked.prefix(top).first(where: { !promoted[k].contains($0.trial) }) {
                promoted[k].insert(pick.trial)
                return (pick.trial, k + 1)
            }
        }
        guard nextNew < trialCount else { return nil }
        defer { nextNew += 1 }
        return (nextNew, 0)
    }

    /// Trial `trial` reached rung `rung` with `score` (NaN or infinite scores rank last).
    public mutating func record(trial: Int, rung: Int, score: Double) {
        members[rung].append((trial, score.isFinite ? score : .infinity))
    }
}

/// Runs a tuning on `workers` threads: successive halving or the full grid.
public enum Tuner {
    public struct Outcome: Sendable {
        public init(trials: [TrialRecord], roundsSpent: Int, wallSeconds: Double) {
            self.trials = trials
            self.roundsSpent = roundsSpent
            self.wallSeconds = wallSeconds
        }
        public var trials: [TrialRecord]
        /// Boosting rounds trained over all trials.
        public var roundsSpent: Int
        public var wallSeconds: Double
        /// The best trial: the lowest last score of any trial, at the rounds it stopped at (as
        /// Ray Tune's best result over the last reports; ties to the lower index); nil when
        /// every trial failed.
        public var best: Int? {
            trials.filter { $0.status != .failed && $0.score.isFinite }
                .min { $0.score < $1.score || ($0.score == $1.score && $0.trial < $1.trial) }?.trial
        }
    }

    public static func run(_ objective: any TrialObjective, schedule: TuneSchedule, workers: Int,
                           cancel: CancelToken) -> Outcome {
        let start = DispatchTime.now().uptimeNanoseconds
        let n = objective.trialCount
        let state = TunerState(n: n, schedule: schedule)
        let threads = max(1, min(workers, n))
        let group = DispatchGroup()
        for _ in 0..<threads {
            group.enter()
            WorkerThread.start(stackSize: WorkerThread.fitStackSize) {
                defer { group.leave() }
                state.work(objective, cancel: cancel)
            }
        }
        group.wait()
        var trials = state.trials
        for i in trials.indices where trials[i].status == .notRun && trials[i].rounds > 0 {
            trials[i].status = trials[i].rounds >= schedule.maxRounds ? .completed : .stopped
        }
        return Outcome(trials: trials, roundsSpent: trials.map(\.rounds).reduce(0, +),
                       wallSeconds: Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
    }
}

/// The shared state of a tuning's threads.
final class TunerState: @unchecked Sendable {
    private let condition = NSCondition()
    private var book: ASHABook?
    private var gridNext = 0
    private let schedule: TuneSchedule
    private var running = 0
    var trials: [TrialRecord]

    init(n: Int, schedule: TuneSchedule) {
        self.schedule = schedule
        trials = (0..<n).map { TrialRecord(trial: $0) }
        if case .asha(let s) = schedule { book = ASHABook(s, trials: n) }
    }

    /// The rounds a job trains to, one after another (grid: every checkpoint, then the rounds).
    private func next() -> (trial: Int, targets: [Int], rung: Int)? {
        switch schedule {
        case .asha:
            guard let job = book!.nextJob() else { return nil }
            return (job.trial, [book!.rungs[job.rung]], job.rung)
        case .grid(let rounds, let checkpoints):
            guard gridNext < trials.count else { return nil }
            defer { gridNext += 1 }
            return (gridNext, checkpoints.filter { $0 < rounds } + [rounds], 0)
        }
    }

    func work(_ objective: any TrialObjective, cancel: CancelToken) {
        condition.lock()
        while true {
            if cancel.isCancelled { break }
            guard let job = next() else {
                if running == 0 { break }
                condition.wait()
                continue
            }
            running += 1
            condition.unlock()
            var scored: [(Int, Double)] = []
            var failure: TaskFailure?
            let t0 = DispatchTime.now().uptimeNanoseconds
            for target in job.targets {
                do { scored.append((target, try objective.advance(trial: job.trial, to: target, cancel: cancel))) } catch {
                    failure = error
                    break
                }
            }
            let seconds = Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9
            condition.lock()
            running -= 1
            var t = trials[job.trial]
            t.seconds += seconds
            for (r, s) in scored {
                t.curve.append((r, s))
                t.rounds = r
                t.score = s
            }
            if let failure {
                t.status = .failed
                t.failure = failure.message
                objective.release(trial: job.trial)
            } else if case .asha = schedule {
                book!.record(trial: job.trial, rung: job.rung, score: t.score)
            }
            trials[job.trial] = t
            condition.broadcast()
        }
        condition.broadcast()
        condition.unlock()
    }
}
