import Foundation

/// `config.shards`
public struct Shard: Hashable, Sendable {
    public var id: String
    public var host: String                 // as stored: "rs/h1:p,h2:p" or "h:p"
    public var state: Int?
    public var draining: Bool
    public var zones: [String]              // the shard's `tags`
    public var topologyTime: BSONTimestamp?

    public init(id: String, host: String, state: Int? = nil, draining: Bool = false, zones: [String] = [], topologyTime: BSONTimestamp? = nil) {
        self.id = id; self.host = host; self.state = state; self.draining = draining; self.zones = zones; self.topologyTime = topologyTime
    }
    /// The replica-set name before the '/', if the host string has one.
    public var replicaSet: String? {
        guard let slash = host.firstIndex(of: "/") else { return nil }
        return String(host[..<slash])
    }
    /// The member host:port list.
    public var members: [String] {
        let list = host.firstIndex(of: "/").map { String(host[host.index(after: $0)...]) } ?? host
        return list.split(separator: ",").map(String.init)
    }
    /// An embedded config server acting as a shard (8.0 "config shard").
    public var isConfigShard: Bool { id == "config" }
}

/// `config.databases`
public struct DatabaseInfo: Hashable, Sendable {
    public var name: String
    public var primary: String
    public var partitioned: Bool?           // deprecated since 6.0; absent there
    public var versionTimestamp: BSONTimestamp?
    public init(name: String, primary: String, partitioned: Bool? = nil, versionTimestamp: BSONTimestamp? = nil) {
        self.name = name; self.primary = primary; self.partitioned = partitioned; self.versionTimestamp = versionTimestamp
    }
}

/// A shard key: ordered fields, each ascending (1), descending (-1) or "hashed".
public struct ShardKey: Hashable, Sendable, CustomStringConvertible {
    public enum Direction: Hashable, Sendable { case ascending, descending, hashed, other(String) }
    public struct Field: Hashable, Sendable { public var name: String; public var direction: Direction
        public init(name: String, direction: Direction) { self.name = name; self.direction = direction } }
    public var fields: [Field]
    public init(fields: [Field]) { self.fields = fields }
    public init(document: BSONDocument) {
        fields = document.elements.map { e in
            let d: Direction
            switch e.value {
            case .string("hashed"): d = .hashed
            case let v where v.doubleValue == 1: d = .ascending
            case let v where v.doubleValue == -1: d = .descending
            case .string(let s): d = .other(s)
            default: d = .other(e.value.typeName)
            }
            return Field(name: e.key, direction: d)
        }
    }
    public var isHashed: Bool { fields.contains { $0.direction == .hashed } }
    public var isCompound: Bool { fields.count > 1 }
    public var document: BSONDocument {
        BSONDocument(fields.map { f in
            let v: BSONValue
            switch f.direction {
            case .ascending: v = .int32(1)
            case .descending: v = .int32(-1)
            case .hashed: v = .string("hashed")
            case .other(let s): v = .string(s)
            }
            return (f.name, v)
        })
    }
    /// `{ region: 1, userId: "hashed" }`, as mongosh prints it.
    public var description: String {
        "{ " + fields.map { f in
            let v: String
            switch f.direction {
            case .ascending: v = "1"
            case .descending: v = "-1"
            case .hashed: v = "'hashed'"
            case .other(let s): v = "'\(s)'"
            }
            return "\(f.name): \(v)"
        }.joined(separator: ", ") + " }"
    }
}

/// How a collection's chunks are keyed in `config.chunks`: by `uuid` when `config.collections`
/// carries `timestamp` (5.0+), else by `ns`. Never query both with `$or`.
public enum ChunkKeying: Hashable, Sendable {
    case uuid(BSONValue)
    case ns(String)
}

/// `config.collections` (dropped and unsplittable ones are not loaded).
public struct ShardedCollection: Hashable, Sendable {
    public var ns: String
    public var uuid: BSONValue?
    public var key: ShardKey
    public var unique: Bool
    public var keying: ChunkKeying
    public var noBalance: Bool
    public var allowMigrations: Bool        // `permitMigrations`/`allowMigrations`; default true
    public var maxChunkSizeBytes: Int64?
    public var defragmenting: Bool
    public var enableAutoMerge: Bool?
    public var resharding: Bool
    public var timeseries: Bool
    public var updated: Date?               // `lastmod` date on ≤4.4

    public init(ns: String, uuid: BSONValue? = nil, key: ShardKey, unique: Bool = false, keying: ChunkKeying,
                noBalance: Bool = false, allowMigrations: Bool = true, maxChunkSizeBytes: Int64? = nil,
                defragmenting: Bool = false, enableAutoMerge: Bool? = nil, resharding: Bool = false,
                timeseries: Bool = false, updated: Date? = nil) {
        self.ns = ns; self.uuid = uuid; self.key = key; self.unique = unique; self.keying = keying
        self.noBalance = noBalance; self.allowMigrations = allowMigrations; self.maxChunkSizeBytes = maxChunkSizeBytes
        self.defragmenting = defragmenting; self.enableAutoMerge = enableAutoMerge; self.resharding = resharding
        self.timeseries = timeseries; self.updated = updated
    }
    public var database: String { String(ns.prefix(while: { $0 != "." })) }
    /// Balancing is on unless `noBalance` is set or migrations are not permitted.
    public var balancing: Bool { !noBalance && allowMigrations }
}

/// One chunk from `config.chunks` (loaded page by page for the chunk map, never all at once live).
public struct Chunk: Hashable, Sendable {
    public var id: BSONValue
    public var min: BSONDocument
    public var max: BSONDocument
    public var shard: String
    public var lastmod: BSONTimestamp?      // (major, minor) version; legacy `{t, i}` normalised here
    public var jumbo: Bool
    public var estimatedDataSizeBytes: Int64?
    public var onCurrentShardSince: BSONTimestamp?
    public init(id: BSONValue, min: BSONDocument, max: BSONDocument, shard: String, lastmod: BSONTimestamp? = nil,
                jumbo: Bool = false, estimatedDataSizeBytes: Int64? = nil, onCurrentShardSince: BSONTimestamp? = nil) {
        self.id = id; self.min = min; self.max = max; self.shard = shard; self.lastmod = lastmod; self.jumbo = jumbo
        self.estimatedDataSizeBytes = estimatedDataSizeBytes; self.onCurrentShardSince = onCurrentShardSince
    }
    /// min ≤ key < max, compared in BSON order over the key's values.
    public func contains(_ key: BSONDocument) -> Bool {
        BSONDocument.compareKeys(min, key) <= 0 && BSONDocument.compareKeys(key, max) < 0
    }
}

/// Chunks of one collection on one shard.
public struct ShardChunkCount: Hashable, Sendable {
    public var shard: String
    public var chunks: Int
    public var jumbo: Int
    public init(shard: String, chunks: Int, jumbo: Int = 0) { self.shard = shard; self.chunks = chunks; self.jumbo = jumbo }
}

/// `config.tags`: a zone range of one collection (still keyed by namespace).
public struct ZoneRange: Hashable, Sendable {
    public var ns: String
    public var zone: String
    public var min: BSONDocument
    public var max: BSONDocument
    public init(ns: String, zone: String, min: BSONDocument, max: BSONDocument) { self.ns = ns; self.zone = zone; self.min = min; self.max = max }
}

/// `config.mongos`
public struct Mongos: Hashable, Sendable {
    public var host: String
    public var ping: Date?
    public var upSeconds: Int64?
    public var version: String?
    public var created: Date?
    public var advisoryHostFQDNs: [String]
    public init(host: String, ping: Date? = nil, upSeconds: Int64? = nil, version: String? = nil, created: Date? = nil, advisoryHostFQDNs: [String] = []) {
        self.host = host; self.ping = ping; self.upSeconds = upSeconds; self.version = version; self.created = created; self.advisoryHostFQDNs = advisoryHostFQDNs
    }
}

/// `config.settings` documents (a missing document means the default).
public struct BalancerSettings: Hashable, Sendable {
    public struct Window: Hashable, Sendable {
        public var start: String   // "HH:MM", config primary's local time; may wrap midnight
        public var stop: String
        public init(start: String, stop: String) { self.start = start; self.stop = stop }
    }
    public var stopped: Bool               // `stopped`, default false
    public var mode: String?               // "full" / "off" (older servers)
    public var activeWindow: Window?
    public var secondaryThrottle: BSONValue?
    public var waitForDelete: Bool?
    public var chunkSizeMB: Int?           // `chunksize.value`; nil = server default
    public var autosplit: Bool?            // `autosplit.enabled` (no-op since 6.0.3)
    public var automerge: Bool?            // `automerge.enabled` (7.0+)
    public init(stopped: Bool = false, mode: String? = nil, activeWindow: Window? = nil, secondaryThrottle: BSONValue? = nil,
                waitForDelete: Bool? = nil, chunkSizeMB: Int? = nil, autosplit: Bool? = nil, automerge: Bool? = nil) {
        self.stopped = stopped; self.mode = mode; self.activeWindow = activeWindow; self.secondaryThrottle = secondaryThrottle
        self.waitForDelete = waitForDelete; self.chunkSizeMB = chunkSizeMB; self.autosplit = autosplit; self.automerge = automerge
    }
    /// Enabled unless stopped or mode "off".
    public var enabled: Bool { !stopped && mode != "off" }
    /// The mode to show: the stored one, or what `stopped` implies.
    public var effectiveMode: String { mode ?? (stopped ? "off" : "full") }
}

/// The `balancerStatus` command's answer (live only).
public struct BalancerStatus: Hashable, Sendable {
    public var mode: String
    public var inBalancerRound: Bool
    public var numBalancerRounds: Int64?
    public init(mode: String, inBalancerRound: Bool, numBalancerRounds: Int64? = nil) {
        self.mode = mode; self.inBalancerRound = inBalancerRound; self.numBalancerRounds = numBalancerRounds
    }
}

/// `config.changelog`
public struct ChangelogEntry: Hashable, Sendable {
    public var id: String
    public var server: String
    public var clientAddr: String?
    public var time: Date
    public var what: String
    public var ns: String
    public var details: BSONDocument
    public init(id: String, server: String, clientAddr: String? = nil, time: Date, what: String, ns: String, details: BSONDocument = BSONDocument()) {
        self.id = id; self.server = server; self.clientAddr = clientAddr; self.time = time; self.what = what; self.ns = ns; self.details = details
    }
    /// An error event: `*.error`, or details carrying `errmsg`/`error`.
    public var isError: Bool {
        what.hasSuffix(".error") || details["errmsg"] != nil || details["error"] != nil
    }
}

/// A `balancer.round` from `config.actionlog`; the error flag is spelled `errorOccured` on old servers.
public struct BalancerRound: Hashable, Sendable {
    public var time: Date
    public var server: String?
    public var errorOccurred: Bool
    public var errmsg: String?
    public var candidateChunks: Int64?
    public var chunksMoved: Int64?
    public var executionTimeMillis: Int64?
    public init(time: Date, server: String? = nil, errorOccurred: Bool = false, errmsg: String? = nil, candidateChunks: Int64? = nil,
                chunksMoved: Int64? = nil, executionTimeMillis: Int64? = nil) {
        self.time = time; self.server = server; self.errorOccurred = errorOccurred; self.errmsg = errmsg
        self.candidateChunks = candidateChunks; self.chunksMoved = chunksMoved; self.executionTimeMillis = executionTimeMillis
    }
}

/// `config.migrations`: migrations in progress.
public struct ActiveMigration: Hashable, Sendable {
    public var ns: String
    public var min: BSONDocument
    public var max: BSONDocument
    public var fromShard: String
    public var toShard: String
    public init(ns: String, min: BSONDocument, max: BSONDocument, fromShard: String, toShard: String) {
        self.ns = ns; self.min = min; self.max = max; self.fromShard = fromShard; self.toShard = toShard
    }
}

/// One row of `$shardedDataDistribution` (6.0.3+, live only).
public struct ShardDataSize: Hashable, Sendable {
    public var shard: String
    public var ownedSizeBytes: Int64
    public var orphanedSizeBytes: Int64
    public var numOwnedDocuments: Int64
    public init(shard: String, ownedSizeBytes: Int64, orphanedSizeBytes: Int64 = 0, numOwnedDocuments: Int64 = 0) {
        self.shard = shard; self.ownedSizeBytes = ownedSizeBytes; self.orphanedSizeBytes = orphanedSizeBytes; self.numOwnedDocuments = numOwnedDocuments
    }
}

/// Where a snapshot came from. `display` never holds a password.
public struct SourceInfo: Hashable, Sendable {
    public enum Kind: String, Hashable, Sendable { case live, dump, demo }
    public var kind: Kind
    public var display: String   // redacted URI, dump directory, or "demo (seed 1)"
    public init(kind: Kind, display: String) { self.kind = kind; self.display = display }
}
