import Foundation
import ClusterModel
import TermGrid

/// Compare mode (`shardscope SOURCE --compare BASELINE`): a second snapshot, loaded once on the loader
/// thread, against which the Collections pane shows deltas. Deltas are SOURCE − BASELINE: what
/// `shardscope diff BASELINE SOURCE` reports.
public struct CompareState {
    public var source: SourceInfo
    var snapshot: ClusterSnapshot?
    var failure: String?
    /// The compare columns are shown (the `c` key toggles them).
    var shown = true
    /// The baseline's collections; computed once when it arrives.
    var baselineNamespaces: Set<String> = []
    /// `ClusterDiff.distribution(baseline, snapshot)` by namespace (collections whose chunks or data per shard
    /// differ): computed when either snapshot changes (`AppState.recomputeCompare`), read by the cells.
    var distribution: [String: ClusterDiff.Distribution] = [:]

    public init(source: SourceInfo) { self.source = source }
}

extension AppState {
    /// Announces a second source whose snapshot will arrive as `.compareSnapshot`/`.compareFailed`.
    public mutating func expectCompare(_ source: SourceInfo) { compare = CompareState(source: source) }

    /// Compare columns are on screen: a baseline was given, has loaded, and is not toggled off.
    var comparing: Bool { compare?.shown == true && compare?.snapshot != nil }

    mutating func applyCompare(_ snapshot: ClusterSnapshot?, failure: String?) {
        var c = compare ?? CompareState(source: snapshot?.source ?? SourceInfo(kind: .dump, display: "?"))
        c.snapshot = snapshot
        c.failure = failure
        if let snapshot { c.baselineNamespaces = Set(snapshot.collections.map(\.ns)) }
        compare = c
        recomputeCompare()
    }

    /// The per-collection deltas against the baseline, once per snapshot pair (on either snapshot's arrival).
    mutating func recomputeCompare() {
        guard var c = compare else { return }
        if let base = c.snapshot, let snap = snapshot {
            c.distribution = Dictionary(ClusterDiff.distribution(base, snap).map { ($0.ns, $0) }, uniquingKeysWith: { x, _ in x })
        } else {
            c.distribution = [:]
        }
        compare = c
    }

    mutating func toggleCompare() {
        guard var c = compare else {
            message = "nothing to compare with: start with --compare BASELINE (a dump, a URI or demo:SEED@SECONDS)"
            return
        }
        c.shown.toggle()
        compare = c
    }
}

/// The per-collection numbers behind the compare columns. Pure.
enum CompareColumns {
    struct Row {
        var isNew: Bool
        var total: Int                         // chunks now − chunks in the baseline
        var perShard: [(shard: String, delta: Int)]
        /// Owned bytes now − in the baseline, when both have them for this collection.
        var dataDelta: Int64? = nil
    }

    /// Both sides have `$shardedDataDistribution`: a data column is worth its width.
    static func hasData(_ snap: ClusterSnapshot, _ compare: CompareState) -> Bool {
        snap.dataDistribution != nil && compare.snapshot?.dataDistribution != nil
    }

    /// The cells' numbers for `ns`, from the distribution diff computed when a snapshot arrived: shards whose chunk
    /// count changed, in shard order (as the bars); the data delta when both sides have data for the collection.
    static func row(_ ns: String, _ snap: ClusterSnapshot, _ compare: CompareState) -> Row {
        guard let base = compare.snapshot else { return Row(isNew: false, total: 0, perShard: []) }
        let isNew = !compare.baselineNamespaces.contains(ns)
        guard let d = compare.distribution[ns] else {
            // Nothing changed: no per-shard delta; "=" for data when both sides have it.
            let both = snap.dataDistribution?[ns] != nil && base.dataDistribution?[ns] != nil
            return Row(isNew: isNew, total: 0, perShard: [], dataDelta: both ? 0 : nil)
        }
        let per = d.shards.filter { $0.chunks.delta != 0 }
            .sorted { (snap.shardIndex($0.shard), $0.shard) < (snap.shardIndex($1.shard), $1.shard) }
            .map { (shard: $0.shard, delta: Int($0.chunks.delta)) }
        return Row(isNew: isNew, total: Int(d.chunks.delta), perShard: per, dataDelta: d.dataBytes?.delta)
    }

    static func signed(_ n: Int) -> String { n > 0 ? "+" + Fmt.count(n) : n < 0 ? "−" + Fmt.count(-n) : "=" }

    static func totalCell(_ r: Row) -> CellContent {
        if r.isNew { return .t("new", .ok) }
        if r.perShard.isEmpty { return .t("=", .dim) }           // nothing changed
        return .t(r.total == 0 ? "0" : signed(r.total), .accent)  // "0": as many chunks, on other shards
    }

    /// "+572 MB", "−1.2 GB", "=" (unchanged), "" (no data on one side).
    static func dataCell(_ r: Row) -> CellContent {
        guard let d = r.dataDelta else { return .t("") }
        if d == 0 { return .t("=", .dim) }
        return .t((d > 0 ? "+" : "−") + Fmt.bytes(abs(d)), .accent)
    }

    /// "█+3 █−3": each shard whose count changed, in its bar colour (its letter without colour).
    static func perShardCell(_ r: Row, _ snap: ClusterSnapshot, options: UIOptions) -> CellContent {
        guard !r.perShard.isEmpty else { return .t("") }
        var spans: [Span] = []
        for (i, p) in r.perShard.enumerated() {
            if i > 0 { spans.append(Span(" ")) }
            let index = snap.shardIndex(p.shard)
            spans.append(Span(Bar.glyph(index, options: options), .shard(index)))
            spans.append(Span(signed(p.delta)))
        }
        return .spans(spans, text: r.perShard.map { "\($0.shard)\(signed($0.delta))" }.joined(separator: " "))
    }

    /// Title notes: what the deltas are against, or why there are none.
    static func notes(_ state: AppState) -> [String] {
        guard let c = state.compare else { return [] }
        let name = SafeText.escaped(c.source.display)
        if let f = c.failure { return ["compare: cannot load \(name): \(SafeText.escaped(f))"] }
        guard let base = c.snapshot, let snap = state.snapshot else { return ["compare: loading \(name)…"] }
        guard c.shown else { return ["compare hidden (c)"] }
        let gone = c.baselineNamespaces.subtracting(snap.collections.map(\.ns)).count
        var notes = ["Δ vs \(name) @ \(Fmt.time(base.asOf, "yyyy-MM-dd HH:mm", state.options.timeZone))"]
        if gone > 0 { notes.append("\(gone) dropped since") }
        return notes
    }
}
