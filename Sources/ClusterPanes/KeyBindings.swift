import Foundation
import TermGrid

/// The panes, numbered as their keys.
public enum PaneID: Int, CaseIterable, Sendable {
    case overview = 1, shards, collections, chunkMap, balancer, changelog, mongos, zones, health

    public var title: String {
        switch self {
        case .overview: return OverviewPane.title
        case .shards: return ShardsPane.title
        case .collections: return CollectionsPane.title
        case .chunkMap: return ChunkMapPane.title
        case .balancer: return BalancerPane.title
        case .changelog: return ChangelogPane.title
        case .mongos: return MongosPane.title
        case .zones: return ZonesPane.title
        case .health: return HealthPane.title
        }
    }
}

/// What a key means, once looked up in the binding table.
enum Command: Hashable {
    case quit, refresh, togglePause, help, showPane, nextPane, previousPane
    case up, down, pageUp, pageDown, top, bottom
    case enter, back, filter, sort, follow
    case toggleCompare
}

/// One row of the key binding table: the single source of the help screen and the footer hints.
struct KeyBinding {
    enum Scope: Equatable { case global, panes([PaneID]) }
    var keys: [Key]
    var label: String       // how the keys are shown ("j/↓")
    var name: String        // short footer hint ("move")
    var help: String        // help screen text
    var scope: Scope
    var command: Command
    var footer: Bool = true
    /// Shown in the footer and help only with a second source (`--compare`).
    var needsCompare = false

    func applies(to pane: PaneID) -> Bool {
        if case .panes(let p) = scope { return p.contains(pane) }
        return true
    }
}

enum KeyBindings {
    static let filterable: [PaneID] = [.shards, .collections, .changelog, .mongos, .health]
    static let sortable: [PaneID] = [.shards, .collections, .mongos]

    /// Pane-scoped rows come first so they win over global ones for the same key.
    static let table: [KeyBinding] = [
        KeyBinding(keys: [.enter], label: "Enter", name: "chunk map", help: "open the chunk map of the selected collection",
                   scope: .panes([.collections]), command: .enter),
        KeyBinding(keys: [.enter], label: "Enter", name: "go to", help: "go to the pane and row the selected finding is about",
                   scope: .panes([.health]), command: .enter),
        KeyBinding(keys: [.enter], label: "Enter", name: "details", help: "show the selected entry's details as JSON",
                   scope: .panes([.changelog, .chunkMap]), command: .enter),
        KeyBinding(keys: [.char("/")], label: "/", name: "find key", help: "jump to the chunk holding a key value: 42, \"abc\", {region: \"EU\", id: 5} (hashed fields are hashed for you)",
                   scope: .panes([.chunkMap]), command: .filter),
        KeyBinding(keys: [.char("/")], label: "/", name: "filter", help: "filter: words match any column, column:word one (what:split shard:s1)",
                   scope: .panes(filterable), command: .filter),
        KeyBinding(keys: [.char("s")], label: "s", name: "sort", help: "cycle the sort order",
                   scope: .panes(sortable), command: .sort),
        KeyBinding(keys: [.char("c")], label: "c", name: "compare", help: "show or hide the deltas against the --compare source",
                   scope: .panes([.collections]), command: .toggleCompare, needsCompare: true),
        KeyBinding(keys: [.char("f")], label: "f", name: "follow", help: "follow new entries (moving away from the newest pauses following)",
                   scope: .panes([.changelog]), command: .follow),
        KeyBinding(keys: [.escape], label: "Esc", name: "back", help: "back to the collections",
                   scope: .panes([.chunkMap]), command: .back),
        KeyBinding(keys: [.escape], label: "Esc", name: "clear filter", help: "clear the filter",
                   scope: .panes(filterable), command: .back, footer: false),

        KeyBinding(keys: [.char("?")], label: "?", name: "help", help: "show or close this help", scope: .global, command: .help),
        KeyBinding(keys: PaneID.allCases.map { .char(Character(String($0.rawValue))) }, label: "1-\(PaneID.allCases.count)", name: "panes",
                   help: "switch to the pane with that number (see the tab line)",
                   scope: .global, command: .showPane),
        KeyBinding(keys: [.tab], label: "Tab", name: "next", help: "next pane", scope: .global, command: .nextPane, footer: false),
        KeyBinding(keys: [.backTab], label: "S-Tab", name: "previous", help: "previous pane", scope: .global, command: .previousPane, footer: false),
        KeyBinding(keys: [.up, .char("k")], label: "k/↑", name: "up", help: "move up", scope: .global, command: .up, footer: false),
        KeyBinding(keys: [.down, .char("j")], label: "j/↓", name: "down", help: "move down", scope: .global, command: .down, footer: false),
        KeyBinding(keys: [.pageUp, .ctrl("b")], label: "PgUp", name: "page up", help: "page up", scope: .global, command: .pageUp, footer: false),
        KeyBinding(keys: [.pageDown, .ctrl("f")], label: "PgDn", name: "page down", help: "page down", scope: .global, command: .pageDown, footer: false),
        KeyBinding(keys: [.char("g"), .home], label: "g", name: "top", help: "go to the first row", scope: .global, command: .top, footer: false),
        KeyBinding(keys: [.char("G"), .end], label: "G", name: "bottom", help: "go to the last row", scope: .global, command: .bottom, footer: false),
        KeyBinding(keys: [.char("r")], label: "r", name: "refresh", help: "refresh now", scope: .global, command: .refresh),
        KeyBinding(keys: [.char("p")], label: "p", name: "pause", help: "pause or resume live refresh", scope: .global, command: .togglePause),
        KeyBinding(keys: [.char("q"), .ctrl("c")], label: "q", name: "quit", help: "quit", scope: .global, command: .quit),
    ]

    static func binding(for key: Key, in pane: PaneID) -> KeyBinding? {
        table.first { $0.keys.contains(key) && $0.applies(to: pane) }
    }

    /// Footer hints for a pane: `?` first, then the pane's own keys, then the global ones.
    static func footer(for pane: PaneID, comparing: Bool = false) -> [KeyBinding] {
        let shown = table.filter { $0.footer && $0.applies(to: pane) && (comparing || !$0.needsCompare) }
        return shown.filter { $0.command == .help } + shown.filter { $0.scope != .global } + shown.filter { $0.scope == .global && $0.command != .help }
    }

    /// The help screen, generated from the table.
    static func helpLines(comparing: Bool = false) -> [Line] {
        let table = self.table.filter { comparing || !$0.needsCompare }
        var lines: [Line] = [[Span("Keys", .title)], []]
        let width = table.map { DisplayWidth.of($0.label) }.max() ?? 5
        func add(_ b: KeyBinding) {
            lines.append([Span("  " + TextFit.pad(b.label, width + 2), .accent), Span(b.help)])
        }
        lines.append([Span("Everywhere", .tableHeader)])
        table.filter { $0.scope == .global }.forEach(add)
        for pane in PaneID.allCases {
            let own = table.filter { $0.scope != .global && $0.applies(to: pane) }
            guard !own.isEmpty else { continue }
            lines.append([])
            lines.append([Span("\(pane.rawValue) \(pane.title)", .tableHeader)])
            own.forEach(add)
        }
        lines.append([])
        lines.append([Span("In a prompt: type to edit, Backspace deletes, Enter applies, Esc cancels. Esc or ? closes this help.", .dim)])
        return lines
    }
}
