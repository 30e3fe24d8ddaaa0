import FcastCore
import FcastPlugins

extension TestSupport {
    /// A registry of the built plugin libraries named (libfcast_NAME.so in the build folder);
    /// one not built is left out, and a test asking for its algorithm says so.
    public static func registry(_ plugins: [String]) -> PluginRegistry {
        let r = PluginRegistry()
        for name in plugins {
            _ = try? r.load(path: buildDir.appendingPathComponent("libfcast_\(name).so").path)
        }
        return r
    }

    /// examples/data/consumption.csv (quarterly, north and south, with income and promo) or
    /// consumption_future.csv (their next 8 quarters), keeping the regressor columns named.
    public static func consumption(_ file: String, regressors: [String] = ["income", "promo"]) throws -> Panel {
        var o = LongCSVOptions()
        o.regressors = regressors
        return try LongCSV.load(path: exampleData(file).path, options: o)
    }
}
