import Foundation
import ClusterModel
import TermGrid

/// Pane 4: one collection's key space as a strip coloured by owning shard, zone ranges under it, and
/// the chunk table, loaded page by page as the user scrolls (`Effect.loadChunkPage`), never all at once.
enum ChunkMapPane: Pane {
    static let title = "Chunk map"

    /// The chunk table with rows for `window` (indices in the collection) of the chunks held only (column widths
    /// do not depend on rows, so a frame formats the visible rows, not every chunk loaded so far).
    static func table(_ state: AppState, window: Range<Int>? = nil) -> Table {
        guard let snap = state.snapshot, let map = state.chunkMap else { return Table(columns: [], rows: []) }
        let zones = snap.zoneRanges(for: map.ns)
        let columns = [
            Column(title: "min", width: 12, flex: 3),
            Column(title: "max", width: 12, flex: 3),
            Column(title: "shard", width: 9, flex: 1),
            Column(title: "lastmod", width: 8, drop: 2),
            Column(title: "jumbo", width: 5, drop: 3),
            Column(title: "zone", width: 6, flex: 1, drop: 1),
            Column(title: "size", width: 8, right: true, drop: 4),
        ]
        let held = map.base..<map.end
        let shown = (window ?? held).clamped(to: held)
        let rows = map.chunks[(shown.lowerBound - map.base)..<(shown.upperBound - map.base)].map { c in
            TableRow(cells: [
                .t(Fmt.keyValues(c.min)), .t(Fmt.keyValues(c.max)),
                .t(SafeText.escaped(c.shard), .shard(snap.shardIndex(c.shard))),
                .t(Fmt.version(c.lastmod)),
                .t(c.jumbo ? "jumbo" : "", c.jumbo ? .warn : nil),
                .t(zone(of: c, in: zones).map(SafeText.escaped) ?? ""),
                .t(c.estimatedDataSizeBytes.map(Fmt.bytes) ?? ""),
            ], role: c.jumbo ? .warn : .normal)
        }
        return Table(columns: columns, rows: rows)
    }

    /// The zone whose range holds the chunk's lower bound.
    static func zone(of c: Chunk, in zones: [ZoneRange]) -> String? {
        zones.first { BSONDocument.compareKeys($0.min, c.min) <= 0 && BSONDocument.compareKeys(c.min, $0.max) < 0 }?.zone
    }

    /// The strip: one line of shard glyphs over the key space (chunk order; unloaded chunks dotted),
    /// one line of zone runs labelled with their names, one line with a marker under the selected chunk.
    static func strip(_ state: AppState, width: Int) -> [Line] {
        guard let snap = state.snapshot, let map = state.chunkMap, width > 0 else { return [] }
        let total = map.fromStart ? max(snap.totalChunks(for: map.ns), map.end) : map.end
        guard total > 0 else { return [[Span("no chunks loaded yet", .dim)]] }
        let zones = snap.zoneRanges(for: map.ns), allZones = snap.zones
        var shardLine: Line = [], zoneOf: [String?] = []
        for col in 0..<width {
            guard let c = map.chunk(at: col * total / width) else { shardLine.append(Span("·", .dim)); zoneOf.append(nil); continue }
            let s = snap.shardIndex(c.shard)
            shardLine.append(Span(Bar.glyph(s, options: state.options), .shard(s)))
            zoneOf.append(zone(of: c, in: zones))
        }
        // Each zone run starts with its name, then a line to its end.
        var zoneLine: Line = [], label: [Character] = []
        for (col, z) in zoneOf.enumerated() {
            guard let z else { zoneLine.append(Span(" ")); label = []; continue }
            if col == 0 || zoneOf[col - 1] != z { label = Array(SafeText.escaped(z).filter { DisplayWidth.of($0) == 1 }) }
            let text = label.isEmpty ? state.options.glyphs.horizontal : String(label.removeFirst())
            zoneLine.append(Span(text, .zone(allZones.firstIndex(of: z) ?? 0)))
        }
        let selCol = total > 0 ? state.position(.chunkMap).selected * width / total : 0
        let marker = [Span(String(repeating: " ", count: min(selCol, width - 1))), Span(state.options.glyphs.upArrow, .accent)]
        return zones.isEmpty ? [shardLine, marker] : [shardLine, zoneLine, marker]
    }

    static func render(_ state: AppState, into grid: inout Grid, area: Rect, now: Date) {
        guard let snap = state.snapshot, let map = state.chunkMap else {
            drawTitle(title, ["no collection: choose one in 3 Collections and press Enter"], into: &grid, area: area)
            return
        }
        let total = snap.totalChunks(for: map.ns)
        var details = [SafeText.escaped(map.ns), SafeText.escaped(snap.collection(map.ns)?.key.description ?? "")]
        details.append("\(Fmt.count(map.end)) of \(Fmt.count(total)) chunks loaded" + (map.pending ? " · loading…" : ""))
        if !map.fromStart { details.append("from a found key · g reloads from the start") }
        drawTitle(title, details, into: &grid, area: area)
        let lines = strip(state, width: area.width - 2)
        drawLines(lines, top: 0, into: &grid, area: Rect(x: area.x + 1, y: area.y + 1, width: area.width - 2, height: lines.count))
        let legendY = area.y + 1 + lines.count
        drawLines([Bar.legend(snap, options: state.options)], top: 0, into: &grid, area: Rect(x: area.x + 1, y: legendY, width: area.width - 2, height: 1))
        let body = Rect(x: area.x, y: legendY + 1, width: area.width, height: area.maxY - legendY - 1)
        let pos = state.position(.chunkMap)
        let count = map.end
        let top = max(map.base, visibleTop(selected: pos.selected, top: pos.top, height: body.height - 1, count: count))
        let t = table(state, window: top..<min(count, top + max(0, body.height - 1)))
        t.draw(into: &grid, area: body, selected: pos.selected - top, top: 0, options: state.options)
    }

    static func handle(_ command: Command, state: inout AppState) -> [Effect] {
        guard let map = state.chunkMap else { return command == .back ? state.show(.collections) : [] }
        switch command {
        case .back:
            return state.show(.collections)
        case .enter:
            guard let c = map.chunk(at: state.position(.chunkMap).selected) else { return [] }
            var doc: BSONDocument = ["_id": c.id, "min": .document(c.min), "max": .document(c.max), "shard": .string(c.shard),
                                     "jumbo": .bool(c.jumbo)]
            if let v = c.lastmod { doc["lastmod"] = .timestamp(v) }
            if let b = c.estimatedDataSizeBytes { doc["estimatedDataSizeBytes"] = .int64(b) }
            if let s = c.onCurrentShardSince { doc["onCurrentShardSince"] = .timestamp(s) }
            state.showDetails(title: "chunk of " + SafeText.escaped(map.ns), document: doc)
            return []
        case .top where !map.fromStart || map.base > 0:   // reload from the first page rather than walk back
            return state.openChunkMap(map.ns, reload: true)
        default:
            state.move(command, count: map.end, in: .chunkMap)
            // Above the chunks held (pages dropped there): wait at the top of the window while they reload.
            if var pos = state.positions[.chunkMap], pos.selected < map.base {
                pos.selected = map.base; pos.top = max(pos.top, map.base)
                state.positions[.chunkMap] = pos
            }
            return []
        }
    }
}
