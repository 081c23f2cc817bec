import ArgumentParser
import ClusterLoader
import ClusterModel
import ClusterPanes
import Foundation
import TermGrid

/// `make bench`'s render measurements (hidden): loads a source once, then renders every pane into the cell grid
/// many times and times it; opens the chunk map of the largest collection and scrolls it page by page to the
/// end, loading chunk pages on demand as the TUI does. Prints one JSON document.
struct BenchRenderCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench-render",
        abstract: "Time rendering every pane and scrolling the largest chunk map (used by make bench).",
        shouldDisplay: false)

    @OptionGroup var options: SourceOptions
    @Option(help: "Frames rendered per pane.") var frames = 200
    @Option(help: "Screen width.") var width = 132
    @Option(help: "Screen height.") var height = 43
    @Option(help: "Page-down steps through the largest chunk map (0: to its end).") var scrollSteps = 0

    static let pageSize = AppState.chunkPageSize   // as the TUI's loader asks

    func run() throws {
        try runReportingErrors(options) {
            let clock = ContinuousClock()
            let source = try options.makeSource(evolving: false)
            var t = clock.now
            let snap = try source.snapshot(progress: nil)
            let loadSeconds = seconds(clock.now - t)
            let now = Date()
            var state = AppState(source: source.info, options: UIOptions(glyphs: .unicode, refreshSeconds: 2, timeZone: options.timeZone))
            state.resize(width: width, height: height)
            state.apply(.snapshot(snap, receivedAt: now))

            var pageLoads: [Double] = []
            var rowsLoaded = 0
            func perform(_ effects: [Effect]) throws {
                for case let .loadChunkPage(ns, after) in effects {
                    guard let coll = snap.collection(ns) else { continue }
                    let t0 = clock.now
                    let chunks = try source.chunks(of: coll, after: after, limit: Self.pageSize)
                    pageLoads.append(seconds(clock.now - t0))
                    rowsLoaded += chunks.count
                    state.apply(.chunkPage(ns: ns, after: after, chunks: chunks))
                }
            }

            // The largest collection's chunk map, opened from the Collections pane as a user would.
            let largest = snap.collections.max { snap.totalChunks(for: $0.ns) < snap.totalChunks(for: $1.ns) }
            var openSeconds: Double?
            if let largest {
                for row in 0..<snap.collections.count {
                    _ = state.handle(.char("3"), now: now)
                    _ = state.handle(.home, now: now)
                    for _ in 0..<row { _ = state.handle(.down, now: now) }
                    let effects = state.handle(.enter, now: now)
                    guard effects.contains(where: { if case .loadChunkPage(largest.ns, _) = $0 { return true }; return false }) else { continue }
                    t = clock.now
                    try perform(effects)
                    _ = Screen.render(state, width: width, height: height, now: now)
                    openSeconds = seconds(clock.now - t)
                    break
                }
            }

            // Every pane, many frames each (the chunk map shows the open collection).
            var panes: [(String, Double, Double)] = []
            for pane in PaneID.allCases where pane.rawValue <= 9 {
                _ = state.handle(.char(Character(String(pane.rawValue))), now: now)
                var times: [Double] = []
                for _ in 0..<max(1, frames) {
                    let t0 = clock.now
                    let grid = Screen.render(state, width: width, height: height, now: now)
                    times.append(seconds(clock.now - t0))
                    precondition(grid.width == width)
                }
                times.sort()
                panes.append((pane.title, times[times.count / 2] * 1000, times[times.count * 9 / 10] * 1000))
            }

            // Scroll the chunk map page by page: key, page loads the key asked for, one frame.
            _ = state.handle(.char("4"), now: now)
            var steps: [Double] = []
            let limit = scrollSteps > 0 ? scrollSteps : Int.max
            var quiet = 0
            var lastGrid: Grid?
            while steps.count < limit, quiet < 3 {
                let t0 = clock.now
                let effects = state.handle(.pageDown, now: now)
                try perform(effects)
                let grid = Screen.render(state, width: width, height: height, now: now)
                steps.append(seconds(clock.now - t0))
                quiet = effects.isEmpty && grid == lastGrid ? quiet + 1 : 0
                lastGrid = grid
            }
            steps.sort()
            var usage = rusage()
            getrusage(RUSAGE_SELF.rawValue, &usage)

            var out: [(String, JSONValue)] = [
                ("source", .string(source.info.display)),
                ("width", .int(Int64(width))), ("height", .int(Int64(height))), ("framesPerPane", .int(Int64(frames))),
                ("chunks", .int(Int64(snap.totalChunks))),
                ("loadSeconds", .double(loadSeconds)),
            ]
            out.append(("panes", .array(panes.map { .object([("pane", .string($0.0)), ("medianMs", .double($0.1)), ("p90Ms", .double($0.2))]) })))
            out.append(("largestCollection", largest.map { .string($0.ns) } ?? .null))
            out.append(("largestChunks", .int(Int64(largest.map { snap.totalChunks(for: $0.ns) } ?? 0))))
            out.append(("chunkMapOpenMs", openSeconds.map { .double($0 * 1000) } ?? .null))
            out.append(("chunkMapRows", .int(Int64(rowsLoaded))))
            out.append(("scrollSteps", .int(Int64(steps.count))))
            out.append(("scrollMedianMs", .double((steps.isEmpty ? 0 : steps[steps.count / 2]) * 1000)))
            out.append(("scrollMaxMs", .double((steps.last ?? 0) * 1000)))
            out.append(("pageLoads", .int(Int64(pageLoads.count))))
            out.append(("pageLoadMaxMs", .double((pageLoads.max() ?? 0) * 1000)))
            out.append(("peakRSSMiB", .double(Double(usage.ru_maxrss) / 1024)))
            print(JSONValue.object(out).serialized(indent: 0))
        }
    }

    private func seconds(_ d: Duration) -> Double {
        Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
    }
}
