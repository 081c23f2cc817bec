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
    /// Per collection of the baseline, by namespace; computed once when it arrives.
    var baselineCounts: [String: [String: Int]] = [:]
    var baselineNamespaces: Set<String> = []
    /// Owned bytes per shard by namespace, where the baseline has `$shardedDataDistribution`.
    var baselineData: [String: [String: Int64]]?

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
        if let snapshot {
            c.baselineCounts = snapshot.distribution.mapValues { rows in
                Dictionary(rows.map { ($0.shard, $0.chunks) }, uniquingKeysWith: +)
            }
            c.baselineNamespaces = Set(snapshot.collections.map(\.ns))
            c.baselineData = snapshot.dataDistribution?.mapValues { rows in
                Dictionary(rows.map { ($0.shard, $0.ownedSizeBytes) }, uniquingKeysWith: +)
            }
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
        snap.dataDistribution != nil && compare.baselineData != nil
    }

    static func row(_ ns: String, _ snap: ClusterSnapshot, _ compare: CompareState) -> Row {
        guard compare.snapshot != nil else { return Row(isNew: false, total: 0, perShard: []) }
        let now = Dictionary(snap.chunkCounts(for: ns).map { ($0.shard, $0.chunks) }, uniquingKeysWith: +)
        let before = compare.baselineCounts[ns] ?? [:]
        let shards = Set(now.keys).union(before.keys).sorted { (snap.shardIndex($0), $0) < (snap.shardIndex($1), $1) }
        let per = shards.map { ($0, (now[$0] ?? 0) - (before[$0] ?? 0)) }.filter { $0.1 != 0 }
        var data: Int64?
        if let now = snap.dataDistribution?[ns], let before = compare.baselineData?[ns] {
            data = now.reduce(0) { $0 + $1.ownedSizeBytes } - before.values.reduce(0, +)
        }
        return Row(isNew: !compare.baselineNamespaces.contains(ns), total: per.reduce(0) { $0 + $1.1 }, perShard: per, dataDelta: data)
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
