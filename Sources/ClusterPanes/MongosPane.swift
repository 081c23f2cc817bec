import Foundation
import ClusterModel
import TermGrid

/// Pane 7: the routers: host, version (skew highlighted), uptime, ping age, stale flag.
enum MongosPane: TablePane {
    static let title = "Mongos"
    static let id = PaneID.mongos
    static let sortNames = ["host", "version", "ping age"]

    /// The version most routers run; others are skew.
    static func commonVersion(_ snap: ClusterSnapshot) -> String? {
        let counts = Dictionary(snap.mongos.compactMap(\.version).map { ($0, 1) }, uniquingKeysWith: +)
        return counts.max { ($0.value, $1.key) < ($1.value, $0.key) }?.key
    }

    static func table(_ state: AppState) -> Table {
        guard let snap = state.snapshot else { return Table(columns: [], rows: []) }
        let common = commonVersion(snap)
        var list = snap.mongos
        switch sortIndex(state) {
        case 1: list.sort { ($0.version ?? "", $0.host) < ($1.version ?? "", $1.host) }
        case 2: list.sort { (snap.pingAgeSeconds($0) ?? .infinity, $0.host) > (snap.pingAgeSeconds($1) ?? .infinity, $1.host) }
        default: list.sort { $0.host < $1.host }
        }
        let columns = [
            Column(title: "host", width: 16, flex: 2),
            Column(title: "version", width: 9),
            Column(title: "uptime", width: 8, right: true, drop: 2),
            Column(title: "ping", width: 11, right: true),
            Column(title: "status", width: 12, drop: 1),
            Column(title: "fqdn", width: 10, flex: 1, drop: 3),
        ]
        let rows = list.map { m -> TableRow in
            let stale = snap.isStale(m)
            let skew = m.version != nil && m.version != common
            let status = [stale ? "stale" : "ok", skew ? "skew" : nil].compactMap { $0 }.joined(separator: ", ")
            return TableRow(cells: [
                .t(SafeText.escaped(m.host)),
                .t(SafeText.escaped(m.version ?? "-"), skew ? .warn : nil),
                .t(m.upSeconds.map(Fmt.uptime) ?? "-"),
                .t(snap.pingAgeSeconds(m).map { Fmt.age($0) + " ago" } ?? "never"),
                .t(status, stale ? .error : (skew ? .warn : .ok)),
                .t(m.advisoryHostFQDNs.map(SafeText.escaped).joined(separator: ",")),
            ], role: stale ? .warn : .normal)
        }
        return Table(columns: columns, rows: rows)
    }

    static func notes(_ state: AppState) -> [String] {
        guard let snap = state.snapshot, let v = commonVersion(snap) else { return [] }
        return ["most run " + SafeText.escaped(v), "\(snap.mongos.filter(snap.isStale).count) stale"]
    }
}
