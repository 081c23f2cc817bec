import TermGrid

/// Left-aligned columns padded by display width (CJK and emoji count as two), never truncated.
struct TextTable {
    var header: [String]
    var rows: [[String]] = []
    var indent = "  "
    /// Columns whose cells are right-aligned (numbers).
    var rightAligned: Set<Int> = []

    func render() -> [String] {
        let all = [header] + rows
        let widths = (0..<header.count).map { col in all.map { DisplayWidth.of($0.indices.contains(col) ? $0[col] : "") }.max() ?? 0 }
        return all.map { row in
            let cells = (0..<header.count).map { col -> String in
                let text = row.indices.contains(col) ? row[col] : ""
                let pad = String(repeating: " ", count: widths[col] - DisplayWidth.of(text))
                return rightAligned.contains(col) ? pad + text : text + pad
            }
            return indent + trimTrailing(cells.joined(separator: "  "))
        }
    }

    private func trimTrailing(_ s: String) -> String {
        var s = s
        while s.last == " " { s.removeLast() }
        return s
    }
}
