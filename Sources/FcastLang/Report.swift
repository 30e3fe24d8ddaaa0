import Foundation

/// A Markdown report of a script run (`fcast run FILE --report report.md`): per cell its
/// title, source, printed output and plots (image links; plots made without `to:` are
/// written beside the report, in `<name>_files/`).
public final class Report {
    public struct CellRecord {
        public enum Item: Equatable {
            /// Printed text.
            case output(String)
            /// A file a statement wrote (a plot), as given to `onArtifact`.
            case artifact(String)
        }
        public var title: String?
        public var source: String
        /// What the cell printed and drew, in order.
        public var items: [Item] = []
        /// Everything the cell printed.
        public var output: String {
            items.map { if case .output(let t) = $0 { t } else { "" } }.joined()
        }
        /// The files the cell wrote.
        public var artifacts: [String] {
            items.compactMap { if case .artifact(let p) = $0 { p } else { nil } }
        }
        /// The rendered diagnostic when the cell failed.
        public var error: String?
    }

    /// The report file.
    public let path: String
    public let scriptName: String
    public private(set) var cells: [CellRecord] = []
    /// When the run started, shown under the heading.
    public var started = Date()

    public init(path: String, scriptName: String) {
        self.path = path
        self.scriptName = scriptName
    }

    /// The folder beside the report that holds its own plots: `report_files` for `report.md`.
    public var filesDirectory: String {
        let url = URL(fileURLWithPath: Report.absolute(path))
        let stem = url.deletingPathExtension().lastPathComponent
        return url.deletingLastPathComponent().appendingPathComponent("\(stem)_files").path
    }

    public func beginCell(title: String?, source: String) {
        cells.append(CellRecord(title: title, source: source))
    }

    /// While set, output is not recorded.
    public var muted = false

    public func appendOutput(_ text: String) {
        guard !muted else { return }
        if cells.isEmpty { beginCell(title: nil, source: "") }
        if case .output(let previous)? = cells[cells.count - 1].items.last {
            cells[cells.count - 1].items[cells[cells.count - 1].items.count - 1] = .output(previous + text)
        } else {
            cells[cells.count - 1].items.append(.output(text))
        }
    }

    public func addArtifact(_ path: String) {
        if cells.isEmpty { beginCell(title: nil, source: "") }
        cells[cells.count - 1].items.append(.artifact(path))
    }

    public func fail(_ rendered: String) {
        if cells.isEmpty { beginCell(title: nil, source: "") }
        cells[cells.count - 1].error = rendered
    }

    /// The Markdown text.
    public func render() -> String {
        var md = "# \(Report.escapeHeading((scriptName as NSString).lastPathComponent))\n\n"
        let stamp = ISO8601DateFormatter().string(from: started)
        md += "Report of `fcast run \(scriptName)`, \(stamp).\n"
        let reportDir = URL(fileURLWithPath: Report.absolute(path)).deletingLastPathComponent().path
        for cell in cells {
            md += "\n"
            if let title = cell.title { md += "## \(Report.escapeHeading(title))\n\n" }
            let code = Report.dropMarker(cell.source).trimmingCharacters(in: .newlines)
            if !code.isEmpty { md += Report.fence(code, info: "fcast") }
            for item in cell.items {
                switch item {
                case .output(let text):
                    let out = text.trimmingCharacters(in: .newlines)
                    if !out.isEmpty { md += "\n" + Report.fence(out, info: "text") }
                case .artifact(let a):
                    let link = Report.relative(Report.absolute(a), to: reportDir)
                    let name = (a as NSString).lastPathComponent
                    md += "\n![\(name)](\(Report.escapeLink(link)))\n"
                }
            }
            if let error = cell.error { md += "\n**Error**\n\n" + Report.fence(error, info: "text") }
        }
        return md
    }

    /// Writes the report, creating its folder.
    public func write() throws {
        let abs = Report.absolute(path)
        let dir = (abs as NSString).deletingLastPathComponent
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try render().write(toFile: abs, atomically: true, encoding: .utf8)
    }

    // MARK: Helpers

    /// A fenced code block, with a fence longer than any backtick run inside.
    static func fence(_ text: String, info: String) -> String {
        var longest = 0, run = 0
        for c in text { if c == "`" { run += 1; longest = max(longest, run) } else { run = 0 } }
        let f = String(repeating: "`", count: max(3, longest + 1))
        return "\(f)\(info)\n\(text)\n\(f)\n"
    }

    /// The cell's source without its `##` line (the title is the heading).
    static func dropMarker(_ source: String) -> String {
        let lines = source.split(separator: "\n", omittingEmptySubsequences: false)
        guard let first = lines.first, first.trimmingCharacters(in: .whitespaces).hasPrefix("##") else { return source }
        return lines.dropFirst().joined(separator: "\n")
    }

    static func escapeHeading(_ s: String) -> String {
        s.replacingOccurrences(of: "\n", with: " ")
    }

    static func escapeLink(_ s: String) -> String {
        s.replacingOccurrences(of: " ", with: "%20").replacingOccurrences(of: "(", with: "%28")
            .replacingOccurrences(of: ")", with: "%29")
    }

    static func absolute(_ path: String) -> String {
        let p = path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path
        return URL(fileURLWithPath: p).standardizedFileURL.path
    }

    /// `path` relative to the folder `base` (both absolute): `report_files/plot-1.png`, `../out/a.png`.
    static func relative(_ path: String, to base: String) -> String {
        let p = path.split(separator: "/"), b = base.split(separator: "/")
        var common = 0
        while common < p.count - 1 && common < b.count && p[common] == b[common] { common += 1 }
        let up = Array(repeating: "..", count: b.count - common)
        return (up + p[common...].map(String.init)).joined(separator: "/")
    }
}
