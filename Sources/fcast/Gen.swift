import ArgumentParser
import FcastCore
import FcastEvents
import Foundation

/// `fcast gen trips --out DIR`: synthetic data sets.
struct Gen: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Generate synthetic data sets.",
        subcommands: [GenTrips.self])
}

struct GenTrips: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "trips",
        abstract: "Synthetic taxi trips: DIR/trips.csv and, through DuckDB, hive-partitioned Parquet in DIR/trips/year=Y/month=M/.",
        discussion: """
            Pickup locations follow a power law (a few busy ones, a long tail of quiet ones), with
            weekly and yearly patterns, holidays and a trend change per location. The same seed
            gives the same trips.
            """)

    @Option(name: .long, help: "The folder written.")
    var out: String

    @Option(name: .long, help: "Pickup locations.")
    var locations = 256

    @Option(name: .long, help: "The first day (YYYY-MM-DD).")
    var start = "2019-01-01"

    @Option(name: .long, help: "Days of trips.")
    var days = 3 * 365

    @Option(name: .long, help: "Trips a day at the busiest location (the others follow rank^-1.2).")
    var busiest = 400.0

    @Option(name: .long, help: "The random seed.")
    var seed: UInt64 = 1

    @Flag(name: .long, help: "Write only the CSV file (no DuckDB needed).")
    var csvOnly = false

    func run() throws {
        guard let (t, _) = Timestamp.parse(start) else { throw ValidationError("--start: '\(start)' is not a date (YYYY-MM-DD)") }
        guard locations >= 1, days >= 1, busiest > 0 else { throw ValidationError("--locations, --days and --busiest must be positive") }
        var g = TripGenerator()
        g.locations = locations; g.start = t; g.days = days; g.busiest = busiest; g.seed = seed
        do {
            try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
            let csv = (out as NSString).appendingPathComponent("trips.csv")
            let n = try g.writeCSV(to: csv)
            print("wrote \(n) trips to \(csv)")
            if !csvOnly {
                let folder = (out as NSString).appendingPathComponent("trips")
                try TripGenerator.writeParquet(csv: csv, folder: folder, duckdb: try DuckDB.locate())
                print("wrote \(folder)/year=*/month=*/*.parquet")
            }
        } catch let e as FcastError {
            FileHandle.standardError.write(Data("fcast: \(e)\n".utf8))
            throw ExitCode(1)
        }
    }
}
