import Foundation
import ClusterModel
import TermGrid

/// Pane 6: a live tail of config.changelog, newest first. Following keeps the newest entry selected;
/// moving away pauses it, `f` resumes. Enter shows an entry's details as JSON.
enum ChangelogPane: TablePane {
    static let title = "Changelog"
    static let id = PaneID.changelog

    /// The shards an entry is about: a migration's from → to, or the shard it names.
    static func shards(_ e: ChangelogEntry) -> String {
        let d = e.details
        let from = (d["from"] ?? d["donor"])?.stringValue, to = (d["to"] ?? d["recipient"])?.stringValue
        if from != nil || to != nil { return SafeText.escaped(from ?? "?") + "→" + SafeText.escaped(to ?? "?") }
        return SafeText.escaped(d["shard"]?.stringValue ?? "")
    }

    /// A one-line summary of the details: the error first, else a few fields.
    static func note(_ e: ChangelogEntry) -> String {
        let d = e.details
        if let err = (d["errmsg"] ?? d["error"] ?? d["note"]).map(text) { return err }
        return d.elements.filter { !["from", "to", "min", "max"].contains($0.key) }.prefix(3)
            .map { "\(SafeText.escaped($0.key)): \(text($0.value))" }.joined(separator: " ")
    }

    static func text(_ v: BSONValue) -> String { v.stringValue.map(SafeText.escaped) ?? Fmt.value(v) }

    /// Entries as shown (filtered), aligned with the visible rows.
    static func entries(_ state: AppState) -> [ChangelogEntry] {
        table(state).matching(state.filters[id] ?? "").map { state.changelog[$0] }
    }

    static func table(_ state: AppState) -> Table { table(state, window: nil) }

    /// The table with rows for `window` of the entries only (column widths do not depend on rows).
    static func table(_ state: AppState, window: Range<Int>?) -> Table {
        let tz = state.options.timeZone
        let columns = [
            Column(title: "time", width: 14),
            Column(title: "what", width: 18),
            Column(title: "ns", width: 12, flex: 2),
            Column(title: "shards", width: 14, drop: 2),
            Column(title: "server", width: 12, drop: 3),
            Column(title: "details", width: 10, flex: 3, drop: 1),
        ]
        let rows = state.changelog[window ?? state.changelog.indices].map { e in
            TableRow(cells: [
                .t(Fmt.time(e.time, "MM-dd HH:mm:ss", tz)),
                .t(SafeText.escaped(e.what)),
                .t(SafeText.escaped(e.ns)),
                .t(shards(e)),
                .t(SafeText.escaped(e.server)),
                .t(note(e)),
            ], role: e.isError ? .error : .normal)
        }
        return Table(columns: columns, rows: rows)
    }

    /// As `renderTable` draws it; without a filter the rows are the entries in order, so a frame formats only
    /// the visible ones (the changelog keeps up to 2,000).
    static func render(_ state: AppState, into grid: inout Grid, area: Rect, now: Date) {
        guard state.filters[id] == nil else { return renderTable(state, into: &grid, area: area) }
        let count = state.changelog.count
        drawTitle(title, ["\(count)"] + notes(state), into: &grid, area: area)
        let body = Rect(x: area.x, y: area.y + 1, width: area.width, height: area.height - 1)
        let pos = state.position(id)
        let top = visibleTop(selected: pos.selected, top: pos.top, height: body.height - 1, count: count)
        let t = table(state, window: top..<min(count, top + max(0, body.height - 1)))
        t.draw(into: &grid, area: body, selected: pos.selected - top, top: 0, options: state.options)
    }

    static func notes(_ state: AppState) -> [String] {
        state.following ? ["following"] : ["paused" + (state.unseen > 0 ? " · \(state.unseen) new" : "") + " · f follows"]
    }

    static func handle(_ command: Command, state: inout AppState) -> [Effect] {
        switch command {
        case .follow:
            state.following = true
            state.unseen = 0
            state.positions[id] = ListPosition()
        case .enter:
            let list = entries(state)
            guard list.indices.contains(state.position(id).selected) else { return [] }
            let e = list[state.position(id).selected]
            state.showDetails(title: "\(SafeText.escaped(e.what)) \(SafeText.escaped(e.ns))", document: e.details)
        default:
            _ = tableHandle(command, state: &state)
            // Leaving the newest entry pauses following; coming back to it does not resume (only `f` does).
            if state.position(id).selected > 0 { state.following = false }
        }
        return []
    }
}
