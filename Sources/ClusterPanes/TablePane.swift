import Foundation
import ClusterModel
import TermGrid

/// The shared shape of the tabular panes (shards, collections, changelog, mongos): a presentation
/// function to a `Table`, then one drawing and one key-handling path for all of them.
protocol TablePane: Pane {
    static var id: PaneID { get }
    /// Names of the sort orders `s` cycles through (empty: not sortable).
    static var sortNames: [String] { get }
    /// The rows, sorted, before the filter.
    static func table(_ state: AppState) -> Table
    /// Extra words for the title line.
    static func notes(_ state: AppState) -> [String]
}

extension TablePane {
    static var sortNames: [String] { [] }
    static func notes(_ state: AppState) -> [String] { [] }

    static func sortIndex(_ state: AppState) -> Int { state.sorts[id] ?? 0 }
    /// The table as shown: sorted and filtered.
    static func visibleTable(_ state: AppState) -> Table { table(state).filtered(state.filters[id] ?? "") }

    static func render(_ state: AppState, into grid: inout Grid, area: Rect, now: Date) {
        renderTable(state, into: &grid, area: area)
    }

    static func renderTable(_ state: AppState, into grid: inout Grid, area: Rect) {
        let full = table(state)
        let filter = state.filters[id]
        let shown = full.filtered(filter ?? "")
        var details = [filter == nil ? "\(shown.rows.count)" : "\(shown.rows.count) of \(full.rows.count)"]
        if !sortNames.isEmpty { details.append("sorted by " + sortNames[sortIndex(state) % sortNames.count]) }
        if let filter { details.append("filter: " + SafeText.escaped(filter)) }
        drawTitle(title, details + notes(state), into: &grid, area: area)
        let body = Rect(x: area.x, y: area.y + 1, width: area.width, height: area.height - 1)
        let pos = state.position(id)
        let top = visibleTop(selected: pos.selected, top: pos.top, height: body.height - 1, count: shown.rows.count)
        shown.draw(into: &grid, area: body, selected: pos.selected, top: top, options: state.options)
    }

    static func handle(_ command: Command, state: inout AppState) -> [Effect] { tableHandle(command, state: &state) }

    /// Movement, sort, and Esc clearing the filter.
    static func tableHandle(_ command: Command, state: inout AppState) -> [Effect] {
        switch command {
        case .sort: state.cycleSort(id, count: sortNames.count)
        case .back:
            state.filters[id] = nil
            state.positions[id] = ListPosition()
        default: state.move(command, count: visibleTable(state).rows.count, in: id)
        }
        return []
    }
}

/// The shared shape of the text panes (overview, balancer, zones): lines of spans, scrolled.
protocol TextPane: Pane {
    static var id: PaneID { get }
    /// The lines at `width` columns (only bars depend on the width; the count does not).
    static func lines(_ state: AppState, width: Int) -> [Line]
}

extension TextPane {
    static func render(_ state: AppState, into grid: inout Grid, area: Rect, now: Date) {
        drawTitle(title, [], into: &grid, area: area)
        let body = Rect(x: area.x + 1, y: area.y + 1, width: area.width - 1, height: area.height - 1)
        let all = lines(state, width: body.width)
        let top = max(0, min(state.position(id).top, all.count - body.height))
        drawLines(all, top: top, into: &grid, area: body)
    }

    /// j/k scroll by a line; the position's `top` is the first line shown.
    static func handle(_ command: Command, state: inout AppState) -> [Effect] {
        let count = lines(state, width: 80).count
        var pos = state.position(id)
        switch command {
        case .up: pos.top -= 1
        case .down: pos.top += 1
        case .pageUp: pos.top -= state.pageRows
        case .pageDown: pos.top += state.pageRows
        case .top: pos.top = 0
        case .bottom: pos.top = count - state.pageRows
        default: return []
        }
        pos.top = max(0, min(pos.top, count - state.pageRows))
        state.positions[id] = pos
        return []
    }
}
