import Foundation
import ClusterModel
import TermGrid

/// Pane 1: the cluster at a glance: chunks per shard as bars, balancer and mongos summaries, and problems.
enum OverviewPane: TextPane {
    static let title = "Overview"
    static let id = PaneID.overview

    /// Problems worth a look, most serious first: the audit's errors and warnings (the same findings as the Health
    /// pane and `shardscope audit`), then the load's warnings.
    static func problems(_ state: AppState) -> [Span] {
        guard let snap = state.snapshot else { return [] }
        var out = state.findings.filter { $0.severity >= .warning }.map { Span($0.message, HealthPane.role($0.severity)) }
        for w in snap.warnings { out.append(Span(SafeText.escaped(w), .dim)) }
        return out
    }

    static func lines(_ state: AppState, width: Int) -> [Line] {
        guard let snap = state.snapshot else { return [] }
        var out: [Line] = [[Span("Chunks per shard", .tableHeader)]]
        let per = snap.chunksPerShard
        let most = per.map(\.chunks).max() ?? 0
        let nameWidth = min(16, per.map { DisplayWidth.of(SafeText.escaped($0.shard)) }.max() ?? 4)
        let barWidth = max(4, width - nameWidth - 24)
        for c in per {
            let i = snap.shardIndex(c.shard)
            var line: Line = [Span("  " + TextFit.pad(SafeText.escaped(c.shard), nameWidth) + " ", .shard(i))]
            let bar = Bar.spans([BarSegment(value: c.chunks, index: i)], scale: most, width: barWidth, options: state.options)
            line += bar
            line.append(Span(String(repeating: " ", count: barWidth - DisplayWidth.of(bar.plain))))
            line.append(Span(TextFit.pad(Fmt.count(c.chunks), 10, right: true)))
            if snap.shard(c.shard)?.draining == true { line.append(Span(" draining", .warn)) }
            out.append(line)
        }

        let badge = Chrome.balancerBadge(snap, timeZone: state.options.timeZone)
        // Most important first, so a narrow terminal clips the window rather than the failures.
        var bal: Line = [Span("Balancer  ", .tableHeader), Span(badge.text, badge.role)]
        let migs = BalancerPane.migrations(state)
        let failed = migs.filter(\.failed).count
        bal.append(Span(" · 24 h migrations: ", .normal))
        bal.append(Span("\(failed) failed", failed > 0 ? .error : .normal))
        bal.append(Span(", \(migs.count - failed) ok", .normal))
        if let w = snap.balancer.activeWindow { bal.append(Span(" · window \(SafeText.escaped(w.start))–\(SafeText.escaped(w.stop))", .dim)) }
        out += [[], bal]

        let versions = Dictionary(snap.mongos.compactMap(\.version).map { ($0, 1) }, uniquingKeysWith: +)
            .sorted { ($0.value, $1.key) > ($1.value, $0.key) }.map { "\(SafeText.escaped($0.key)) ×\($0.value)" }
        // Routers the audit reports stale (`mongos.stale`, as the Health pane and `shardscope audit` list them).
        let stale = Set(state.findings.filter { $0.id == "mongos.stale" }.map(\.subject.name)).count
        out.append([Span("Mongos    ", .tableHeader), Span("\(snap.mongos.count) routers"),
                    Span(" · \(stale) stale", stale > 0 ? .warn : .normal), Span(" · " + versions.joined(separator: ", "), versions.count > 1 ? .warn : .dim)])
        // The collections the audit finds imbalanced (by chunk count or data size), as the Health pane lists them.
        let imbalanced = Set(state.findings.filter { $0.severity >= .warning && ["distribution.chunk-imbalance", "distribution.data-imbalance"].contains($0.id) }
            .map(\.subject.name)).count
        out.append([Span("Data      ", .tableHeader), Span("\(snap.databases.count) databases · \(snap.collections.count) sharded collections · \(Fmt.count(snap.totalChunks)) chunks · "),
                    Span("\(imbalanced) imbalanced", imbalanced > 0 ? .warn : .normal)])

        out += [[], [Span("Problems", .tableHeader)]]
        let probs = problems(state)
        if probs.isEmpty { out.append([Span("  none found", .ok)]) }
        for p in probs { out.append([Span("  " + state.options.glyphs.bullet + " ", p.role), p]) }
        return out
    }
}
