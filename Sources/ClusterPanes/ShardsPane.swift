import Foundation
import ClusterModel
import TermGrid

/// Pane 2: every shard with its host, state, draining flag, zones, chunks and (where known) data size.
enum ShardsPane: TablePane {
    static let title = "Shards"
    static let id = PaneID.shards
    static let sortNames = ["id", "chunks", "data size"]

    static func table(_ state: AppState) -> Table {
        guard let snap = state.snapshot else { return Table(columns: [], rows: []) }
        let chunks = Dictionary(uniqueKeysWithValues: snap.chunksPerShard.map { ($0.shard, $0) })
        let data = dataPerShard(snap)
        var shards = snap.shards
        switch sortIndex(state) {
        case 1: shards.sort { (chunks[$0.id]?.chunks ?? 0, $1.id) > (chunks[$1.id]?.chunks ?? 0, $0.id) }
        case 2: shards.sort { (data?[$0.id] ?? 0, $1.id) > (data?[$1.id] ?? 0, $0.id) }
        default: break
        }
        var columns = [
            Column(title: "id", width: 10, flex: 1),
            Column(title: "host", width: 16, flex: 4, drop: 3),
            Column(title: "state", width: 5, drop: 5),
            Column(title: "draining", width: 8, drop: 4),
            Column(title: "zones", width: 8, flex: 1, drop: 2),
            Column(title: "chunks", width: 9, right: true),
            Column(title: "jumbo", width: 5, right: true, drop: 6),
        ]
        if data != nil { columns.append(Column(title: "data", width: 9, right: true, drop: 1)) }
        let rows = shards.map { s -> TableRow in
            let c = chunks[s.id]
            var cells: [CellContent] = [
                .t(SafeText.escaped(s.id), .shard(snap.shardIndex(s.id))),
                .t(SafeText.escaped(s.host)),
                .t(s.state.map(String.init) ?? "-"),
                .t(s.draining ? "draining" : "no", s.draining ? .warn : nil),
                .t(s.zones.map(SafeText.escaped).joined(separator: ",")),
                .t(Fmt.count(c?.chunks ?? 0)),
                .t(Fmt.count(c?.jumbo ?? 0), (c?.jumbo ?? 0) > 0 ? .warn : nil),
            ]
            if let data { cells.append(.t(data[s.id].map(Fmt.bytes) ?? "-")) }
            return TableRow(cells: cells, role: s.draining ? .warn : .normal)
        }
        return Table(columns: columns, rows: rows)
    }

    /// Owned bytes per shard summed over collections, when `$shardedDataDistribution` answered.
    static func dataPerShard(_ snap: ClusterSnapshot) -> [String: Int64]? {
        guard let dd = snap.dataDistribution else { return nil }
        var out: [String: Int64] = [:]
        for row in dd.values.joined() { out[row.shard, default: 0] += row.ownedSizeBytes }
        return out
    }
}
