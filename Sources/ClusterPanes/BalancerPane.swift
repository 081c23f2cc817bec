import Foundation
import ClusterModel
import TermGrid

/// Pane 5: balancer settings, whether it is running and inside its window, recent rounds, and the
/// migrations of the last 24 hours (from the changelog), failures with their reasons.
enum BalancerPane: TextPane {
    static let title = "Balancer"
    static let id = PaneID.balancer

    typealias Migration = Audit.Migration

    /// Migrations finished in the 24 h before the snapshot, as the audit counts them (`Audit.recentMigrations`: a
    /// donor's failing `moveChunk.from` beside its `moveChunk.error` counts once), over the changelog the UI holds plus
    /// the 24 h the loader read for the audit. Computed with the findings (`AppState.recomputeFindings`), not per frame.
    static func migrations(_ state: AppState) -> [Migration] {
        state.snapshot == nil ? [] : state.recentMigrations
    }

    static func lines(_ state: AppState, width: Int) -> [Line] {
        guard let snap = state.snapshot else { return [] }
        let b = snap.balancer, tz = state.options.timeZone
        func row(_ name: String, _ value: String, _ role: Role = .normal) -> Line {
            [Span(TextFit.pad(name, 20), .dim), Span(value, role)]
        }
        var out: [Line] = []
        out.append(row("Mode", "\(SafeText.escaped(b.effectiveMode)) · " + (b.enabled ? "enabled" : "stopped"), b.enabled ? .ok : .warn))
        if let st = snap.balancerStatus {
            let rounds = st.numBalancerRounds.map { " · \(Fmt.count($0)) rounds" } ?? ""
            out.append(row("Running now", (st.inBalancerRound ? "yes, in a round" : "no") + rounds, st.inBalancerRound ? .ok : .normal))
        } else {
            out.append(row("Running now", "unknown (balancerStatus needs a live server)", .dim))
        }
        if let w = b.activeWindow {
            let inside = snap.insideBalancerWindow(timeZone: tz)
            let where_ = inside.map { $0 ? "inside now" : "outside now" } ?? "cannot parse"
            out.append(row("Active window", "\(SafeText.escaped(w.start))–\(SafeText.escaped(w.stop)) · \(where_)", inside == false ? .warn : .normal))
        } else {
            out.append(row("Active window", "none (any time)"))
        }
        out.append(row("Chunk size", b.chunkSizeMB.map { "\($0) MB" } ?? "default (128 MB)"))
        out.append(row("Autosplit", Fmt.yesNo(b.autosplit)))
        out.append(row("Automerge", Fmt.yesNo(b.automerge)))
        out.append(row("Secondary throttle", b.secondaryThrottle.map(Fmt.value) ?? "default"))
        out.append(row("Wait for delete", Fmt.yesNo(b.waitForDelete)))
        for m in snap.migrations {
            out.append(row("Migrating", "\(SafeText.escaped(m.ns)) \(Fmt.key(m.min)) \(SafeText.escaped(m.fromShard))→\(SafeText.escaped(m.toShard))", .accent))
        }

        out.append([])
        out.append([Span("Recent balancer rounds", .tableHeader)])
        if snap.balancerRounds.isEmpty { out.append([Span("  none recorded", .dim)]) }
        for r in snap.balancerRounds.prefix(10) {
            var text = "  " + Fmt.time(r.time, "MM-dd HH:mm:ss", tz) + "  "
            if r.errorOccurred {
                text += "error: " + SafeText.escaped(r.errmsg ?? "unknown")
            } else {
                text += "moved \(r.chunksMoved.map { Fmt.count($0) } ?? "?") of \(r.candidateChunks.map { Fmt.count($0) } ?? "?") candidates"
            }
            if let ms = r.executionTimeMillis { text += " · \(ms) ms" }
            out.append([Span(text, r.errorOccurred ? .error : .normal)])
        }

        let migs = migrations(state)
        let failed = migs.filter(\.failed)
        out.append([])
        out.append([Span("Migrations in the last 24 h  ", .tableHeader), Span("\(migs.count - failed.count) succeeded", .ok),
                    Span(" · ", .dim), Span("\(failed.count) failed", failed.isEmpty ? .normal : .error)])
        for m in migs.prefix(20) {
            let e = m.entry
            var text = "  " + Fmt.time(e.time, "MM-dd HH:mm:ss", tz) + "  " + SafeText.escaped(e.ns) + "  " + ChangelogPane.shards(e)
            text += m.failed ? "  failed: " + (m.reason ?? "unknown") : "  ok"
            out.append([Span(text, m.failed ? .error : .normal)])
        }
        return out
    }
}
