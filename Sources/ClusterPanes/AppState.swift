import Foundation
import ClusterModel
import TermGrid

/// A cursor in a list: the selected row and the first visible row.
struct ListPosition: Hashable {
    var selected = 0
    var top = 0
}

/// The one-line prompt in the footer (`/`).
struct Prompt: Hashable {
    enum Purpose: Hashable { case filter(PaneID), findKey }
    var purpose: Purpose
    var text: String
}

/// Something drawn over the pane: the help screen or a JSON document.
enum Overlay: Hashable {
    case help
    case details(title: String, lines: [String])
}

/// The chunk map's collection and the chunks loaded so far (page by page, never all at once).
/// Memory stays bounded: at most `window` chunks (plus a page) are held. Scrolling down past that drops chunks from
/// the top (remembering, every `page` chunks, the key to load them again after); scrolling back up reloads them and
/// drops chunks from the bottom, which paging down loads again. Positions (selection, top) count from the
/// collection's first chunk (after a `/` jump: from the chunk found), not from the window.
/// A reloaded page is joined to the window by key, not by count: chunks split or merged since they were dropped
/// renumber the rows below (the selection stays on its chunk), and a page that no longer reaches the window
/// replaces it rather than leave a gap (see `prepend`).
struct ChunkMapState: Hashable {
    var ns: String
    var chunks: [Chunk] = []     // the window: chunks base ..< base + chunks.count of the collection
    var pending = false          // a page request is in flight
    var complete = false         // the last page came back short/empty
    var fromStart = true         // false after a jump to a found chunk: chunks before it are not loaded
    var base = 0                 // index of chunks[0]; > 0 once pages above were dropped
    /// Index of a dropped page's first chunk → the key it is loaded `after` (the min of the chunk before it).
    var cursors: [Int: BSONDocument] = [:]
    var prepending: Int?         // the pending request reloads the page starting at this index
    /// After a jump (`fromStart` false): the chunk found, index 0, reloaded as itself plus the chunks after its min.
    var anchor: Chunk?

    /// `page`: the unit in which chunks are dropped (and their keys remembered). A request asks for `fetch` chunks,
    /// a few more than a page, so a reloaded page still reaches the window after some of its chunks were split.
    static let window = 20_000, page = 200, drop = 5_000, fetch = 256

    /// One past the last chunk held (as many as were loaded when nothing was dropped).
    var end: Int { base + chunks.count }
    func chunk(at index: Int) -> Chunk? {
        let i = index - base
        return chunks.indices.contains(i) ? chunks[i] : nil
    }

    /// The `after` key of a request reloading the page that starts at `start` (nil: the collection's first page).
    func reloadKey(_ start: Int) -> BSONDocument? {
        start == 0 ? (fromStart ? nil : anchor?.min) : cursors[start]
    }
    /// Where the page above the window starts: the last remembered page start before `base`.
    var reloadStart: Int { cursors.keys.filter { $0 < base }.max() ?? 0 }

    /// After a page was appended: drop `drop` chunks from the top when over `window`, noting where their pages start.
    mutating func trimTop() {
        guard chunks.count > Self.window else { return }
        for k in stride(from: Self.page, through: Self.drop, by: Self.page) { cursors[base + k] = chunks[k - 1].min }
        chunks.removeFirst(Self.drop)
        base += Self.drop
    }
    /// After a page was prepended: drop chunks from the bottom when over `window` (paging down loads them again).
    mutating func trimBottom() {
        guard chunks.count > Self.window else { return }
        chunks.removeLast(chunks.count - (Self.window - Self.drop))
        complete = false
    }

    /// Joins a reloaded page (the chunks after `reloadKey(start)`) to the window, and says where a collection index
    /// of the window before now is: (new index, or nil when that chunk is gone). Only the page's chunks below the
    /// window's first are kept; window chunks that a chunk of the page now covers (merged) are dropped. When the kept
    /// chunks end exactly where the window (what is left of it) starts, they are inserted and the rows below
    /// renumbered by the difference; otherwise (more chunks above than a request returns, after splits) the page
    /// replaces the window, which paging down loads again: never a list with a gap or a chunk twice.
    mutating func prepend(_ page: [Chunk], at start: Int) -> (Int) -> Int? {
        var page = page
        if start == 0, !fromStart, let anchor { page.insert(anchor, at: 0) }
        guard let first = chunks.first?.min else {
            chunks = page; base = start; cursors = cursors.filter { $0.key < start }
            return { _ in nil }
        }
        let above = Array(page.prefix { BSONDocument.compareKeys($0.min, first) < 0 })
        var covered = 0
        if let lastMax = above.last?.max {
            while covered < chunks.count, BSONDocument.compareKeys(chunks[covered].min, lastMax) < 0 { covered += 1 }
        }
        let joins = above.isEmpty || covered == chunks.count || BSONDocument.compareKeys(above.last!.max, chunks[covered].min) == 0
        let oldBase = base
        cursors = cursors.filter { $0.key < start }
        base = start
        guard joins else {
            chunks = above
            complete = false
            return { _ in nil }
        }
        chunks.removeFirst(covered)
        chunks.insert(contentsOf: above, at: 0)
        let shift = start + above.count - oldBase - covered
        let lastAbove = start + above.count - 1
        return { old in
            if old < oldBase { return min(old, lastAbove) }   // above the old window (a top not yet clamped)
            return old - oldBase < covered ? lastAbove : old + shift
        }
    }
}

/// Everything the UI knows: the latest snapshot plus selections, filters, sort orders and modes.
/// `handle` and `apply` are pure transitions; the run loop acts on the effects.
public struct AppState {
    public let source: SourceInfo
    public let options: UIOptions

    var snapshot: ClusterSnapshot?
    var receivedAt: Date?
    var failure: (message: String, since: Date)?
    var progress: LoadProgress?

    var pane: PaneID = .overview
    public private(set) var paused = false
    var overlay: Overlay?
    var overlayTop = 0
    var prompt: Prompt?
    var message: String?

    var positions: [PaneID: ListPosition] = [:]
    var filters: [PaneID: String] = [:]
    var sorts: [PaneID: Int] = [:]

    /// Changelog kept across refreshes, newest first.
    var changelog: [ChangelogEntry] = []
    var following = true
    var unseen = 0               // entries that arrived while not following
    var chunkMap: ChunkMapState?
    /// The second source of `--compare` (nil without one).
    public internal(set) var compare: CompareState?

    /// What the loader gathered for the audit (chunk facts, shard probes), and the findings: recomputed whenever
    /// the snapshot, the changelog or these inputs change; the Health pane, the header badge and the Overview read them.
    var auditInputs: AuditInputs?
    var findings: [Finding] = []
    /// Migrations of the 24 h before the snapshot (`Audit.recentMigrations` over `auditChangelog`), computed with
    /// the findings, not per frame: the Balancer and Overview panes read them.
    var recentMigrations: [Audit.Migration] = []

    /// The terminal size, used for page moves; rendering clamps scrolling on its own, so this only needs to be close.
    var screenHeight = 24

    static let changelogCap = 2000
    /// Chunks asked for per chunk-map request (`Effect.loadChunkPage`): what the loader passes as `limit`.
    public static let chunkPageSize = ChunkMapState.fetch

    public init(source: SourceInfo, options: UIOptions) {
        self.source = source
        self.options = options
    }

    /// Tells the state the terminal size (optional: makes PgUp/PgDn move by exactly one page).
    public mutating func resize(width: Int, height: Int) { screenHeight = height }

    var pageRows: Int { max(1, screenHeight - 6) }

    func position(_ p: PaneID) -> ListPosition { positions[p] ?? ListPosition() }

    // MARK: events from the loader

    public mutating func apply(_ event: SourceEvent) {
        switch event {
        case .loading(let p):
            progress = p
        case .snapshot(let snap, let at):
            snapshot = snap
            receivedAt = at
            failure = nil
            progress = nil
            mergeChangelog(snap.changelog)
            recomputeFindings()
            recomputeCompare()
        case .failed(let msg, let at):
            progress = nil
            if failure == nil { failure = (msg, at) } else { failure?.message = msg }
        case .chunkPage(let ns, let after, let chunks):
            guard var map = chunkMap, map.ns == ns else { return }
            if let start = map.prepending {
                // A page above the window, reloaded: joined by key (the source may have split or merged chunks since).
                guard after == map.reloadKey(start) else { return }
                chunkMap = nil   // `map` is then the only owner: no copy of the window
                map.pending = false
                map.prepending = nil
                let moved = map.prepend(chunks, at: start)
                if var pos = positions[.chunkMap] {
                    if let sel = moved(pos.selected) {
                        pos.top = moved(pos.top).map { min($0, sel) } ?? max(map.base, sel - pageRows + 1)
                        pos.selected = sel
                    } else {   // the window was replaced: stay at the end of the reloaded page
                        pos.selected = max(map.base, map.end - 1)
                        pos.top = max(map.base, pos.selected - pageRows + 1)
                    }
                    positions[.chunkMap] = pos
                }
                map.trimBottom()
                chunkMap = map
                return
            }
            guard after == map.chunks.last?.min else { return }
            chunkMap = nil   // `map` is then the only owner: the page is appended in place, not to a copy of every chunk loaded
            map.pending = false
            map.chunks += chunks
            if chunks.isEmpty || (map.fromStart && map.end >= snapshot?.totalChunks(for: ns) ?? Int.max) { map.complete = true }
            map.trimTop()
            chunkMap = map
        case .chunkFound(let ns, let key, let chunk):
            guard var map = chunkMap, map.ns == ns else { return }
            guard let chunk else { message = "no chunk holds \(Fmt.key(key))"; return }
            if let i = map.chunks.firstIndex(where: { $0.min == chunk.min }).map({ $0 + map.base }) {
                positions[.chunkMap] = ListPosition(selected: i, top: max(map.base, i - 2))
            } else {
                map = ChunkMapState(ns: ns, chunks: [chunk], fromStart: false, anchor: chunk)
                positions[.chunkMap] = ListPosition()
            }
            chunkMap = map
            message = "chunk holding \(Fmt.key(key)) is on \(SafeText.escaped(chunk.shard))"
        case .compareSnapshot(let snap):
            applyCompare(snap, failure: nil)
        case .compareFailed(let message):
            applyCompare(nil, failure: message)
        case .changelog(let entries):
            mergeChangelog(entries)
            recomputeFindings()
        case .audit(let inputs):
            auditInputs = inputs
            recomputeFindings()
        }
    }

    /// `held` plus the entries of `extra` it does not have (by id), newest first: the changelog the audit reads
    /// (the one held, snapshot and tail, plus the 24 h window the loader read). `Audit.run` merges
    /// `AuditInputs.recentChangelog` the same way; `recomputeFindings` merges here, once, and hands it the result.
    static func mergedChangelog(_ held: [ChangelogEntry], _ extra: [ChangelogEntry]?) -> [ChangelogEntry] {
        guard let extra, !extra.isEmpty else { return held }
        let known = Set(held.map(\.id))
        return (held + extra.filter { !known.contains($0.id) }).sorted { $0.time > $1.time }
    }

    /// The audit over the latest snapshot with the changelog as tailed since, and the recent migrations: on events
    /// (snapshot, changelog tail, audit inputs), never per frame.
    mutating func recomputeFindings() {
        guard var snap = snapshot else { findings = []; recentMigrations = []; return }
        snap.changelog = Self.mergedChangelog(changelog, auditInputs?.recentChangelog)
        var inputs = auditInputs ?? AuditInputs()
        inputs.timeZone = options.timeZone
        inputs.recentChangelog = nil   // merged above
        findings = Audit.run(snap, inputs)
        recentMigrations = Audit.recentMigrations(snap.changelog, asOf: snap.asOf)
    }

    /// Adds entries (dropping duplicates), newest first. When not following, the selected entry stays selected.
    mutating func mergeChangelog(_ entries: [ChangelogEntry]) {
        let known = Set(changelog.map(\.id))
        let fresh = entries.filter { !known.contains($0.id) }
        guard !fresh.isEmpty else { return }
        let rowsBefore = ChangelogPane.entries(self)
        let selectedID = rowsBefore.indices.contains(position(.changelog).selected) ? rowsBefore[position(.changelog).selected].id : nil
        changelog = Array((fresh + changelog).sorted { $0.time > $1.time }.prefix(Self.changelogCap))
        if following {
            positions[.changelog] = ListPosition()
        } else {
            let rows = ChangelogPane.entries(self)
            let added = rows.count - rowsBefore.count
            unseen += max(0, added)
            if let id = selectedID, let i = rows.firstIndex(where: { $0.id == id }) {
                var pos = position(.changelog)
                pos.top += i - pos.selected
                pos.selected = i
                positions[.changelog] = pos
            }
        }
    }

    // MARK: keys

    public mutating func handle(_ key: Key, now: Date) -> [Effect] {
        message = nil
        if key == .ctrl("c") { return [.quit] }
        if key == .resize { return [] }
        if prompt != nil { return handlePrompt(key) }
        if overlay != nil { return handleOverlay(key) }
        guard let binding = KeyBindings.binding(for: key, in: pane) else { return [] }
        var effects: [Effect]
        switch binding.command {
        case .quit: return [.quit]
        case .refresh:
            effects = [.refreshNow]
            if pane == .chunkMap, let ns = chunkMap?.ns { effects += openChunkMap(ns, reload: true) }
            return effects
        case .togglePause:
            paused.toggle()
            return [.setPaused(paused)]
        case .help:
            overlay = .help; overlayTop = 0
            return []
        case .showPane:
            guard case .char(let c) = key, let n = Int(String(c)), let p = PaneID(rawValue: n) else { return [] }
            return show(p)
        case .nextPane:
            return show(PaneID(rawValue: pane.rawValue % PaneID.allCases.count + 1)!)
        case .previousPane:
            return show(PaneID(rawValue: (pane.rawValue + PaneID.allCases.count - 2) % PaneID.allCases.count + 1)!)
        case .filter:
            prompt = Prompt(purpose: pane == .chunkMap ? .findKey : .filter(pane), text: pane == .chunkMap ? "" : filters[pane] ?? "")
            return []
        default:
            effects = handlePane(binding.command)
        }
        return effects + chunkPageIfNeeded()
    }

    /// Commands that depend on the pane: movement, Enter, Esc, sort, follow.
    mutating func handlePane(_ command: Command) -> [Effect] {
        switch pane {
        case .overview: return OverviewPane.handle(command, state: &self)
        case .shards: return ShardsPane.handle(command, state: &self)
        case .collections: return CollectionsPane.handle(command, state: &self)
        case .chunkMap: return ChunkMapPane.handle(command, state: &self)
        case .balancer: return BalancerPane.handle(command, state: &self)
        case .changelog: return ChangelogPane.handle(command, state: &self)
        case .mongos: return MongosPane.handle(command, state: &self)
        case .zones: return ZonesPane.handle(command, state: &self)
        case .health: return HealthPane.handle(command, state: &self)
        }
    }

    mutating func show(_ p: PaneID) -> [Effect] {
        if p == .chunkMap {
            if chunkMap == nil {
                let colls = CollectionsPane.visibleCollections(self)
                guard !colls.isEmpty else { pane = .chunkMap; return [] }
                let sel = min(position(.collections).selected, colls.count - 1)
                return openChunkMap(colls[sel].ns)
            }
        }
        pane = p
        return []
    }

    /// Switches to the chunk map of `ns`, asking for its first page unless it is already loaded.
    mutating func openChunkMap(_ ns: String, reload: Bool = false) -> [Effect] {
        pane = .chunkMap
        if !reload, let map = chunkMap, map.ns == ns { return [] }
        chunkMap = ChunkMapState(ns: ns, pending: true)
        positions[.chunkMap] = ListPosition()
        return [.loadChunkPage(ns: ns, after: nil)]
    }

    /// Asks for the next page when the selection is within a page of the end of what is loaded, or for the page
    /// above the window when it is within a page of its top (after pages were dropped there).
    mutating func chunkPageIfNeeded() -> [Effect] {
        guard pane == .chunkMap, var map = chunkMap, !map.pending else { return [] }
        let selected = position(.chunkMap).selected
        if map.base > 0, selected < map.base + 2 * pageRows {
            let start = map.reloadStart
            map.pending = true
            map.prepending = start
            chunkMap = map
            return [.loadChunkPage(ns: map.ns, after: map.reloadKey(start))]
        }
        guard !map.complete, selected >= map.end - pageRows else { return [] }
        map.pending = true
        chunkMap = map
        return [.loadChunkPage(ns: map.ns, after: map.chunks.last?.min)]
    }

    /// Generic cursor movement over `count` rows; returns whether the selection moved.
    @discardableResult
    mutating func move(_ command: Command, count: Int, in p: PaneID) -> Bool {
        var pos = position(p)
        let old = pos.selected
        let last = max(0, count - 1)
        switch command {
        case .up: pos.selected -= 1
        case .down: pos.selected += 1
        case .pageUp: pos.selected -= pageRows; pos.top -= pageRows
        case .pageDown: pos.selected += pageRows; pos.top += pageRows
        case .top: pos.selected = 0
        case .bottom: pos.selected = last
        default: return false
        }
        pos.selected = max(0, min(last, pos.selected))
        pos.top = max(0, min(pos.top, pos.selected))
        positions[p] = pos
        return pos.selected != old
    }

    mutating func cycleSort(_ p: PaneID, count: Int) {
        sorts[p] = ((sorts[p] ?? 0) + 1) % max(1, count)
        positions[p] = ListPosition()
    }

    // MARK: prompt and overlays

    mutating func handlePrompt(_ key: Key) -> [Effect] {
        guard var p = prompt else { return [] }
        switch key {
        case .escape: prompt = nil
        case .backspace: if !p.text.isEmpty { p.text.removeLast() }; prompt = p
        case .ctrl("u"): p.text = ""; prompt = p
        case .char(let c): p.text.append(c); prompt = p
        case .enter:
            prompt = nil
            switch p.purpose {
            case .filter(let target):
                let text = p.text.trimmingCharacters(in: .whitespaces)
                filters[target] = text.isEmpty ? nil : text
                positions[target] = ListPosition()
            case .findKey:
                guard let ns = chunkMap?.ns else { return [] }
                let shardKey = snapshot?.collection(ns)?.key ?? ShardKey(fields: [])
                switch KeyParser.parse(p.text, keyFields: shardKey.fields.map(\.name)) {
                case .success(let typed):
                    // Chunk bounds of a hashed key hold hashes: look up the hash of what was typed.
                    let key = shardKey.storedBounds(for: typed)
                    message = "finding \(Fmt.key(typed))" + (key == typed ? "…" : " (hashed \(Fmt.key(key)))…")
                    return [.findChunk(ns: ns, key: key)]
                case .failure(let err):
                    message = err.message
                }
            }
        default: break
        }
        return []
    }

    mutating func handleOverlay(_ key: Key) -> [Effect] {
        let binding = KeyBindings.binding(for: key, in: pane)
        switch binding?.command {
        case .quit: return [.quit]
        case .help?, .back?: overlay = nil
        case .up?: overlayTop = max(0, overlayTop - 1)
        case .down?: overlayTop += 1
        case .pageUp?: overlayTop = max(0, overlayTop - pageRows)
        case .pageDown?: overlayTop += pageRows
        case .top?: overlayTop = 0
        case .togglePause?: paused.toggle(); return [.setPaused(paused)]
        default: if key == .escape { overlay = nil }
        }
        return []
    }

    mutating func showDetails(title: String, document: BSONDocument) {
        let json = document.relaxedExtendedJSON.serialized(indent: 2)
        overlay = .details(title: title, lines: json.split(separator: "\n", omittingEmptySubsequences: false).map { SafeText.escaped(String($0)) })
        overlayTop = 0
    }
}
