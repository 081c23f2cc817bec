import Foundation
import CNCursesW
import ClusterModel
import ClusterPanes
import TermGrid

public enum TerminalUI {
    /// How long the loop waits for a key before looking at loader events and signals again.
    static let tickMs: Int32 = 50

    /// Runs the TUI until the user quits; returns the process exit status. Restores the terminal on every path.
    /// `probe`: shard probing for the Health pane (`--probe-shards`), run on the loader thread.
    public static func run(source: MetadataSource, options: UIOptions, color: ColorMode, load: LoadOptions,
                           probe: ((ClusterSnapshot) -> [ReplicaSetProbe])? = nil, compare: MetadataSource? = nil) -> Int32 {
        setlocale(LC_ALL, "")
        let utf8 = localeIsUTF8()
        Signals.install()
        let screen: CursesScreen
        do {
            screen = try CursesScreen(color: color, unicode: utf8)
        } catch {
            fputs("shardscope: \(error)\n", stderr)
            return 1
        }
        defer { screen.end() }

        var options = options
        if !utf8 { options.glyphs = .ascii }
        options.color = screen.theme.usesColor

        let events = EventQueue()
        let loader = BackgroundLoader(source: source, refreshSeconds: options.refreshSeconds, events: events,
                                     probe: probe, timeZone: options.timeZone)
        if let compare { loader.compare(with: compare) }
        loader.start()
        // Never joined: a loader stuck in a driver call must not keep us from quitting.
        defer { loader.stop() }

        var state = AppState(source: source.info, options: options)
        if let compare { state.expectCompare(compare.info) }
        var dirty = true
        var lastDraw = Date.distantPast
        // `make bench`: quit once the first frame showing a loaded snapshot is on the terminal.
        let benchFirstFrame = ProcessInfo.processInfo.environment["SHARDSCOPE_BENCH_FIRST_FRAME"] == "1"
        var loaded = false
        while true {
            if let sig = Signals.pending { return 128 + sig }

            let now = Date()
            if dirty || now.timeIntervalSince(lastDraw) >= 1 {   // ages in the header tick once a second
                let (w, h) = screen.size
                screen.draw(Screen.render(state, width: w, height: h, now: now))
                lastDraw = now
                dirty = false
                if benchFirstFrame && loaded { return 0 }
            }

            let input = screen.readKeys(timeoutMs: tickMs)
            if input.hangup { return 128 + SIGHUP }
            for key in input.keys {
                if key == .resize { screen.invalidate() }
                for effect in state.handle(key, now: Date()) {
                    switch effect {
                    case .quit: return 0
                    case .refreshNow: loader.refreshNow()
                    case .setPaused: break   // read from state below
                    case let .loadChunkPage(ns, after): loader.enqueue(.page(ns: ns, after: after))
                    case let .findChunk(ns, key): loader.enqueue(.find(ns: ns, key: key))
                    }
                }
                loader.setPaused(state.paused)
                dirty = true
            }

            for event in events.drain() {
                if case .snapshot = event { loaded = true }
                state.apply(event)
                dirty = true
            }
        }
    }

    static func localeIsUTF8() -> Bool {
        guard let cs = ss_codeset() else { return false }
        let name = String(cString: cs).lowercased().replacingOccurrences(of: "-", with: "")
        return name == "utf8"
    }
}
