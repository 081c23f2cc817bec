import Foundation
import ClusterModel
import TermGrid

/// The interface every pane file provides (tig's view_ops): a title, drawing into its area, and key commands.
protocol Pane {
    static var title: String { get }
    static func render(_ state: AppState, into grid: inout Grid, area: Rect, now: Date)
    static func handle(_ command: Command, state: inout AppState) -> [Effect]
}

public enum Screen {
    public static let minWidth = 40, minHeight = 10

    /// The whole screen: header, tab line, current pane (or help / details overlay), footer (hints or prompt).
    public static func render(_ state: AppState, width: Int, height: Int, now: Date) -> Grid {
        var grid = Grid(width: width, height: height)
        guard width >= minWidth, height >= minHeight else {
            let msg = "terminal too small: \(width)x\(height), need \(minWidth)x\(minHeight)"
            let lines = width >= DisplayWidth.of(msg) ? [msg] : ["terminal too small:", "\(width)x\(height),", "need \(minWidth)x\(minHeight)"]
            for (i, l) in lines.enumerated() {
                grid.put(l, x: max(0, (width - DisplayWidth.of(l)) / 2), y: max(0, height / 2 - 1) + i, role: .warn)
            }
            return grid
        }
        Chrome.drawHeader(state, into: &grid, now: now)
        Chrome.drawTabs(state, into: &grid, y: 1)
        let area = Rect(x: 0, y: 2, width: width, height: height - 3)
        switch state.overlay {
        case .help?:
            drawBox("Help", lines: KeyBindings.helpLines(comparing: state.compare != nil), top: state.overlayTop, into: &grid, area: area, options: state.options)
        case .details(let title, let lines)?:
            let inside = area.width - 4                        // the borders and a column of margin each side
            drawBox(title, lines: lines.flatMap { foldIndented($0, width: inside) }.map { [Span($0)] }, top: state.overlayTop,
                    into: &grid, area: area, options: state.options)
        case nil:
            renderPane(state, into: &grid, area: area, now: now)
        }
        Chrome.drawFooter(state, into: &grid, y: height - 1)
        return grid
    }

    static func renderPane(_ state: AppState, into grid: inout Grid, area: Rect, now: Date) {
        guard state.snapshot != nil else {
            let text = state.failure.map { "cannot load: " + SafeText.escaped($0.message) } ?? "loading cluster metadata…"
            grid.put(text, x: area.x + 1, y: area.y + 1, role: state.failure == nil ? .dim : .error, clip: area)
            return
        }
        switch state.pane {
        case .overview: OverviewPane.render(state, into: &grid, area: area, now: now)
        case .shards: ShardsPane.render(state, into: &grid, area: area, now: now)
        case .collections: CollectionsPane.render(state, into: &grid, area: area, now: now)
        case .chunkMap: ChunkMapPane.render(state, into: &grid, area: area, now: now)
        case .balancer: BalancerPane.render(state, into: &grid, area: area, now: now)
        case .changelog: ChangelogPane.render(state, into: &grid, area: area, now: now)
        case .mongos: MongosPane.render(state, into: &grid, area: area, now: now)
        case .zones: ZonesPane.render(state, into: &grid, area: area, now: now)
        case .health: HealthPane.render(state, into: &grid, area: area, now: now)
        }
    }

    /// A line longer than `width` folded at exactly `width` columns (every character kept, spaces too: the details
    /// are a document's JSON), the continuations indented two more than the line so its structure stays visible.
    static func foldIndented(_ line: String, width: Int) -> [String] {
        guard DisplayWidth.of(line) > width else { return [line] }
        let indent = line.prefix { $0 == " " }.count
        let lead = String(repeating: " ", count: indent + 2)
        guard width - lead.count >= 10 else { return [line] }      // too narrow to fold usefully: clipped as before
        var out: [String] = [], current = "", used = 0
        var limit = width
        for ch in line {
            let w = DisplayWidth.of(ch)
            if used + w > limit {
                out.append(current)
                current = lead; used = lead.count; limit = width
            }
            current.append(ch); used += w
        }
        out.append(current)
        return out
    }

    /// A bordered box, cleared, with a title and scrollable lines.
    static func drawBox(_ title: String, lines: [Line], top: Int, into grid: inout Grid, area: Rect, options: UIOptions) {
        guard area.width >= 4, area.height >= 3 else { return }
        let g = options.glyphs
        grid.fill(area)
        let inner = area.inset(1)
        let h = String(repeating: g.horizontal, count: area.width - 2)
        grid.put(g.topLeft + h + g.topRight, x: area.x, y: area.y, role: .border, clip: area)
        grid.put(g.bottomLeft + h + g.bottomRight, x: area.x, y: area.maxY - 1, role: .border, clip: area)
        for y in inner.y..<inner.maxY {
            grid.put(g.vertical, x: area.x, y: y, role: .border)
            grid.put(g.vertical, x: area.maxX - 1, y: y, role: .border)
        }
        grid.put(" \(title) ", x: area.x + 2, y: area.y, role: .title, clip: Rect(x: area.x + 1, y: area.y, width: area.width - 2, height: 1))
        let t = max(0, min(top, lines.count - inner.height))
        drawLines(lines, top: t, into: &grid, area: Rect(x: inner.x + 1, y: inner.y, width: inner.width - 1, height: inner.height))
        if lines.count > inner.height {
            let hint = " \(t + 1)-\(min(lines.count, t + inner.height)) of \(lines.count) "
            grid.put(hint, x: area.maxX - 2 - DisplayWidth.of(hint), y: area.maxY - 1, role: .dim, clip: area)
        }
    }
}
