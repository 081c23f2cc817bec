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

    static func table(_ state: AppState) -> Table {
        let tz = state.options.timeZone
        let columns = [
            Column(title: "time", width: 14),
            Column(title: "what", width: 18),
            Column(title: "ns", width: 12, flex: 2),
            Column(title: "shards", width: 14, drop: 2),
            Column(title: "server", width: 12, drop: 3),
            Column(title: "details", width: 10, flex: 3, drop: 1),
        ]
        let rows = state.changelog.map { e in
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
