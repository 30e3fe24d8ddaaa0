import Foundation

/// One series of a long-format CSV in examples/data (unique_id,ds,y).
func exampleSeries(_ file: String, _ id: String, last: Int? = nil) -> [Double] {
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    let text = try! String(contentsOf: root.appendingPathComponent("examples/data/\(file)"), encoding: .utf8)
    var y: [Double] = []
    for line in text.split(separator: "\n").dropFirst() {
        let f = line.split(separator: ",")
        if f.count == 3 && f[0] == id { y.append(Double(f[2])!) }
    }
    if let last { return Array(y.suffix(last)) }
    return y
}
