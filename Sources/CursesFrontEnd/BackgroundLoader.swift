import Foundation
import ClusterModel
import ClusterPanes

/// Events from the loader thread to the UI loop.
final class EventQueue: @unchecked Sendable {
    private let lock = NSLock()
    private var events: [SourceEvent] = []

    func post(_ event: SourceEvent) {
        lock.lock(); events.append(event); lock.unlock()
    }

    func drain() -> [SourceEvent] {
        lock.lock(); defer { lock.unlock() }
        let out = events
        events.removeAll()
        return out
    }
}

/// Owns the MetadataSource on one background thread, so the network never runs on the UI thread.
/// One request at a time: a load never starts while another is in flight; requests that arrive
/// meanwhile wait (user requests — chunk pages, find — go before scheduled refreshes, refreshes before tails).
/// Between snapshots of a changing source (live, demo) it tails the changelog: every `tailSeconds` it asks for
/// entries newer than the newest it has seen and posts them. A failed tail is not reported (the next snapshot
/// is); tailing then waits for a good snapshot, so a server that is down is not asked every second.
/// The UI never waits for it: on quit it is told to stop and, if stuck in a driver call, abandoned.
final class BackgroundLoader: @unchecked Sendable {
    enum Request { case page(ns: String, after: BSONDocument?), find(ns: String, key: BSONDocument) }

    static let pageSize = AppState.chunkPageSize   // what the chunk map's window expects a page to hold
    static let tailSeconds: TimeInterval = 1
    static let tailLimit = 200

    private let source: MetadataSource
    private let events: EventQueue
    private let interval: TimeInterval?      // nil: load once (a dump does not change)
    private let cond = NSCondition()
    // Guarded by `cond`.
    private var requests: [Request] = []
    private var refreshWanted = true          // the first load
    private var paused = false
    private var stopped = false
    private var nextRefresh = Date.distantFuture
    private var nextTail = Date.distantFuture  // distantFuture: not tailing (a dump, no good snapshot yet, a failed tail)
    // Loader thread only.
    private var snapshot: ClusterSnapshot?
    private var newestSeen: Date?              // newest changelog time of the last snapshot or tail
    private var lastProgressPost = Date.distantPast
    /// When the load in flight started: a refresh shows progress only once it has taken `quietLoadSeconds`, so a
    /// quick refresh that changes nothing changes nothing on screen (and sends nothing to the terminal).
    private var loadStarted = Date.distantPast
    static let quietLoadSeconds: TimeInterval = 1
    /// `--compare`: a second source, loaded once (after the first snapshot of the main one), on this thread too.
    private var compareSource: MetadataSource?
    private var triedOnce = false              // the main source's first load has been attempted

    /// The audit's inputs (chunk facts of zoned/jumbo collections, shard probes) are gathered after a snapshot,
    /// at most once per `auditSeconds`, here on the loader thread; `probe` is nil unless `--probe-shards`.
    static let auditSeconds: TimeInterval = 30
    private let probe: ((ClusterSnapshot) -> [ReplicaSetProbe])?
    private let timeZone: TimeZone
    private var nextAudit = Date.distantPast
    private var auditWanted: ClusterSnapshot?           // guarded by `cond`: gather for this snapshot when idle
    private var recentChangelog: [ChangelogEntry]?   // read once; the tail brings newer entries

    init(source: MetadataSource, refreshSeconds: Double, events: EventQueue,
         probe: ((ClusterSnapshot) -> [ReplicaSetProbe])? = nil, timeZone: TimeZone = .current) {
        self.source = source
        self.events = events
        self.probe = probe
        self.timeZone = timeZone
        interval = source.info.kind == .dump ? nil : max(0.2, refreshSeconds)
    }

    /// Sets the `--compare` source; call before `start()`.
    func compare(with source: MetadataSource) { compareSource = source }

    func start() {
        let thread = Thread { [self] in loop() }
        thread.name = "shardscope-loader"
        thread.start()
    }

    func stop() { update { $0.stopped = true } }
    func refreshNow() { update { $0.refreshWanted = true } }
    func setPaused(_ value: Bool) { update { $0.paused = value } }
    func enqueue(_ request: Request) { update { $0.requests.append(request) } }

    private func update(_ change: (BackgroundLoader) -> Void) {
        cond.lock(); change(self); cond.signal(); cond.unlock()
    }

    private enum Work { case refresh, tail, request(Request), compare(MetadataSource), audit(ClusterSnapshot) }

    private func loop() {
        while let work = next() {
            switch work {
            case .refresh: loadSnapshot()
            case .tail: tailChangelog()
            case .request(let r): serve(r)
            case .compare(let other): loadCompare(other)
            case .audit(let snap): gatherAudit(snap)
            }
        }
    }

    /// Waits for the next piece of work; nil once stopped.
    private func next() -> Work? {
        cond.lock(); defer { cond.unlock() }
        while true {
            if stopped { return nil }
            if !requests.isEmpty { return .request(requests.removeFirst()) }
            if refreshWanted || (!paused && Date() >= nextRefresh) {
                refreshWanted = false
                return .refresh
            }
            if triedOnce, let other = compareSource {
                compareSource = nil
                return .compare(other)
            }
            // After the user's requests and a due refresh: a chunk page asked for meanwhile is not kept waiting.
            if let snap = auditWanted {
                auditWanted = nil
                return .audit(snap)
            }
            if !paused && Date() >= nextTail { return .tail }
            let wake = min(nextRefresh, nextTail)
            // (wait(until: .distantFuture) overflows its timespec and traps in corelibs Foundation.)
            if paused || wake == .distantFuture { cond.wait() } else { _ = cond.wait(until: wake) }
        }
    }

    private var isStopped: Bool { cond.lock(); defer { cond.unlock() }; return stopped }

    private func loadSnapshot() {
        defer { triedOnce = true }
        var loaded = false
        loadStarted = Date()
        do {
            let snap = try source.snapshot { [self] p in progress(p) }
            snapshot = snap
            loaded = true
            seen(snap.changelog)
            if !isStopped { events.post(.snapshot(snap, receivedAt: Date())) }
            if Date() >= nextAudit { cond.lock(); auditWanted = snap; cond.unlock() }
        } catch {
            if !isStopped { events.post(.failed(message: Self.describe(error), at: Date())) }
        }
        // The next refresh counts from the end of this one, so a slow server is not hammered.
        cond.lock()
        nextRefresh = interval.map { Date().addingTimeInterval($0) } ?? .distantFuture
        nextTail = loaded && interval != nil ? Date().addingTimeInterval(Self.tailSeconds) : .distantFuture
        cond.unlock()
    }

    /// Chunk facts and probes for the audit. A failed chunk scan leaves the chunk rules "not checked"; the next
    /// snapshot's failure (if the server is gone) is what the user sees.
    private func gatherAudit(_ snap: ClusterSnapshot) {
        let chunks = try? ChunkFacts.gather(from: source, snapshot: snap)
        if recentChangelog == nil { recentChangelog = try? AuditInputs.recentChangelog(from: source, snapshot: snap) }
        let probes = probe?(snap)
        nextAudit = Date().addingTimeInterval(Self.auditSeconds)
        if !isStopped {
            events.post(.audit(AuditInputs(chunks: chunks, probes: probes, timeZone: timeZone, recentChangelog: recentChangelog)))
        }
    }

    /// The `--compare` source's one snapshot. Its failure is reported beside the deltas, not as the main source's.
    private func loadCompare(_ other: MetadataSource) {
        do {
            let snap = try other.snapshot(progress: nil)
            if !isStopped { events.post(.compareSnapshot(snap)) }
        } catch {
            if !isStopped { events.post(.compareFailed(message: Self.describe(error))) }
        }
    }

    /// One poll for changelog entries newer than the newest seen.
    private func tailChangelog() {
        let since = newestSeen ?? Date(timeIntervalSince1970: 0)
        let entries = try? source.changelog(newerThan: since, limit: Self.tailLimit)
        if let entries {
            seen(entries)
            if !entries.isEmpty && !isStopped { events.post(.changelog(entries)) }
        }
        cond.lock()
        nextTail = entries != nil ? Date().addingTimeInterval(Self.tailSeconds) : .distantFuture
        cond.unlock()
    }

    private func seen(_ entries: [ChangelogEntry]) {
        guard let newest = entries.map(\.time).max() else { return }
        newestSeen = max(newestSeen ?? newest, newest)
    }

    private func progress(_ p: LoadProgress) {
        if snapshot != nil, Date().timeIntervalSince(loadStarted) < Self.quietLoadSeconds { return }
        // Chunk scans report very often; the UI needs a few updates a second at most.
        if case .chunks = p, Date().timeIntervalSince(lastProgressPost) < 0.1 { return }
        lastProgressPost = Date()
        events.post(.loading(p))
    }

    private func serve(_ request: Request) {
        do {
            switch request {
            case let .page(ns, after):
                guard let coll = collection(ns) else { return events.post(.chunkPage(ns: ns, after: after, chunks: [])) }
                let chunks = try source.chunks(of: coll, after: after, limit: Self.pageSize)
                events.post(.chunkPage(ns: ns, after: after, chunks: chunks))
            case let .find(ns, key):
                guard let coll = collection(ns) else { return events.post(.chunkFound(ns: ns, key: key, chunk: nil)) }
                events.post(.chunkFound(ns: ns, key: key, chunk: try source.chunk(of: coll, containing: key)))
            }
        } catch {
            events.post(.failed(message: Self.describe(error), at: Date()))
        }
    }

    private func collection(_ ns: String) -> ShardedCollection? { snapshot?.collection(ns) }

    static func describe(_ error: Error) -> String {
        if let e = error as? LocalizedError, let text = e.errorDescription { return text }
        return String(describing: error)
    }
}
