import Foundation
import ClusterModel
import TermGrid

/// Pane 3: every sharded collection with its key, chunk total, per-shard distribution bar (with a legend),
/// imbalance (max − min), jumbo chunks and zones. Enter opens the chunk map.
enum CollectionsPane: TablePane {
    static let title = "Collections"
    static let id = PaneID.collections
    static let sortNames = ["namespace", "chunks", "imbalance", "jumbo"]

    /// Collections in the current sort order (before the filter).
    static func sortedCollections(_ state: AppState) -> [ShardedCollection] {
        guard let snap = state.snapshot else { return [] }
        let key: (ShardedCollection) -> Int
        switch sortIndex(state) {
        case 1: key = { snap.totalChunks(for: $0.ns) }
        case 2: key = { snap.imbalance(for: $0.ns) }
        case 3: key = { snap.jumboChunks(for: $0.ns) }
        default: return snap.collections.sorted { $0.ns < $1.ns }
        }
        return snap.collections.sorted { (key($0), $1.ns) > (key($1), $0.ns) }
    }

    /// The collections as shown (sorted, filtered), aligned with the visible rows.
    static func visibleCollections(_ state: AppState) -> [ShardedCollection] {
        let all = sortedCollections(state)
        return table(state).matching(state.filters[id] ?? "").map { all[$0] }
    }

    static func table(_ state: AppState) -> Table {
        guard let snap = state.snapshot else { return Table(columns: [], rows: []) }
        var columns = [
            Column(title: "ns", width: 14, flex: 3),
            Column(title: "key", width: 12, flex: 2, drop: 3),
            Column(title: "chunks", width: 7, right: true),
            Column(title: "distribution", width: 10, flex: 3, drop: 2),
            Column(title: "max-min", width: 7, right: true, drop: 4),
            Column(title: "jumbo", width: 5, right: true, drop: 5),
            Column(title: "zones", width: 8, flex: 1, drop: 6),
            Column(title: "notes", width: 10, drop: 7),
        ]
        // Compare mode: the delta beside the bar (never dropped), the data delta (where both sides have
        // `$shardedDataDistribution`) and per-shard deltas where they fit; notes, zones and the key give way first.
        let compare = state.comparing ? state.compare : nil
        let withData = compare.map { CompareColumns.hasData(snap, $0) } ?? false
        if compare != nil {
            var extra = [Column(title: "Δ", width: 6, right: true)]
            if withData { extra.append(Column(title: "Δ data", width: 8, right: true, drop: 4)) }
            extra.append(Column(title: "Δ by shard", width: 12, flex: 2, drop: 5))
            columns.insert(contentsOf: extra, at: 4)
            let drops = ["key": 9, "max-min": 6, "jumbo": 7, "zones": 10, "notes": 11]
            for i in columns.indices { if let d = drops[columns[i].title] { columns[i].drop = d } }
        }
        let rows = sortedCollections(state).map { c -> TableRow in
            let total = snap.totalChunks(for: c.ns), imb = snap.imbalance(for: c.ns), jumbo = snap.jumboChunks(for: c.ns)
            let zones = Array(Set(snap.zoneRanges(for: c.ns).map(\.zone))).sorted()
            var notes: [String] = []
            if !c.balancing { notes.append("no balance") }
            if c.defragmenting { notes.append("defrag") }
            if c.resharding { notes.append("resharding") }
            if c.timeseries { notes.append("timeseries") }
            var cells: [CellContent] = [
                .t(SafeText.escaped(c.ns)),
                .t(SafeText.escaped(c.key.description)),
                .t(Fmt.count(total)),
                .bar(snap.segments(for: c.ns), scale: total),
                .t(Fmt.count(imb), imb > Audit.chunkThreshold(total) ? .warn : nil),
                .t(Fmt.count(jumbo), jumbo > 0 ? .warn : nil),
                .t(zones.map(SafeText.escaped).joined(separator: ",")),
                .t(notes.joined(separator: ","), notes.isEmpty ? nil : .dim),
            ]
            if let compare {
                let delta = CompareColumns.row(c.ns, snap, compare)
                var extra = [CompareColumns.totalCell(delta)]
                if withData { extra.append(CompareColumns.dataCell(delta)) }
                extra.append(CompareColumns.perShardCell(delta, snap, options: state.options))
                cells.insert(contentsOf: extra, at: 4)
            }
            return TableRow(cells: cells)
        }
        return Table(columns: columns, rows: rows)
    }

    static func render(_ state: AppState, into grid: inout Grid, area: Rect, now: Date) {
        guard let snap = state.snapshot else { return }
        renderTable(state, into: &grid, area: Rect(x: area.x, y: area.y, width: area.width, height: area.height - 1))
        drawLines([Bar.legend(snap, options: state.options)], top: 0, into: &grid,
                  area: Rect(x: area.x, y: area.maxY - 1, width: area.width, height: 1))
    }

    static func notes(_ state: AppState) -> [String] { CompareColumns.notes(state) }

    static func handle(_ command: Command, state: inout AppState) -> [Effect] {
        if command == .toggleCompare { state.toggleCompare(); return [] }
        guard command == .enter else { return tableHandle(command, state: &state) }
        let colls = visibleCollections(state)
        guard colls.indices.contains(state.position(id).selected) else { return [] }
        return state.openChunkMap(colls[state.position(id).selected].ns)
    }
}
