import Foundation

/// The series `id` of examples/data/<name>.csv (long format unique_id,ds,y).
func exampleSeries(_ name: String, _ id: String) -> [Double] {
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    let text = try! String(contentsOf: root.appendingPathComponent("examples/data/\(name).csv"), encoding: .utf8)
    var y: [Double] = []
    for line in text.split(separator: "\n").dropFirst() {
        let f = line.split(separator: ",")
        if f.count == 3, f[0] == id { y.append(Double(f[2])!) }
    }
    return y
}
