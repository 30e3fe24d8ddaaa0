import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Draws a batch of figures: prepares the output files, generates the script, runs gnuplot.
public enum Plotter {
    /// Draws every job. File outputs get their folders created and are checked for
    /// writability before gnuplot starts, so a bad path is reported by name. The jobs go to
    /// one gnuplot process, or to up to `processes` processes in contiguous chunks (each
    /// chunk one process) when there are many. Returns what gnuplot wrote to its standard
    /// output (the terminal jobs' text or sixel graphics), in job order.
    /// `scriptCopy`: a file to write the whole generated script to (for debugging; FCAST_PLOT_SCRIPT).
    public static func render(_ jobs: [PlotJob], gnuplot: Gnuplot, processes: Int = 1,
                              scriptCopy: String? = nil) throws(PlotError) -> Data {
        for job in jobs where job.terminal.isFile {
            guard let path = job.path else { throw PlotError("a \(job.terminal) figure needs a file path") }
            try prepare(path: path)
        }
        if let scriptCopy {
            do {
                try GnuplotScript.batch(jobs).write(toFile: scriptCopy, atomically: true, encoding: .utf8)
            } catch {
                throw PlotError("cannot write the gnuplot script to '\(scriptCopy)': \(reason(error))")
            }
        }
        // Few figures are not worth a second process.
        let chunks = max(1, min(processes, jobs.count / 16))
        if chunks == 1 {
            do {
                return try run(jobs, gnuplot: gnuplot, offset: 0).stdout
            }
        }
        let per = (jobs.count + chunks - 1) / chunks
        let ranges = stride(from: 0, to: jobs.count, by: per).map { $0..<min($0 + per, jobs.count) }
        final class Results: @unchecked Sendable {
            let lock = NSLock()
            var outputs: [Int: Data] = [:]
            var errors: [Int: PlotError] = [:]
        }
        let results = Results()
        DispatchQueue.concurrentPerform(iterations: ranges.count) { c in
            let r = ranges[c]
            do throws(PlotError) {
                let out = try run(Array(jobs[r]), gnuplot: gnuplot, offset: r.lowerBound)
                results.lock.lock(); results.outputs[c] = out.stdout; results.lock.unlock()
            } catch {
                results.lock.lock(); results.errors[c] = error; results.lock.unlock()
            }
        }
        if let first = results.errors.keys.min() { throw results.errors[first]! }
        var all = Data()
        for c in ranges.indices { all.append(results.outputs[c] ?? Data()) }
        return all
    }

    /// One process for these jobs; on failure the files of unfinished jobs are removed
    /// (they would be empty or cut short).
    static func run(_ jobs: [PlotJob], gnuplot: Gnuplot, offset: Int) throws(PlotError) -> GnuplotOutput {
        let script = GnuplotScript.batch(jobs)
        do {
            return try gnuplot.run(script, jobs: jobs.count, describeJob: { i in
                guard i < jobs.count else { return "figure \(offset + i + 1)" }
                return jobs[i].path.map { "'\($0)'" } ?? "figure \(offset + i + 1)"
            })
        } catch {
            // The failing job and those after it did not finish.
            for job in jobs where job.terminal.isFile {
                if let path = job.path, let attrs = try? FileManager.default.attributesOfItem(atPath: path),
                   (attrs[.size] as? Int ?? 0) == 0 {
                    try? FileManager.default.removeItem(atPath: path)
                }
            }
            throw error
        }
    }

    /// Creates the folder of `path` and checks that the file can be written.
    public static func prepare(path: String) throws(PlotError) {
        let dir = (path as NSString).deletingLastPathComponent
        if !dir.isEmpty {
            var isDir: ObjCBool = false
            if FileManager.default.fileExists(atPath: dir, isDirectory: &isDir) {
                guard isDir.boolValue else { throw PlotError("cannot write the plot '\(path)': '\(dir)' is a file, not a folder") }
            } else if let why = makeDirectories(dir) {
                throw PlotError("cannot create the folder '\(dir)' for the plot '\(path)': \(why)")
            }
        }
        let fd = open(path, O_WRONLY | O_CREAT, 0o644)
        guard fd >= 0 else {
            let why = String(cString: strerror(errno))
            throw PlotError("cannot write the plot '\(path)': \(why)")
        }
        close(fd)
    }

    /// `mkdir -p`: nil when done, else the system's reason (for the first folder that failed).
    static func makeDirectories(_ dir: String) -> String? {
        var prefix = dir.hasPrefix("/") ? "" : "."
        for part in dir.split(separator: "/") {
            prefix += "/" + part
            if mkdir(prefix, 0o755) != 0 && errno != EEXIST {
                return String(cString: strerror(errno))
            }
        }
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: dir, isDirectory: &isDir), isDir.boolValue else {
            return "a file is in the way"
        }
        return nil
    }

    static func reason(_ error: Error) -> String {
        let ns = error as NSError
        if let underlying = ns.userInfo[NSUnderlyingErrorKey] as? NSError, underlying.domain == NSPOSIXErrorDomain {
            return String(cString: strerror(Int32(underlying.code)))
        }
        return ns.localizedDescription
    }
}
