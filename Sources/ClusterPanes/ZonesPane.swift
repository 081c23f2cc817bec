import Foundation
import ClusterModel
import TermGrid

/// Pane 8: each zone with the shards that carry it and its ranges per collection.
enum ZonesPane: TextPane {
    static let title = "Zones"
    static let id = PaneID.zones

    static func lines(_ state: AppState, width: Int) -> [Line] {
        guard let snap = state.snapshot else { return [] }
        guard !snap.zones.isEmpty else { return [[Span("no zones defined", .dim)]] }
        var out: [Line] = []
        for (zi, zone) in snap.zones.enumerated() {
            let shards = snap.shards.filter { $0.zones.contains(zone) }
            var head: Line = [Span(" " + SafeText.escaped(zone) + " ", .zone(zi)), Span("  shards: ", .dim)]
            head.append(shards.isEmpty ? Span("none (ranges cannot be placed)", .warn)
                                       : Span(shards.map { SafeText.escaped($0.id) }.joined(separator: ", ")))
            out.append(head)
            let ranges = snap.zoneRanges.filter { $0.zone == zone }
            if ranges.isEmpty { out.append([Span("    no ranges", .dim)]) }
            for ns in Array(Set(ranges.map(\.ns))).sorted() {
                out.append([Span("    " + SafeText.escaped(ns), .accent)])
                for r in snap.zoneRanges(for: ns) where r.zone == zone {
                    out.append([Span("      " + Fmt.key(r.min) + " → " + Fmt.key(r.max))])
                }
            }
            out.append([])
        }
        return out
    }
}
