import Foundation
import ClusterModel
import TermGrid

/// A run of text with one role. Pane presentation functions produce spans; drawing places them.
struct Span: Hashable {
    var text: String
    var role: Role
    init(_ text: String, _ role: Role = .normal) { self.text = text; self.role = role }
}

/// One line of a text pane (overview, balancer, zones, help, details).
typealias Line = [Span]

extension Array where Element == Span {
    var plain: String { map(\.text).joined() }
}

/// One part of a bar: a value drawn in a shard's (or zone's) role.
struct BarSegment: Hashable {
    var value: Int
    var index: Int          // shard index: picks Role.shard(index) and, without colour, the letter
}

enum Bar {
    /// Column counts for `values` scaled so that `scale` fills `width` (largest remainder, so a full bar is exactly `width`).
    static func cells(_ values: [Int], scale: Int, width: Int) -> [Int] {
        guard scale > 0, width > 0 else { return values.map { _ in 0 } }
        let exact = values.map { Double(max(0, $0)) * Double(width) / Double(scale) }
        var out = exact.map { Int($0) }
        let target = min(width, Int((exact.reduce(0, +)).rounded()))
        var rest = target - out.reduce(0, +)
        for i in exact.indices.sorted(by: { exact[$0] - Double(out[$0]) > exact[$1] - Double(out[$1]) }) where rest > 0 {
            out[i] += 1; rest -= 1
        }
        // A non-zero value always shows at least one cell when there is room.
        return out
    }

    /// The glyph for shard `index`: a full block in colour, a letter (A, B, …) without colour so shards stay apart.
    static func glyph(_ index: Int, options: UIOptions) -> String {
        options.color ? options.glyphs.fullBlock : letter(index)
    }
    static func letter(_ index: Int) -> String {
        let letters = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
        return String(letters[abs(index) % letters.count])
    }

    /// The bar as spans, `scale` filling `width`.
    static func spans(_ segments: [BarSegment], scale: Int, width: Int, options: UIOptions) -> [Span] {
        zip(segments, cells(segments.map(\.value), scale: scale, width: width)).compactMap { seg, w in
            w > 0 ? Span(String(repeating: glyph(seg.index, options: options), count: w), .shard(seg.index)) : nil
        }
    }

    /// "█ shard01  █ shard02" (letters without colour): which glyph is which shard.
    static func legend(_ snap: ClusterSnapshot, options: UIOptions) -> Line {
        snap.shards.enumerated().flatMap { i, s in
            [Span(glyph(i, options: options), .shard(i)), Span(" " + SafeText.escaped(s.id) + "  ", .dim)]
        }
    }
}

extension ClusterSnapshot {
    /// A shard's position, which picks its colour and letter everywhere.
    func shardIndex(_ id: String) -> Int { shards.firstIndex { $0.id == id } ?? shards.count }
    /// The per-shard bar segments of one collection, in shard order.
    func segments(for ns: String) -> [BarSegment] {
        chunkCounts(for: ns).map { BarSegment(value: $0.chunks, index: shardIndex($0.shard)) }.sorted { $0.index < $1.index }
    }
}

// MARK: tables

enum CellContent: Hashable {
    case text(String, Role?)
    case bar([BarSegment], scale: Int)
    /// Spans with their own roles (e.g. a shard's glyph in its colour); `text` is what the filter matches.
    case spans([Span], text: String)
    static func t(_ s: String, _ role: Role? = nil) -> CellContent { .text(s, role) }
    /// The cell's text, for filtering.
    var plain: String {
        switch self {
        case .text(let s, _): return s
        case .spans(_, let text): return text
        case .bar: return ""
        }
    }
}

struct Column {
    var title: String
    var width: Int              // minimum width
    var right = false           // right-aligned (numbers)
    var flex = 0                // share of the spare width (0 = fixed)
    var drop = 0                // dropped first when narrow: highest first; 0 = never
}

struct TableRow: Hashable {
    var cells: [CellContent]
    var role: Role = .normal
}

/// A table as data: columns and rows. One drawing routine serves every tabular pane.
struct Table {
    var columns: [Column]
    var rows: [TableRow]

    /// Which columns fit in `width` and how wide each is: the most droppable go first, spare width goes to flex columns.
    static func layout(_ columns: [Column], width: Int) -> [(index: Int, x: Int, width: Int)] {
        var keep = Array(columns.indices)
        func need(_ k: [Int]) -> Int { k.reduce(0) { $0 + columns[$1].width } + max(0, k.count - 1) }
        while need(keep) > width, let worst = keep.filter({ columns[$0].drop > 0 }).max(by: { columns[$0].drop < columns[$1].drop }) {
            keep.removeAll { $0 == worst }
        }
        let spare = max(0, width - need(keep))
        let flexTotal = keep.reduce(0) { $0 + columns[$1].flex }
        var x = 0, given = 0
        var out: [(Int, Int, Int)] = []
        let flexed = keep.filter { columns[$0].flex > 0 }
        for i in keep {
            var w = columns[i].width
            if flexTotal > 0, columns[i].flex > 0 {
                let extra = i == flexed.last ? spare - given : spare * columns[i].flex / flexTotal
                w += extra; given += extra
            }
            out.append((i, x, w)); x += w + 1
        }
        return out
    }

    /// Rows matching every term of `query`: `field:value` looks in columns whose title starts with `field`,
    /// a bare term in any column. Case-insensitive substring match.
    func filtered(_ query: String) -> Table {
        var t = self
        t.rows = matching(query).map { rows[$0] }
        return t
    }

    /// Indices of the rows `filtered` keeps.
    func matching(_ query: String) -> [Int] {
        let terms = query.lowercased().split(separator: " ").map(String.init)
        guard !terms.isEmpty else { return Array(rows.indices) }
        let titles = columns.map { $0.title.lowercased() }
        return rows.indices.filter { r in
            let row = rows[r]
            return terms.allSatisfy { term in
                let parts = term.split(separator: ":", maxSplits: 1).map(String.init)
                if parts.count == 2, titles.contains(where: { $0.hasPrefix(parts[0]) }) {
                    return row.cells.indices.contains { titles[$0].hasPrefix(parts[0]) && row.cells[$0].plain.lowercased().contains(parts[1]) }
                }
                return row.cells.contains { $0.plain.lowercased().contains(term) }
            }
        }
    }

    /// Draws the header line and the visible rows (from `top`), highlighting `selected`.
    func draw(into grid: inout Grid, area: Rect, selected: Int?, top: Int, options: UIOptions) {
        guard !area.isEmpty else { return }
        let cols = Table.layout(columns, width: area.width)
        for c in cols {
            let col = columns[c.index]
            grid.put(TextFit.pad(col.title, c.width, right: col.right), x: area.x + c.x, y: area.y, role: .tableHeader, clip: area)
        }
        guard area.height > 1 else { return }
        if rows.isEmpty {
            grid.put("(none)", x: area.x, y: area.y + 1, role: .dim, clip: area)
            return
        }
        for (line, r) in (top..<min(rows.count, top + area.height - 1)).enumerated() {
            let y = area.y + 1 + line
            let row = rows[r]
            let isSel = r == selected
            if isSel { grid.fill(Rect(x: area.x, y: y, width: area.width, height: 1), with: Cell(" ", role: .selected)) }
            for c in cols where c.index < row.cells.count {
                let cellArea = Rect(x: area.x + c.x, y: y, width: c.width, height: 1)
                switch row.cells[c.index] {
                case .text(let s, let role):
                    let shown = isSel ? Role.selected : (role ?? row.role)
                    grid.put(TextFit.pad(s, c.width, right: columns[c.index].right), x: cellArea.x, y: y, role: shown, clip: cellArea)
                case .bar(let segs, let scale):
                    drawLines([Bar.spans(segs, scale: scale, width: c.width, options: options)], top: 0, into: &grid, area: cellArea)
                case .spans(let spans, _):
                    let fitted = fit(spans, width: c.width)
                    let shown = isSel ? fitted.map { Span($0.text, .selected) } : fitted
                    let pad = columns[c.index].right ? max(0, c.width - DisplayWidth.of(shown.plain)) : 0
                    drawLines([shown], top: 0, into: &grid, area: Rect(x: cellArea.x + pad, y: y, width: c.width - pad, height: 1))
                }
            }
        }
    }
}

/// Spans that fit `width` columns: as they are when they fit; else cut after the last whole group (groups end at a
/// " " span) that leaves room for "…", so that no number is shown cut short ("█+293 █−55 …", not "█+293 █−5").
func fit(_ spans: [Span], width: Int) -> [Span] {
    guard DisplayWidth.of(spans.plain) > width else { return spans }
    var used = 0, cut = 0
    for (i, span) in spans.enumerated() {
        used += DisplayWidth.of(span.text)
        if used + 1 > width { break }
        if span.text == " " { cut = i + 1 }
    }
    return Array(spans.prefix(cut)) + [Span("…", .dim)]
}

/// Where a list of `count` rows starts so that `selected` is visible in `height` rows, staying near `top`.
func visibleTop(selected: Int, top: Int, height: Int, count: Int) -> Int {
    guard height > 0 else { return 0 }
    var t = min(top, selected)
    if selected >= t + height { t = selected - height + 1 }
    return max(0, min(t, max(0, count - height)))
}

/// Draws lines of spans from `top`, clipped to `area`.
func drawLines(_ lines: [Line], top: Int, into grid: inout Grid, area: Rect) {
    for (i, line) in lines.dropFirst(top).prefix(area.height).enumerated() {
        var x = area.x
        for span in line { x += grid.put(span.text, x: x, y: area.y + i, role: span.role, clip: area) }
    }
}

/// A pane's title line: the title, then dim details ("12 of 40 · sorted by chunks").
func drawTitle(_ title: String, _ details: [String], into grid: inout Grid, area: Rect) {
    var x = area.x + grid.put(title, x: area.x, y: area.y, role: .title, clip: area)
    for d in details where !d.isEmpty { x += grid.put("  " + d, x: x, y: area.y, role: .dim, clip: area) }
}
