import Foundation
import ClusterModel

/// A directory written by `mongodump --db config` (the `config/` folder or its parent), read without a server.
public final class DumpSource: MetadataSource {
    public let info: SourceInfo
    /// The folder holding the `<collection>.bson[.gz]` files.
    public let directory: URL
    let options: LoadOptions
    private var changelogEntries: [ChangelogEntry] = []
    /// Where each collection's chunks sit in chunks.bson (from the last snapshot's scan, or a scan on demand).
    private var chunkIndex: ChunkFileIndex?

    static let progressEvery = 50_000
    /// What a missing file means for the picture, for its warning.
    static let collections: [(name: String, missing: String)] = [
        ("shards", "no shards loaded"), ("databases", "no databases loaded"), ("collections", "no sharded collections loaded"),
        ("chunks", "no chunk counts loaded"), ("tags", "no zone ranges loaded"), ("mongos", "no mongos routers loaded"),
        ("settings", "balancer settings are the defaults"), ("version", "no cluster id loaded"),
        ("migrations", "no active migrations loaded"), ("changelog", "no changelog loaded"), ("actionlog", "no balancer rounds loaded"),
    ]

    public init(path: String, options: LoadOptions = LoadOptions()) throws {
        self.options = options
        let root = URL(fileURLWithPath: path).standardizedFileURL
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: root.path, isDirectory: &isDir), isDir.boolValue else {
            throw LoaderError.io(path: path, reason: "no such directory; pass the config/ folder written by 'mongodump --db config' or its parent")
        }
        let markers = ["shards", "collections", "chunks"]
        guard let dir = [root, root.appendingPathComponent("config")].first(where: { d in
            markers.contains { Self.file(for: $0, in: d) != nil }
        }) else {
            throw LoaderError.notADump(path: path, lookedFor: "shards.bson, collections.bson or chunks.bson (or .bson.gz) in it or in its config/ folder")
        }
        directory = dir
        info = SourceInfo(kind: .dump, display: dir.path)
    }

    /// `<name>.bson`, else `<name>.bson.gz`.
    static func file(for name: String, in dir: URL) -> String? {
        ["\(name).bson", "\(name).bson.gz"].map { dir.appendingPathComponent($0).path }.first { FileManager.default.fileExists(atPath: $0) }
    }

    public func snapshot(progress: ((LoadProgress) -> Void)?) throws -> ClusterSnapshot {
        var raw = RawConfig()
        let limit = max(0, options.changelogLimit), roundLimit = max(0, options.actionlogLimit)
        for (name, missing) in Self.collections {
            guard let path = Self.file(for: name, in: directory) else {
                raw.warnings.append("\(directory.lastPathComponent)/\(name).bson not found: \(missing)")
                continue
            }
            progress?(.reading(name))
            let reader = try BSONFileReader(path: path)
            switch name {
            case "chunks":
                // One raw pass: chunks counted from their bytes (no document decoded) and their places noted
                // for chunk pages.
                var tally = ChunkTally()
                let index = ChunkFileIndex(path: path)
                try reader.forEachRaw { bytes, offset in
                    if let owner = try tally.add(raw: bytes) { index.record(owner: owner, offset: offset, length: bytes.count) }
                    if tally.scanned % Self.progressEvery == 0 {
                        progress?(.chunks(scanned: tally.scanned, bytesRead: reader.bytesRead, totalBytes: reader.fileSize))
                    }
                }
                progress?(.chunks(scanned: tally.scanned, bytesRead: reader.bytesRead, totalBytes: reader.fileSize))
                index.finish(tally)
                chunkIndex = index
                raw.chunkGroups = tally.groups
                if tally.skipped > 0 {
                    raw.warnings.append("config.chunks: skipped \(tally.skipped) documents without a 'shard' string or 'uuid'/'ns'")
                }
            // The newest --changelog entries go in the snapshot; up to the audit's 24 h window's worth are kept for
            // `changelog(newerThan:)`.
            case "changelog": raw.changelog = try Self.newest(reader, keep: max(limit, AuditInputs.recentChangelogLimit)) { _ in true }
            case "actionlog": raw.actionlog = try Self.newest(reader, keep: roundLimit) { $0["what"]?.stringValue == "balancer.round" }
            default:
                var docs: [BSONDocument] = []
                try reader.forEach { docs.append($0) }
                switch name {
                case "shards": raw.shards = docs
                case "databases": raw.databases = docs
                case "collections": raw.collections = docs
                case "tags": raw.tags = docs
                case "mongos": raw.mongos = docs
                case "settings": raw.settings = docs
                case "version": raw.version = docs
                default: raw.migrations = docs
                }
            }
        }
        // A snapshot's shardscope.json: the server's answers a live load has, and the capture time as `asOf`.
        let sidecar = SnapshotSidecar.load(forDumpIn: directory, warnings: &raw.warnings)
        sidecar?.apply(to: &raw)
        // The build hands back every changelog entry it decoded, not only the newest --changelog ones: the newest
        // max(--changelog, AuditInputs.recentChangelogLimit) of the file (see "changelog" above), from which
        // `changelog(newerThan:)` answers the TUI's tail and the audit's 24 h window, as a live server would.
        let (snap, entries) = SnapshotBuilder.buildKeepingChangelog(raw, source: info, asOf: sidecar?.capturedAt, options: options)
        changelogEntries = entries
        return snap
    }

    /// The newest `keep` documents by `time` (a capped log can be large: hold at most 2×keep at once).
    static func newest(_ reader: BSONFileReader, keep: Int, where match: (BSONDocument) -> Bool) throws -> [BSONDocument] {
        var docs: [BSONDocument] = []
        let time = { (d: BSONDocument) in d["time"]?.dateValue ?? .distantPast }
        func trim() { docs = Array(docs.sorted { time($0) > time($1) }.prefix(keep)) }
        try reader.forEach { d in
            guard match(d) else { return }
            docs.append(d)
            if docs.count >= 2 * keep + 1024 { trim() }
        }
        trim()
        return docs
    }

    // MARK: chunk pages

    public func chunks(of collection: ShardedCollection, after: BSONDocument?, limit: Int) throws -> [Chunk] {
        guard limit > 0, let index = try currentIndex() else { return [] }
        return try index.chunks(of: collection.keying, after: after, limit: limit)
    }

    public func chunk(of collection: ShardedCollection, containing key: BSONDocument) throws -> Chunk? {
        try currentIndex()?.chunk(of: collection.keying, containing: key)
    }

    public func changelog(newerThan time: Date, limit: Int) throws -> [ChangelogEntry] {
        Array(changelogEntries.filter { $0.time > time }.prefix(max(0, limit)))
    }

    /// The chunk index, re-scanned when chunks.bson changed (or appeared, or went) since the last scan.
    private func currentIndex() throws -> ChunkFileIndex? {
        guard let path = Self.file(for: "chunks", in: directory) else { chunkIndex = nil; return nil }
        if let index = chunkIndex, index.path == path, index.isCurrent { return index }
        chunkIndex = try ChunkFileIndex.scan(path: path)
        return chunkIndex
    }
}
