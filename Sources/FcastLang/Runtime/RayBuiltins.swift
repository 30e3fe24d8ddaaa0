import FcastExec
import Foundation

extension BuiltinLibrary {
    /// Running on a Ray cluster: the executor value run(executor:) takes.
    public static let cluster = BuiltinLibrary(
        name: "cluster",
        summary: "Running a plan's tasks on a Ray cluster (or a local Ray instance) instead of this machine's threads or processes.",
        builtins: [
        Builtin(
            name: "ray",
            parameters: [
                .init(name: "address", positional: true, required: false,
                      help: "a running Ray cluster's head, \"host:port\" (default: start a local Ray instance)"),
                .init(name: "cpus", positional: false, required: false,
                      help: "CPUs of the local instance (default: all of this machine's)"),
            ],
            summary: "The Ray executor, for run(..., executor: ray()).",
            example: "res = run(grid, on: train, h: 12, executor: ray(cpus: 2))",
            details: """
            An executor spec, "ray://local" or "ray://host:port" (with "?cpus=N"), the same text
            `fcast run --executor` takes. A run on it sends chunks of tasks through the Python
            driver scripts/ray_driver.py (the PyPI package ray in the project's .venv, installed
            by scripts/setup) to Ray, where each chunk runs in a supervising `fcast worker` that
            runs every task in its own worker process: a crash fails only that task, and run()'s
            timeout:, retries: and memory: hold as with executor: "processes". Results stream
            back with the same progress bar and journal as the other executors, and equal theirs
            bit for bit. The fcast binary and the plugins must be at the same paths on every
            node (docs/cluster.md).
            """,
            body: { _, a in
                let cpus = try a.int("cpus", min: 1)
                var spec = "ray://"
                if let address = try a.string("address") {
                    guard address.contains(":"), !address.contains("/"), !address.contains("?") else {
                        throw Diagnostic("ray(): address '\(address)' is not host:port", at: a.span("address"))
                    }
                    if cpus != nil {
                        throw Diagnostic("ray(): cpus: sizes a local Ray instance; a cluster has the CPUs it has",
                                         at: a.span("cpus"))
                    }
                    spec += address
                } else {
                    spec += "local"
                }
                if let cpus { spec += "?cpus=\(cpus)" }
                return .string(spec)
            }),
        ])
}
