import Foundation
import ClusterModel
import TermGrid

/// Header, tab line and footer: the parts of the screen that are always there.
enum Chrome {
    // MARK: presentation

    /// "live · 1.2 s ago", "stale: server unreachable for 34 s (…)", "loading… 45%", "dump · 2026-11-20 14:03", "demo · sim 22:45:12".
    static func connection(_ state: AppState, now: Date) -> Span {
        let tz = state.options.timeZone
        if let f = state.failure {
            let why = SafeText.escaped(f.message)
            if state.snapshot == nil { return Span("error: " + why, .badgeError) }
            return Span("stale: server unreachable for \(Fmt.age(now.timeIntervalSince(f.since))) (\(why))", .badgeError)
        }
        if let p = state.progress {
            let what: String
            switch p {
            case .reading(let name): what = "reading " + SafeText.escaped(name)
            case .chunks(let n, let read, let total):
                if let read, let total, total > 0 { what = "chunks \(Fmt.count(n)) (\(Int(Double(read) * 100 / Double(total)))%)" }
                else { what = "chunks \(Fmt.count(n))" }
            }
            return Span("loading… " + what, .badgeWarn)
        }
        guard let snap = state.snapshot else { return Span("loading…", .badgeWarn) }
        let paused = state.paused ? "paused · " : ""
        switch state.source.kind {
        case .live:
            let age = state.receivedAt.map { Fmt.age(now.timeIntervalSince($0)) + " ago" } ?? ""
            return Span(paused + "live · " + age, state.paused ? .badgeWarn : .headerBar)
        case .dump:
            return Span(paused + "dump · " + Fmt.time(snap.asOf, "yyyy-MM-dd HH:mm", tz), .headerBar)
        case .demo:
            return Span(paused + "demo · sim " + Fmt.time(snap.asOf, "HH:mm:ss", tz), state.paused ? .badgeWarn : .headerBar)
        }
    }

    /// The balancer as a badge: error when the newest round failed, warn when off or outside its window.
    static func balancerBadge(_ snap: ClusterSnapshot, timeZone: TimeZone) -> Span {
        if snap.balancerRounds.first?.errorOccurred == true { return Span(" balancer error ", .badgeError) }
        if !snap.balancer.enabled { return Span(" balancer off ", .badgeWarn) }
        if snap.insideBalancerWindow(timeZone: timeZone) == false { return Span(" balancer idle (window) ", .badgeWarn) }
        if snap.balancerStatus?.inBalancerRound == true { return Span(" balancing ", .badgeOK) }
        return Span(" balancer on ", .badgeOK)
    }

    /// The audit as a badge: errors and warnings counted (the Health pane lists them); nil when there are none.
    static func healthBadge(_ state: AppState) -> Span? {
        let e = state.findings.count(.error), w = state.findings.count(.warning)
        guard e + w > 0 else { return nil }
        let parts = [e > 0 ? "\(e) err" : nil, w > 0 ? "\(w) warn" : nil].compactMap { $0 }
        return Span(" " + parts.joined(separator: " · ") + " ", e > 0 ? .badgeError : .badgeWarn)
    }

    static let sourcePriority = 5

    /// Header items with a priority each; the lowest priorities are dropped first when the line is narrow.
    static func headerItems(_ state: AppState, now: Date) -> [(span: Span, keep: Int)] {
        var items: [(Span, Int)] = [(Span(" shardscope", .headerBar), 2), (Span(" " + SafeText.escaped(state.source.display), .headerBar), sourcePriority)]
        if let snap = state.snapshot {
            if let id = snap.clusterId { items.append((Span(" · cluster " + SafeText.escaped(id), .headerBar), 1)) }
            items.append((Span(" · \(snap.shards.count) shards · \(snap.collections.count) colls · \(Fmt.count(snap.totalChunks)) chunks", .headerBar), 4))
            items.append((Span(" ", .headerBar), 8))
            items.append((balancerBadge(snap, timeZone: state.options.timeZone), 8))
            if let health = healthBadge(state) {
                items.append((Span(" ", .headerBar), 6))
                items.append((health, 6))
            }
        }
        return items
    }

    // MARK: drawing

    static func drawHeader(_ state: AppState, into grid: inout Grid, now: Date) {
        let row = Rect(x: 0, y: 0, width: grid.width, height: 1)
        grid.fill(row, with: Cell(" ", role: .headerBar))
        let conn = connection(state, now: now)
        let connText = " " + TextFit.clip(conn.text, grid.width - 2) + " "
        let room = grid.width - DisplayWidth.of(connText) - 1
        var items = headerItems(state, now: now)
        // Drop the least important items, but rather shorten the source than lose it or the counts.
        func excess() -> Int { items.reduce(0) { $0 + DisplayWidth.of($1.span.text) } - room }
        while excess() > 0, let i = items.indices.min(by: { items[$0].keep < items[$1].keep }) {
            if items[i].keep >= sourcePriority - 1, let s = items.firstIndex(where: { $0.keep == sourcePriority }),
               DisplayWidth.of(items[s].span.text) - excess() >= 16 {
                items[s].span.text = TextFit.clip(items[s].span.text, DisplayWidth.of(items[s].span.text) - excess())
                break
            }
            items.remove(at: i)
        }
        var x = 0
        for it in items { x += grid.put(it.span.text, x: x, y: 0, role: it.span.role, clip: row) }
        grid.put(connText, x: grid.width - DisplayWidth.of(connText), y: 0, role: conn.role, clip: row)
    }

    static func drawTabs(_ state: AppState, into grid: inout Grid, y: Int) {
        let full = PaneID.allCases.map { "\($0.rawValue) \($0.title)" }
        let short = PaneID.allCases.map { "\($0.rawValue) \(shortTitle($0))" }
        let numbers = PaneID.allCases.map { $0 == state.pane ? "\($0.rawValue) \($0.title)" : "\($0.rawValue)" }
        let width = grid.width
        let fits = { (labels: [String]) in labels.reduce(0) { $0 + DisplayWidth.of($1) + 2 } <= width }
        // Full titles, else short ones, else short ones one space apart, else numbers (the current pane named).
        let compact = short.reduce(0) { $0 + DisplayWidth.of($1) + 1 } <= width && !fits(short)
        let labels = fits(full) ? full : fits(short) || compact ? short : numbers
        var x = 0
        for (pane, label) in zip(PaneID.allCases, labels) {
            x += grid.put(compact ? " \(label)" : " \(label) ", x: x, y: y, role: pane == state.pane ? .selected : .dim)
        }
    }

    static func shortTitle(_ p: PaneID) -> String {
        switch p {
        case .collections: return "Colls"
        case .chunkMap: return "Chunks"
        case .changelog: return "Log"
        default: return p.title
        }
    }

    static func drawFooter(_ state: AppState, into grid: inout Grid, y: Int) {
        let row = Rect(x: 0, y: y, width: grid.width, height: 1)
        grid.fill(row, with: Cell(" ", role: .footerText))
        if let p = state.prompt {
            let label = p.purpose == .findKey ? " find key: " : " filter: "
            var x = grid.put(label, x: 0, y: y, role: .footerKey, clip: row)
            let hint = "  Enter apply · Esc cancel "
            let textRoom = grid.width - x - DisplayWidth.of(hint) - 1
            // Show the end of a long entry, where the user is typing.
            var shown = p.text
            while DisplayWidth.of(shown) > max(1, textRoom) { shown.removeFirst() }
            x += grid.put(SafeText.escaped(shown), x: x, y: y, role: .footerText, clip: row)
            grid.put("_", x: x, y: y, role: .footerKey, clip: row)
            if textRoom > 0 { grid.put(hint, x: grid.width - DisplayWidth.of(hint), y: y, role: .footerText, clip: row) }
            return
        }
        var x = 0
        if let m = state.message {
            x += grid.put(" " + m + " ", x: 0, y: y, role: .warn, clip: row)
        }
        let hints = state.overlay != nil ? [("Esc", "close"), ("j/k", "scroll"), ("q", "quit")]
                                         : KeyBindings.footer(for: state.pane, comparing: state.compare != nil).map { ($0.label, $0.name) }
        for (label, name) in hints {
            guard x + DisplayWidth.of(label) + DisplayWidth.of(name) + 3 <= grid.width else { break }
            x += grid.put(" " + label, x: x, y: y, role: .footerKey, clip: row)
            x += grid.put(" " + name + " ", x: x, y: y, role: .footerText, clip: row)
        }
    }
}
