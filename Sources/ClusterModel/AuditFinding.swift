import Foundation

/// One thing the audit found: what, how serious, about which object, and what to do.
/// Names inside `message` and `advice` are already escaped for a terminal (`SafeText`); `data` holds raw values.
public struct Finding: Equatable, Sendable {
    public enum Severity: String, CaseIterable, Comparable, Sendable {
        case info, warning, error
        var rank: Int { self == .info ? 0 : self == .warning ? 1 : 2 }
        public static func < (a: Severity, b: Severity) -> Bool { a.rank < b.rank }
    }

    /// The object a finding is about, so a UI can jump to it.
    public struct Subject: Hashable, Sendable {
        public enum Kind: String, Sendable { case cluster, collection, zone, shard, mongos, balancer }
        public var kind: Kind
        public var name: String
        public init(_ kind: Kind, _ name: String) { self.kind = kind; self.name = name }
        public static let cluster = Subject(.cluster, "cluster")
        public static let balancer = Subject(.balancer, "balancer")
    }

    public var id: String
    public var severity: Severity
    public var subject: Subject
    public var message: String
    public var advice: String
    public var data: JSONValue

    public init(id: String, severity: Severity, subject: Subject, message: String, advice: String, data: JSONValue = .object([])) {
        self.id = id; self.severity = severity; self.subject = subject; self.message = message; self.advice = advice; self.data = data
    }

    public var json: JSONValue {
        ["id": .string(id), "severity": .string(severity.rawValue),
         "subject": ["kind": .string(subject.kind.rawValue), "name": .string(subject.name)],
         "message": .string(message), "advice": .string(advice), "data": data]
    }
}

/// What a live connection adds to the picture: each shard's replica set as its members answered.
public struct HostProbe: Equatable, Sendable {
    public var host: String
    /// nil when the host answered `hello`; else why it could not be reached (redacted, one line).
    public var error: String?
    public var setName: String?
    public var isWritablePrimary = false
    public var secondary = false
    public var arbiterOnly = false
    /// The primary this member names (`hello.primary`).
    public var primary: String?
    /// `hello.hosts` / `passives` / `arbiters`: the set as this member sees it.
    public var hosts: [String] = []
    public var passives: [String] = []
    public var arbiters: [String] = []
    public init(host: String, error: String? = nil, setName: String? = nil, isWritablePrimary: Bool = false, secondary: Bool = false,
                arbiterOnly: Bool = false, primary: String? = nil, hosts: [String] = [], passives: [String] = [], arbiters: [String] = []) {
        self.host = host; self.error = error; self.setName = setName; self.isWritablePrimary = isWritablePrimary; self.secondary = secondary
        self.arbiterOnly = arbiterOnly; self.primary = primary; self.hosts = hosts; self.passives = passives; self.arbiters = arbiters
    }
    public var reachable: Bool { error == nil }
    public var role: String {
        if !reachable { return "unreachable" }
        if isWritablePrimary { return "PRIMARY" }
        if secondary { return "SECONDARY" }
        if arbiterOnly { return "ARBITER" }
        return "OTHER"
    }
}

/// One member from `replSetGetStatus`.
public struct MemberStatus: Equatable, Sendable {
    public var name: String
    public var state: Int            // 1 primary, 2 secondary, 7 arbiter, 3 recovering, 8 down …
    public var stateStr: String
    public var health: Double
    public var optime: Date?
    public init(name: String, state: Int, stateStr: String, health: Double = 1, optime: Date? = nil) {
        self.name = name; self.state = state; self.stateStr = stateStr; self.health = health; self.optime = optime
    }
    public var isArbiter: Bool { state == 7 }
    public var isHealthyDataBearing: Bool { health > 0 && (state == 1 || state == 2) }
}

/// The probe of one shard's replica set: `hello` on each host of `config.shards`, and `replSetGetStatus` on
/// one that answered (nil with `statusError` when the privileges do not allow it). The config server replica set
/// is probed as `shard` "config" (its hosts from `getShardMap`); `notProbed` says why a set could not be probed at all.
public struct ReplicaSetProbe: Equatable, Sendable {
    public static let configServers = "config"
    public var shard: String
    public var notProbed: String?
    public var hosts: [HostProbe]
    public var members: [MemberStatus]?
    public var statusError: String?
    /// From `replSetGetStatus` (4.4+): voting members, data-bearing voting members, and the w:majority count.
    public var votingMembers: Int?
    public var writableVotingMembers: Int?
    public var writeMajority: Int?
    public init(shard: String, hosts: [HostProbe], members: [MemberStatus]? = nil, statusError: String? = nil,
                votingMembers: Int? = nil, writableVotingMembers: Int? = nil, writeMajority: Int? = nil) {
        self.shard = shard; self.hosts = hosts; self.members = members; self.statusError = statusError
        self.votingMembers = votingMembers; self.writableVotingMembers = writableVotingMembers; self.writeMajority = writeMajority
    }
    /// The config servers, not probed: `reason` says why (e.g. getShardMap refused).
    public static func configNotProbed(_ reason: String) -> ReplicaSetProbe {
        var p = ReplicaSetProbe(shard: configServers, hosts: [])
        p.notProbed = reason
        p.isConfigSet = true
        return p
    }
    /// "shard X", or "config servers" for the config server replica set.
    public var label: String { isConfigSet ? "config servers" : "shard " + SafeText.escaped(shard) }
    /// What a finding about this set is about: the shard, or the cluster for the config servers.
    public var subject: Finding.Subject { isConfigSet ? Finding.Subject(.cluster, "config servers") : Finding.Subject(.shard, shard) }
    /// Set by the prober for the config server replica set (a config shard of 8.0 is probed as a shard).
    public var isConfigSet = false
}

/// Facts from individual chunks of the collections that need them (zone ranges, jumbo chunks).
public struct ChunkFacts: Equatable, Sendable {
    /// A chunk inside a zone's range on a shard outside that zone.
    public struct Misplaced: Equatable, Sendable {
        public var chunk: Chunk
        public var zone: String
        public init(chunk: Chunk, zone: String) { self.chunk = chunk; self.zone = zone }
    }
    /// Namespaces whose chunks were all scanned.
    public var scanned: Set<String> = []
    public var jumbo: [String: [Chunk]] = [:]
    public var misplaced: [String: [Misplaced]] = [:]
    /// Misplaced chunks counted beyond those kept (only `keep` per collection are kept with their ranges).
    public var misplacedCount: [String: Int] = [:]
    public static let keep = 20
    public init() {}

    /// Namespaces whose chunks the chunk-level rules need: those with zone ranges or jumbo chunks.
    public static func needed(_ snap: ClusterSnapshot) -> [String] {
        let zoned = Set(snap.zoneRanges.map(\.ns))
        return snap.collections.map(\.ns).filter { zoned.contains($0) || snap.jumboChunks(for: $0) > 0 }
    }

    /// Adds one page of `ns`'s chunks (in any order; pages may be fed as they arrive).
    public mutating func add(_ chunks: [Chunk], of ns: String, snapshot: ClusterSnapshot) {
        let ranges = snapshot.zoneRanges(for: ns)
        var queries: [String: ChunkQuery] = [:]
        for r in ranges where queries[r.zone] == nil { queries[r.zone] = Self.misplacedQuery(r, snapshot) }
        for c in chunks {
            if c.jumbo, jumbo[ns, default: []].count < Self.keep { jumbo[ns, default: []].append(c) }
            // The range whose min is the greatest one ≤ the chunk's min: the only one the chunk can lie inside.
            var lo = 0, hi = ranges.count
            while lo < hi { let mid = (lo + hi) / 2; if BSONDocument.compareKeys(ranges[mid].min, c.min) <= 0 { lo = mid + 1 } else { hi = mid } }
            guard lo > 0 else { continue }
            let r = ranges[lo - 1]
            guard var q = queries[r.zone] else { continue }
            q.within = (r.min, r.max)
            guard q.matches(c) else { continue }
            misplacedCount[ns, default: 0] += 1
            if misplaced[ns, default: []].count < Self.keep { misplaced[ns, default: []].append(Misplaced(chunk: c, zone: r.zone)) }
        }
    }

    /// The chunks of zone range `r` that are misplaced: inside it, on a shard outside its zone.
    static func misplacedQuery(_ r: ZoneRange, _ snapshot: ClusterSnapshot) -> ChunkQuery {
        ChunkQuery(within: (r.min, r.max), notOn: snapshot.shards.filter { $0.zones.contains(r.zone) }.map(\.id))
    }

    /// At most this many misplaced chunks are counted per zone range on a live cluster (a count that reaches it is
    /// shown as "N+"); a dump or the demo counts them all.
    public static let countCap = 1000
    /// Namespaces whose misplaced count reached `countCap` in some range.
    public var misplacedCapped: Set<String> = []

    /// Chunks per page when walking a collection's chunks.
    static let page = 5000

    /// Asks the source for what the rules need, collection by collection (`needed`): the jumbo chunks (at most
    /// `keep`), and the chunks inside a zone range on a shard outside the zone.
    /// Live: one find per question on config.chunks using its (uuid|ns, min) index (at most `countCap` per zone range).
    /// A dump or the demo: one walk through each collection's chunks (`chunks(of:after:limit:)`), every question
    /// answered from it by `add` (a per-range filter would re-read the collection from its start once per zone range);
    /// the walk ends early once the jumbo chunks are found and the last zone range is passed.
    public static func gather(from source: MetadataSource, snapshot: ClusterSnapshot) throws -> ChunkFacts {
        var facts = ChunkFacts()
        let zoned = Set(snapshot.zoneRanges.map(\.ns))
        for ns in needed(snapshot) {
            guard let coll = snapshot.collection(ns) else { continue }
            if source.info.kind != .live {
                // The walk stops once both questions are answered: `keep` jumbo chunks (or all there are) seen, and
                // past the end of the last zone range (a chunk beyond it lies in no range).
                let jumboWanted = min(keep, snapshot.jumboChunks(for: ns))
                let rangesEnd = snapshot.zoneRanges(for: ns).map(\.max).max { BSONDocument.compareKeys($0, $1) < 0 }
                var after: BSONDocument?
                while true {
                    let chunks = try source.chunks(of: coll, after: after, limit: page)
                    facts.add(chunks, of: ns, snapshot: snapshot)
                    guard chunks.count == page, let last = chunks.last else { break }
                    let jumboDone = facts.jumbo[ns, default: []].count >= jumboWanted
                    let zonesDone = rangesEnd.map { BSONDocument.compareKeys(last.min, $0) >= 0 } ?? true
                    if jumboDone && zonesDone { break }
                    after = last.min
                }
                facts.scanned.insert(ns)
                continue
            }
            if snapshot.jumboChunks(for: ns) > 0 {
                facts.jumbo[ns] = try source.chunks(of: coll, matching: ChunkQuery(jumboOnly: true), limit: keep)
            }
            if zoned.contains(ns) {
                for r in snapshot.zoneRanges(for: ns) {
                    let found = try source.chunks(of: coll, matching: misplacedQuery(r, snapshot), limit: countCap)
                    guard !found.isEmpty else { continue }
                    if found.count >= countCap { facts.misplacedCapped.insert(ns) }
                    facts.misplacedCount[ns, default: 0] += found.count
                    let room = keep - facts.misplaced[ns, default: []].count
                    facts.misplaced[ns, default: []] += found.prefix(max(0, room)).map { Misplaced(chunk: $0, zone: r.zone) }
                }
            }
            facts.scanned.insert(ns)
        }
        return facts
    }
}

/// Everything the rules may use beyond the snapshot.
public struct AuditInputs: Equatable, Sendable {
    /// nil: chunks were not scanned (chunk-level rules say "not checked").
    public var chunks: ChunkFacts?
    /// nil: shards were not probed (resilience rules say "not checked").
    public var probes: [ReplicaSetProbe]?
    /// The config primary's time zone, for the balancer window.
    public var timeZone: TimeZone
    /// Changelog entries of the 24 h before the snapshot (the snapshot holds only the newest `--changelog` ones):
    /// merged into the snapshot's for the failed-migration count. nil: the snapshot's alone.
    public var recentChangelog: [ChangelogEntry]?
    public init(chunks: ChunkFacts? = nil, probes: [ReplicaSetProbe]? = nil, timeZone: TimeZone = .current,
                recentChangelog: [ChangelogEntry]? = nil) {
        self.chunks = chunks; self.probes = probes; self.timeZone = timeZone; self.recentChangelog = recentChangelog
    }

    /// At most this many entries are read for the 24 h window.
    public static let recentChangelogLimit = 10_000
    /// The changelog of the 24 h before `snapshot.asOf`, from the source (live: one find with `time > asOf − 24 h`).
    public static func recentChangelog(from source: MetadataSource, snapshot: ClusterSnapshot) throws -> [ChangelogEntry] {
        try source.changelog(newerThan: snapshot.asOf.addingTimeInterval(-86400), limit: recentChangelogLimit)
    }
}
