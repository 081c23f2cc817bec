import Foundation
import ClusterModel
import TermGrid

/// Pane 9: the audit's findings, most serious first, with the selected one's advice; Enter goes to the pane and row
/// the finding is about. With shard probing on (`--probe-shards`), each shard's replica-set members below.
enum HealthPane: TablePane {
    static let title = "Health"
    static let id = PaneID.health

    static func role(_ s: Finding.Severity) -> Role { s == .error ? .error : s == .warning ? .warn : .dim }

    static func table(_ state: AppState) -> Table {
        let columns = [
            Column(title: "severity", width: 8),
            Column(title: "subject", width: 14, flex: 1, drop: 1),
            Column(title: "finding", width: 40, flex: 5),
            Column(title: "id", width: 26, drop: 2),        // dropped first: narrow terminals give the message the room
        ]
        let rows = state.findings.map { f in
            TableRow(cells: [.t(f.severity.rawValue), .t(SafeText.escaped(f.subject.name)), .t(f.message), .t(f.id)], role: role(f.severity))
        }
        return Table(columns: columns, rows: rows)
    }

    /// The findings as shown (filtered), aligned with the visible rows.
    static func visibleFindings(_ state: AppState) -> [Finding] {
        table(state).matching(state.filters[id] ?? "").map { state.findings[$0] }
    }

    static func notes(_ state: AppState) -> [String] {
        let f = state.findings
        let e = f.count(.error), w = f.count(.warning)
        var out = ["\(e) error\(e == 1 ? "" : "s") · \(w) warning\(w == 1 ? "" : "s") · \(f.count(.info)) info"]
        if state.auditInputs?.chunks == nil { out.append("chunks not scanned yet") }
        return out
    }

    /// Each probed shard's members: host, role from `hello`, state and lag from `replSetGetStatus`.
    static func memberTable(_ probes: [ReplicaSetProbe]) -> Table {
        let columns = [
            Column(title: "shard", width: 10, flex: 1),
            Column(title: "member", width: 18, flex: 3),
            Column(title: "hello", width: 11),
            Column(title: "state", width: 12, drop: 1),
            Column(title: "lag", width: 6, right: true, drop: 2),
        ]
        var rows: [TableRow] = []
        for p in probes {
            let primaryOptime = p.members?.first { $0.state == 1 }?.optime
            var names = p.hosts.map(\.host)
            for m in p.members ?? [] where !names.contains(m.name) { names.append(m.name) }
            for (i, name) in names.enumerated() {
                let h = p.hosts.first { $0.host == name }
                let m = p.members?.first { $0.name == name }
                let lag = m.flatMap { m in m.state == 2 ? zip2(primaryOptime, m.optime).map { max(0, $0.timeIntervalSince($1)) } : nil }
                let bad = h?.reachable == false || (m.map { $0.health == 0 || ![1, 2, 7].contains($0.state) } ?? false)
                rows.append(TableRow(cells: [
                    .t(i == 0 ? SafeText.escaped(p.shard) : ""),
                    .t(SafeText.escaped(name)),
                    .t(h?.role ?? "-", h?.reachable == false ? .error : nil),
                    .t(m.map { SafeText.escaped($0.stateStr) } ?? (p.statusError != nil && i == 0 ? "no status" : "-")),
                    .t(lag.map { "\(Int($0)) s" } ?? "", (lag ?? 0) > Audit.lagSeconds ? .warn : nil),
                ], role: bad ? .warn : .normal))
            }
        }
        return Table(columns: columns, rows: rows)
    }

    static func zip2<A, B>(_ a: A?, _ b: B?) -> (A, B)? { if let a, let b { return (a, b) }; return nil }

    /// The selected finding in full under the list (the table cuts long messages): its message, then its advice,
    /// wrapped; on a short pane the advice alone, on one line.
    static func detailLines(_ f: Finding, width: Int, paneHeight: Int) -> [(text: String, role: Role)] {
        let roomy = paneHeight >= 14
        let message = roomy ? DisplayWidth.wrap(f.message, width: width, maxLines: 3) : []
        let advice = DisplayWidth.wrap("→ " + f.advice, width: width, maxLines: roomy ? 2 : 1)
        return message.map { ($0, Role.normal) } + advice.map { ($0, Role.accent) }
    }

    static func render(_ state: AppState, into grid: inout Grid, area: Rect, now: Date) {
        let shown = visibleFindings(state)
        let sel = state.position(id).selected
        let detail = shown.indices.contains(sel) ? detailLines(shown[sel], width: area.width, paneHeight: area.height) : []
        var listArea = Rect(x: area.x, y: area.y, width: area.width, height: area.height - max(1, detail.count))
        if let probes = state.auditInputs?.probes, !probes.isEmpty, area.height >= 12 {
            let members = memberTable(probes)
            let h = min(members.rows.count + 2, area.height / 2)
            listArea.height -= h
            let box = Rect(x: area.x, y: listArea.maxY + max(1, detail.count), width: area.width, height: h)
            grid.put("Replica sets (probed)", x: box.x, y: box.y, role: .title, clip: box)
            members.draw(into: &grid, area: Rect(x: box.x, y: box.y + 1, width: box.width, height: box.height - 1), selected: nil, top: 0, options: state.options)
        }
        renderTable(state, into: &grid, area: listArea)
        for (i, line) in detail.enumerated() {
            let y = listArea.maxY + i
            grid.put(line.text, x: area.x, y: y, role: line.role, clip: Rect(x: area.x, y: y, width: area.width, height: 1))
        }
    }

    static func handle(_ command: Command, state: inout AppState) -> [Effect] {
        guard command == .enter else { return tableHandle(command, state: &state) }
        let shown = visibleFindings(state)
        guard shown.indices.contains(state.position(id).selected) else { return [] }
        let finding = shown[state.position(id).selected]
        if finding.id == "migrations.failed", let filter = changelogFilter(finding) {
            // The failures themselves: the changelog, filtered to migrations with this reason.
            state.filters[.changelog] = filter
            state.positions[.changelog] = ListPosition()
            state.following = false
            state.pane = .changelog
            return []
        }
        return jump(to: finding.subject, state: &state)
    }

    /// `what:movechunk details:<first word of the cause>` (and `ns:` for one collection): the changelog rows of a
    /// failed-migration finding.
    static func changelogFilter(_ f: Finding) -> String? {
        guard case .string(let reason)? = f.data["reason"] else { return nil }
        let cause = reason.components(separatedBy: ":: caused by ::").last ?? reason
        let word = cause.split(whereSeparator: { $0 == " " || $0 == ":" }).first.map { $0.lowercased() } ?? ""
        var filter = "what:movechunk"
        if !word.isEmpty { filter += " details:" + word }
        if f.subject.kind == .collection, !f.subject.name.contains(" ") { filter += " ns:" + f.subject.name.lowercased() }
        return filter
    }

    /// Shows the pane and row a finding is about: a collection, a shard, a mongos, a zone, the balancer.
    static func jump(to subject: Finding.Subject, state: inout AppState) -> [Effect] {
        func select(_ pane: PaneID, rows: (AppState) -> [String]) {
            var list = rows(state)
            if !list.contains(subject.name), state.filters[pane] != nil {   // hidden by a filter: clear it
                state.filters[pane] = nil
                list = rows(state)
            }
            if let i = list.firstIndex(of: subject.name) {
                state.positions[pane] = ListPosition(selected: i, top: max(0, i - 2))
            } else {
                state.message = "\(SafeText.escaped(subject.name)) is not in the \(pane.title) pane"
            }
            state.pane = pane
        }
        switch subject.kind {
        case .collection:
            select(.collections) { CollectionsPane.visibleCollections($0).map(\.ns) }
        case .shard:
            select(.shards) { s in ShardsPane.visibleTable(s).rows.map { $0.cells.first?.plain ?? "" }.map { raw in
                s.snapshot?.shards.first { SafeText.escaped($0.id) == raw }?.id ?? raw } }
        case .mongos:
            select(.mongos) { s in MongosPane.visibleTable(s).rows.map { $0.cells.first?.plain ?? "" }.map { raw in
                s.snapshot?.mongos.first { SafeText.escaped($0.host) == raw }?.host ?? raw } }
        case .zone:
            let lines = ZonesPane.lines(state, width: 80)
            let head = " " + SafeText.escaped(subject.name) + " "
            let i = lines.firstIndex { $0.first?.text == head } ?? 0
            state.positions[.zones] = ListPosition(selected: 0, top: i)
            state.pane = .zones
        case .balancer:
            state.pane = .balancer
        case .cluster:
            state.message = "this finding is about the whole cluster"
        }
        return []
    }
}
