import Foundation
import ClusterModel

/// Time passing in the demo: splits, merges, a pretend balancer moving chunks towards balance,
/// balancer rounds and mongos pings. Every change is also written to the changelog/actionlog.
extension DemoCluster {
    static let meanEventMs = 400.0
    static let configServer = "cfg-a.demo.net:27019"

    /// Runs the simulation up to `date` (no-op for a date in the past).
    public mutating func advance(to date: Date) {
        let target = Int64((date.timeIntervalSince1970 * 1000).rounded(.down))
        while min(nextEventMs, nextRoundMs) <= target {
            if nextEventMs <= nextRoundMs {
                nowMs = nextEventMs
                randomEvent()
                nextEventMs += max(20, Int64(-Foundation.log(1 - rng.unit()) * Self.meanEventMs))
            } else {
                nowMs = nextRoundMs
                balancerRound()   // sets the next round's time
            }
        }
        nowMs = max(nowMs, target)
    }

    public mutating func advance(by seconds: TimeInterval) { advance(to: now.addingTimeInterval(seconds)) }

    // MARK: splits and merges

    mutating func randomEvent() {
        guard let ci = pickCollection(movableOnly: false) else { return }
        let i = rng.below(colls[ci].chunks.count)
        // Merge more often when the cluster has grown, so the chunk count hovers around its start.
        let mergeChance = totalChunks > initialChunks ? 0.6 : 0.4
        if rng.chance(mergeChance) {
            let n = 2 + rng.below(2)
            // The nearest mergeable run at or after a random chunk.
            if let j = (i..<min(i + 16, colls[ci].chunks.count)).first(where: { canMerge(ci, $0, count: n) }) { merge(ci, j, count: n) }
        } else {
            split(ci, i, into: rng.chance(0.8) ? 2 : 3 + rng.below(3))
        }
    }

    /// A collection weighted by its chunk count (never an unsplittable one).
    mutating func pickCollection(movableOnly: Bool) -> Int? {
        let w = colls.map { c in c.spec.unsplittable || (movableOnly && c.spec.noBalance) ? 0 : Double(c.chunks.count) }
        return w.contains { $0 > 0 } ? rng.weighted(w) : nil
    }

    func isInFlight(_ ci: Int, _ lo: Int64) -> Bool { inFlight.map { $0.coll == ci && $0.lo == lo } ?? false }

    mutating func split(_ ci: Int, _ i: Int, into n: Int) {
        let c = colls[ci], ch = c.chunks[i], hi = c.hi(i)
        guard !ch.jumbo, !isInFlight(ci, ch.lo), hi - ch.lo >= Int64(4 * n) else { return }
        let before = summary(c, i)
        var pieces: [SimChunk] = []
        let step = (hi - ch.lo) / Int64(n)
        for k in 0..<n {
            var p = ch
            if k > 0 {
                p.lo = ch.lo + Int64(k) * step + Int64(rng.below(Int(max(1, step / 2))))
                p.legacyId = false
                p.created = UInt32(nowMs / 1000)
                p.counter = nextCounter()
            }
            colls[ci].minor += 1
            p.major = colls[ci].major
            p.minor = colls[ci].minor
            pieces.append(p)
        }
        colls[ci].chunks.replaceSubrange(i...i, with: pieces)
        colls[ci].counts[Int(ch.shard)] += n - 1
        let server = shards[Int(ch.shard)].primary, owner = BSONValue.string(shardId(ch.shard))
        if n == 2 {
            log("split", ns: c.spec.ns, server: server, shard: ch.shard, at: nowMs,
                details: ["before": .document(before), "left": .document(summary(colls[ci], i)),
                          "right": .document(summary(colls[ci], i + 1)), "owningShard": owner])
        } else {
            for k in 0..<n {
                log("multi-split", ns: c.spec.ns, server: server, shard: ch.shard, at: nowMs,
                    details: ["before": .document(before), "number": .int32(Int32(k + 1)), "of": .int32(Int32(n)),
                              "chunk": .document(summary(colls[ci], i + k)), "owningShard": owner])
            }
        }
    }

    func canMerge(_ ci: Int, _ i: Int, count n: Int) -> Bool {
        let c = colls[ci]
        guard i + n <= c.chunks.count else { return false }
        let first = c.chunks[i]
        return c.chunks[i..<i + n].allSatisfy {
            $0.shard == first.shard && !$0.jumbo && !isInFlight(ci, $0.lo) && c.zone(at: $0.lo) == c.zone(at: first.lo)
        }
    }

    /// Merges `count` neighbours starting at `i` when they share a shard and a zone and none is jumbo or moving.
    mutating func merge(_ ci: Int, _ i: Int, count n: Int) {
        guard canMerge(ci, i, count: n) else { return }
        let c = colls[ci]
        let merged = (i..<i + n).map { BSONValue.document(summary(c, $0)) }
        var m = c.chunks[i]
        colls[ci].minor += 1
        m.major = colls[ci].major
        m.minor = colls[ci].minor
        colls[ci].chunks.replaceSubrange(i..<i + n, with: [m])
        colls[ci].counts[Int(m.shard)] -= n - 1
        log("merge", ns: c.spec.ns, server: shards[Int(m.shard)].primary, shard: m.shard, at: nowMs,
            details: ["merged": .array(merged), "mergedVersion": .timestamp(BSONTimestamp(t: m.major, i: m.minor)),
                      "owningShard": .string(shardId(m.shard))])
    }

    // MARK: the pretend balancer

    /// Inside the balancer's active window at `ms`? The window is read in UTC, the demo config primary's zone.
    static func inWindow(_ ms: Int64) -> Bool {
        let a = BalancerWindow.minutes(windowStart) ?? 0, b = BalancerWindow.minutes(windowStop) ?? 0
        let m = Int((ms / 60_000) % 1_440)
        if a == b { return true }
        return a < b ? (m >= a && m < b) : (m >= a || m < b)
    }

    /// How long one migration takes (128 MB chunks, secondary throttle on): the balancer is slow, so skew
    /// drains over hours.
    mutating func migrationDuration() -> Int64 { 12_000 + Int64(rng.below(30_000)) }

    /// One step of the balancer. A round that starts a migration ends (and is logged in the actionlog)
    /// when the migration does; the next round follows a second later. A round that finds nothing to move
    /// is logged at once and the next comes 10 s later. Outside the active window the balancer sleeps: no
    /// migration and no round. A migration is only started when it will also end inside the window.
    mutating func balancerRound() {
        if let m = inFlight {
            inFlight = nil
            let e = finishMigration(m)
            logRound(at: nowMs, took: nowMs - m.startedMs, candidates: 1, moved: e == nil ? 1 : 0, errmsg: e)
            nextRoundMs = nowMs + Self.busyRoundGapMs
            return
        }
        guard Self.inWindow(nowMs) else { nextRoundMs = nowMs + Self.idleRoundMs; return }
        let d = migrationDuration()
        if Self.inWindow(nowMs + d) {
            let start = rng.below(colls.count)
            for k in 0..<colls.count {
                let ci = (start + k) % colls.count
                guard let (i, to) = pickMove(ci) else { continue }
                let ch = colls[ci].chunks[i]
                let m = Migration(coll: ci, lo: ch.lo, from: ch.shard, to: to, startedMs: nowMs, endsMs: nowMs + d)
                inFlight = m   // shows in config.migrations until it ends
                logMigrationStart(m)
                nextRoundMs = m.endsMs
                return
            }
        }
        logRound(at: nowMs, took: 0, candidates: 0, moved: 0, errmsg: nil)
        nextRoundMs = nowMs + Self.idleRoundMs
    }

    static let idleRoundMs: Int64 = 10_000
    static let busyRoundGapMs: Int64 = 1_000

    /// Chunks per shard of one collection, for each zone (nil: chunks outside every zone range).
    func loadsByZone(_ ci: Int) -> [String?: [Int]] {
        let c = colls[ci]
        if c.spec.zones.isEmpty { return [nil: c.counts] }
        var out: [String?: [Int]] = [nil: Array(repeating: 0, count: shards.count)]
        for z in c.spec.zones { out[z.zone] = Array(repeating: 0, count: shards.count) }
        for ch in c.chunks { out[c.zone(at: ch.lo), default: []][Int(ch.shard)] += 1 }
        return out
    }

    /// The zone keys of a collection in a fixed order: nil (outside every zone range), then its zones.
    static func zoneKeys(_ c: SimCollection) -> [String?] {
        c.spec.zones.reduce(into: [nil]) { if !$0.contains($1.zone) { $0.append($1.zone) } }
    }

    /// Shards that may receive a chunk of `zone`: never a draining one, and only the zone's shards.
    func eligible(_ zone: String?) -> [Int] {
        shards.indices.filter { !shards[$0].draining && (zone.map(shards[$0].zones.contains) ?? true) }
    }

    /// The most loaded and least loaded eligible shards of each zone, whose gap is at least the threshold;
    /// the zone with the widest gap.
    func widestGap(_ c: SimCollection, _ loads: [String?: [Int]], gap: (Int, Int) -> Int) -> (zone: String?, from: Int, to: Int)? {
        var best: (zone: String?, from: Int, to: Int, gap: Int)?
        for z in Self.zoneKeys(c) {
            let el = eligible(z)
            guard el.count >= 2, let l = loads[z] else { continue }
            let f = el.max { l[$0] < l[$1] }!, t = el.min { l[$0] < l[$1] }!
            let g = gap(l[f], l[t])
            if g >= Audit.chunkThreshold(el.reduce(0) { $0 + l[$1] }) && g > (best?.gap ?? 0) { best = (z, f, t, g) }
        }
        return best.map { ($0.zone, $0.from, $0.to) }
    }

    /// A chunk to move and where, as a balancer picks it: a chunk on a draining shard first, to the least
    /// loaded shard allowed for its zone; else, in the zone with the widest gap (counting that zone's chunks
    /// only), a chunk of the most loaded shard to the least loaded one, once the gap reaches the threshold.
    /// Never onto a draining shard; jumbo chunks stay put.
    mutating func pickMove(_ ci: Int) -> (Int, UInt8)? {
        let c = colls[ci]
        guard !c.spec.noBalance, !c.spec.unsplittable else { return nil }
        let loads = loadsByZone(ci)
        if let d = shards.indices.first(where: { shards[$0].draining && c.counts[$0] > 0 }) {
            guard let i = findChunk(ci, on: UInt8(d), where: { _ in true }) else { return nil }
            let z = c.zone(at: c.chunks[i].lo)
            guard let l = loads[z], let to = eligible(z).min(by: { l[$0] < l[$1] }) else { return nil }
            return (i, UInt8(to))
        }
        guard let (z, from, to) = widestGap(c, loads, gap: { $0 - $1 }),
              let i = findChunk(ci, on: UInt8(from), where: { c.zone(at: c.chunks[$0].lo) == z }) else { return nil }
        return (i, UInt8(to))
    }

    /// A random movable chunk on `shard` that passes `ok`: random probes, then a scan from a random start.
    mutating func findChunk(_ ci: Int, on shard: UInt8, where extra: (Int) -> Bool) -> Int? {
        let chunks = colls[ci].chunks
        let flying = inFlight.flatMap { $0.coll == ci ? $0.lo : nil }
        func ok(_ i: Int) -> Bool { chunks[i].shard == shard && !chunks[i].jumbo && chunks[i].lo != flying && extra(i) }
        for _ in 0..<32 { let i = rng.below(chunks.count); if ok(i) { return i } }
        let s = rng.below(chunks.count)
        return (0..<chunks.count).lazy.map { (s + $0) % chunks.count }.first(where: ok)
    }

    static let migrationErrors = [
        "Data transfer error: ExceededTimeLimit: Failed to delete orphaned documents within the range deletion timeout",
        "moveChunk command failed on source shard. :: caused by :: LockBusy: Unable to acquire X lock on collection",
        "Chunk move was not successful :: caused by :: ChunkTooBig: Cannot move chunk: the maximum number of documents for a chunk is 131072",
        "Migration aborted: recipient shard failed to clone documents :: caused by :: NetworkTimeout: Socket operation timed out",
    ]

    /// Commits (or, now and then, aborts) a started migration; returns the error message of a failure.
    @discardableResult
    mutating func finishMigration(_ m: Migration) -> String? {
        guard let i = colls[m.coll].chunks.firstIndex(where: { $0.lo == m.lo && $0.shard == m.from }) else { return nil }
        let c = colls[m.coll]
        let range: BSONDocument = ["min": .document(minDoc(c, i)), "max": .document(maxDoc(c, i))]
        if rng.chance(0.08) {
            let e = Self.migrationErrors[rng.below(Self.migrationErrors.count)]
            logMigrationEnd(m, range: range, errmsg: e)
            return e
        }
        colls[m.coll].major += 1
        colls[m.coll].minor = 0
        colls[m.coll].chunks[i].shard = m.to
        colls[m.coll].chunks[i].major = colls[m.coll].major
        colls[m.coll].chunks[i].minor = 0
        colls[m.coll].chunks[i].since = UInt32(nowMs / 1000)
        colls[m.coll].counts[Int(m.from)] -= 1
        colls[m.coll].counts[Int(m.to)] += 1
        logMigrationEnd(m, range: range, errmsg: nil)
        return nil
    }

    // MARK: changelog and actionlog

    /// `{min, max, lastmod, lastmodEpoch}` of one chunk, as split and merge entries describe chunks.
    func summary(_ c: SimCollection, _ i: Int) -> BSONDocument {
        ["min": .document(minDoc(c, i)), "max": .document(maxDoc(c, i)),
         "lastmod": .timestamp(BSONTimestamp(t: c.chunks[i].major, i: c.chunks[i].minor)), "lastmodEpoch": .objectId(c.epoch)]
    }

    mutating func log(_ what: String, ns: String, server: String, shard: UInt8?, at ms: Int64, details: BSONDocument) {
        var d: BSONDocument = ["_id": .string("\(server)-\(Self.iso(ms))-\(newObjectId(at: ms).hex)"), "server": .string(server)]
        if let s = shard { d["shard"] = .string(shardId(s)) }
        d["clientAddr"] = .string("10.20.\(rng.below(8)).\(10 + rng.below(200)):\(40_000 + rng.below(20_000))")
        d["time"] = .date(ms)
        d["what"] = .string(what)
        d["ns"] = .string(ns)
        d["details"] = .document(details)
        changelog.append(d)
        if changelog.count > Self.changelogCap { changelog.removeFirst(changelog.count - Self.changelogCap) }
    }

    mutating func logMigrationStart(_ m: Migration) {
        let c = colls[m.coll]
        guard let i = c.chunks.firstIndex(where: { $0.lo == m.lo }) else { return }
        log("moveChunk.start", ns: c.spec.ns, server: shards[Int(m.from)].primary, shard: m.from, at: m.startedMs,
            details: ["min": .document(minDoc(c, i)), "max": .document(maxDoc(c, i)),
                      "from": .string(shardId(m.from)), "to": .string(shardId(m.to))])
    }

    mutating func logMigrationEnd(_ m: Migration, range: BSONDocument, errmsg: String?) {
        let ns = colls[m.coll].spec.ns, donor = shards[Int(m.from)].primary
        let from = BSONValue.string(shardId(m.from)), to = BSONValue.string(shardId(m.to))
        let steps = (1...6).map { (k: Int) -> (String, BSONValue) in ("step \(k) of 6", .int32(Int32(rng.below(k == 4 ? 900 : 40)))) }
        var fromDetails = range
        for (k, v) in steps { fromDetails[k] = v }
        fromDetails["to"] = to
        fromDetails["from"] = from
        if let e = errmsg {
            log("moveChunk.error", ns: ns, server: donor, shard: m.from, at: nowMs - 10,
                details: range.merging(["from": from, "to": to, "errmsg": .string(e)]))
            fromDetails["errmsg"] = .string(e)
            fromDetails["note"] = .string("aborted")
        } else {
            var toDetails = range
            for k in 1...8 { toDetails["step \(k) of 8"] = .int32(Int32(rng.below(k == 4 ? 800 : 30))) }
            toDetails["note"] = .string("success")
            log("moveChunk.to", ns: ns, server: shards[Int(m.to)].primary, shard: m.to, at: nowMs - 200, details: toDetails)
            let docs = Int64(200 + rng.below(40_000))
            log("moveChunk.commit", ns: ns, server: donor, shard: m.from, at: nowMs - 100,
                details: range.merging(["from": from, "to": to,
                                        "counts": .document(["cloned": .int64(docs), "clonedBytes": .int64(docs * 310),
                                                             "catchup": .int64(0), "steady": .int64(0)])]))
            fromDetails["note"] = .string("success")
        }
        log("moveChunk.from", ns: ns, server: donor, shard: m.from, at: nowMs, details: fromDetails)
    }

    mutating func logRound(at ms: Int64, took: Int64, candidates: Int, moved: Int, errmsg: String?) {
        var details: BSONDocument = ["executionTimeMillis": .int32(Int32(clamping: took + 5 + Int64(rng.below(40))))]
        details[shape == .v4_4 || shape == .v5_0 ? "errorOccured" : "errorOccurred"] = .bool(errmsg != nil)
        if let e = errmsg { details["errmsg"] = .string(e) }
        details["candidateChunks"] = .int32(Int32(candidates))
        details["chunksMoved"] = .int32(Int32(moved))
        actionlog.append(["_id": .objectId(newObjectId(at: ms)), "server": .string(Self.configServer), "shard": .string("config"),
                          "clientAddr": .string(""), "time": .date(ms), "what": .string("balancer.round"), "ns": .string(""),
                          "details": .document(details)])
        if actionlog.count > Self.changelogCap { actionlog.removeFirst(actionlog.count - Self.changelogCap) }
    }

    static func iso(_ ms: Int64) -> String {
        var t = time_t(ms / 1000), tm = tm()
        gmtime_r(&t, &tm)
        return String(format: "%04d-%02d-%02dT%02d:%02d:%02d.%03d+00:00", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                      tm.tm_hour, tm.tm_min, tm.tm_sec, Int(ms % 1000))
    }

    // MARK: the past, written at start-up

    /// Fills the changelog and actionlog with the cluster's history: addShard and shardCollection from
    /// its creation, then two hours of splits, merges and migrations that explain the current chunks
    /// (the chunks themselves are not changed). At least one migration fails.
    mutating func backfillHistory() {
        let savedNow = nowMs
        for s in shards.indices {
            log("addShard", ns: "", server: Self.configServer, shard: nil, at: shards[s].addedMs,
                details: ["name": .string(shards[s].id), "host": .string(shards[s].host)])
        }
        for c in colls where !c.spec.unsplittable {
            let primary = Self.databaseList.first { $0.0 == c.spec.database }?.1 ?? "shard0"
            let p = UInt8(shards.firstIndex { $0.id == primary } ?? 0)
            var d: BSONDocument = ["shardKey": .document(Self.keyPattern(c.spec.kind)), "collection": .string(c.spec.ns)]
            if shape.atLeast5 { d["uuid"] = uuidValue(c) }
            d["empty"] = .bool(c.spec.zones.isEmpty)
            d["fromMapReduce"] = .bool(false)
            d["primary"] = .string("\(shardId(p)):\(shards[Int(p)].host)")
            d["numChunks"] = .int32(Int32(c.spec.zones.isEmpty ? 1 : c.spec.zones.count))
            log("shardCollection.start", ns: c.spec.ns, server: shards[Int(p)].primary, shard: p, at: c.spec.createdMs, details: d)
            log("shardCollection.end", ns: c.spec.ns, server: shards[Int(p)].primary, shard: p, at: c.spec.createdMs + 1_250,
                details: ["version": .string("1|0||\(c.epoch.hex)")])
        }
        if shape == .v4_4 {
            let t = savedNow - 9 * 86_400_000
            log("dropCollection.start", ns: "shop.carts_old", server: shards[0].primary, shard: 0, at: t, details: [:])
            log("dropCollection", ns: "shop.carts_old", server: shards[0].primary, shard: 0, at: t + 800, details: [:])
        }

        let history: Int64 = 2 * 3_600_000
        // The migration under way at the epoch: its round started 2.5 s ago.
        if let ci = colls.firstIndex(where: { $0.spec.ns == "iot.events" }), let (i, to) = pickMove(ci) {
            let m = Migration(coll: ci, lo: colls[ci].chunks[i].lo, from: colls[ci].chunks[i].shard, to: to,
                              startedMs: savedNow - 2_500, endsMs: savedNow + 2_000 + Int64(rng.below(6_000)))
            inFlight = m
            logMigrationStart(m)
        }

        // The balancer's work since its window opened, made newest first by undoing it from today's placement:
        // a success brought a chunk onto what was then the least loaded eligible shard, from a draining shard
        // or the most loaded one; a failure tried the same and left the chunk where it is. Rounds run back to
        // back (one migration each) while the window is open; before it opened there were none.
        var loads = colls.indices.map { loadsByZone($0) }
        var counts = colls.map(\.counts)
        var touched = Set<Int64>()   // chunks that moved (or are moving): no second move, no split in the past
        if let m = inFlight { touched.insert(Self.touchKey(m.coll, m.lo)) }
        var end = (inFlight?.startedMs ?? savedNow) - Self.busyRoundGapMs
        var wantFailure = 2   // a failed migration among the newest rounds
        while true {
            let d = migrationDuration()
            let start = end - d
            guard start > savedNow - history, Self.inWindow(start), Self.inWindow(end) else { break }
            let fail = wantFailure == 0 || rng.chance(0.04)
            if let (ci, i, from, to) = pastMove(failed: fail, loads: &loads, counts: &counts, touched: &touched) {
                let c = colls[ci]
                let m = Migration(coll: ci, lo: c.chunks[i].lo, from: from, to: to, startedMs: start, endsMs: end)
                nowMs = end
                logMigrationStart(m)
                let e = fail ? Self.migrationErrors[rng.below(Self.migrationErrors.count)] : nil
                logMigrationEnd(m, range: ["min": .document(minDoc(c, i)), "max": .document(maxDoc(c, i))], errmsg: e)
                logRound(at: end, took: d, candidates: 1, moved: fail ? 0 : 1, errmsg: e)
                if fail { wantFailure = -1 } else { colls[ci].chunks[i].since = max(c.chunks[i].created, UInt32(end / 1000)) }
                if wantFailure > 0 { wantFailure -= 1 }
                end = start - Self.busyRoundGapMs
            } else {
                logRound(at: end, took: 0, candidates: 0, moved: 0, errmsg: nil)
                end -= Self.idleRoundMs
            }
        }

        // Splits and merges at any hour, of chunks that have not moved since.
        let times = (0..<130).map { _ in savedNow - 1_000 - Int64(rng.below(Int(history))) }.sorted()
        for t in times {
            nowMs = t
            let roll = rng.unit()
            guard let ci = pickCollection(movableOnly: false) else { continue }
            let c = colls[ci]
            let i = rng.below(c.chunks.count)
            let ch = c.chunks[i]
            if roll < 0.72, i + 2 < c.chunks.count, c.chunks[i + 1].shard == ch.shard {
                let n = roll < 0.6 || c.chunks[i + 2].shard != ch.shard ? 2 : 3
                guard (i..<i + n).allSatisfy({ !touched.contains(Self.touchKey(ci, c.chunks[$0].lo)) }) else { continue }
                var before = summary(c, i)
                before["max"] = .document(maxDoc(c, i + n - 1))
                before["lastmod"] = .timestamp(BSONTimestamp(t: ch.major, i: ch.minor > 0 ? ch.minor - 1 : 0))
                let owner = BSONValue.string(shardId(ch.shard))
                if n == 2 {
                    log("split", ns: c.spec.ns, server: shards[Int(ch.shard)].primary, shard: ch.shard, at: t,
                        details: ["before": .document(before), "left": .document(summary(c, i)),
                                  "right": .document(summary(c, i + 1)), "owningShard": owner])
                } else {
                    for j in 0..<n {
                        log("multi-split", ns: c.spec.ns, server: shards[Int(ch.shard)].primary, shard: ch.shard, at: t,
                            details: ["before": .document(before), "number": .int32(Int32(j + 1)), "of": .int32(Int32(n)),
                                      "chunk": .document(summary(c, i + j)), "owningShard": owner])
                    }
                }
            } else if roll >= 0.72, c.hi(i) - ch.lo >= 4, !touched.contains(Self.touchKey(ci, ch.lo)) {
                let mid = ch.lo + (c.hi(i) - ch.lo) / 2
                let halves: [BSONValue] = [(ch.lo, mid), (mid, c.hi(i))].map { lo, hi in
                    .document(["min": .document(Self.bound(c.spec.kind, lo)), "max": .document(Self.bound(c.spec.kind, hi)),
                               "lastmod": .timestamp(BSONTimestamp(t: ch.major, i: ch.minor)), "lastmodEpoch": .objectId(c.epoch)])
                }
                log("merge", ns: c.spec.ns, server: shards[Int(ch.shard)].primary, shard: ch.shard, at: t,
                    details: ["merged": .array(halves), "mergedVersion": .timestamp(BSONTimestamp(t: ch.major, i: ch.minor)),
                              "owningShard": .string(shardId(ch.shard))])
            }
        }
        nowMs = savedNow
        changelog = Self.byTime(changelog)
        actionlog = Self.byTime(actionlog)
        if changelog.count > Self.changelogCap { changelog.removeFirst(changelog.count - Self.changelogCap) }
        if actionlog.count > Self.changelogCap { actionlog.removeFirst(actionlog.count - Self.changelogCap) }
    }

    static func touchKey(_ ci: Int, _ lo: Int64) -> Int64 { Int64(ci) << 56 ^ lo }

    /// One past migration, chosen by the balancer's rule against `loads`/`counts` as they were just before
    /// it (both rewound past it when it succeeded): (collection, chunk index, from, to).
    mutating func pastMove(failed: Bool, loads: inout [[String?: [Int]]], counts: inout [[Int]],
                           touched: inout Set<Int64>) -> (Int, Int, UInt8, UInt8)? {
        let start = rng.below(colls.count)
        for k in 0..<colls.count {
            let ci = (start + k) % colls.count
            let c = colls[ci]
            guard !c.spec.noBalance, !c.spec.unsplittable else { continue }
            let seen = touched
            let drain = shards.indices.first { shards[$0].draining && counts[ci][$0] > 0 }
            var pick: (zone: String?, from: Int, to: Int)?
            if let d = drain {
                // A draining shard's chunks lie outside the zones it lacks; they go to the least loaded shard.
                let z: String? = nil
                guard let l = loads[ci][z], let t = eligible(z).min(by: { l[$0] < l[$1] }), failed || l[t] > 0 else { continue }
                pick = (z, d, t)
            } else {
                // Before a success the donor held one more and the recipient one fewer.
                pick = widestGap(c, loads[ci], gap: failed ? { $0 - $1 } : { $0 - $1 + 2 })
            }
            guard let (z, from, to) = pick else { continue }
            let holder = UInt8(failed ? from : to)
            guard let i = findChunk(ci, on: holder, where: { c.zone(at: c.chunks[$0].lo) == z && !seen.contains(Self.touchKey(ci, c.chunks[$0].lo)) })
            else { continue }
            touched.insert(Self.touchKey(ci, c.chunks[i].lo))
            if !failed {
                loads[ci][z]![from] += 1
                loads[ci][z]![to] -= 1
                counts[ci][from] += 1
                counts[ci][to] -= 1
            }
            return (ci, i, UInt8(from), UInt8(to))
        }
        return nil
    }

    /// Stable sort by `time` (entries logged for one moment keep their order).
    static func byTime(_ docs: [BSONDocument]) -> [BSONDocument] {
        docs.enumerated().sorted { a, b in
            let ta = a.element["time"]?.dateValue ?? .distantPast, tb = b.element["time"]?.dateValue ?? .distantPast
            return ta != tb ? ta < tb : a.offset < b.offset
        }.map(\.element)
    }
}

extension DemoCluster.CollSpec {
    var database: String { String(ns.prefix { $0 != "." }) }
}

extension BSONDocument {
    /// This document followed by `other`'s fields.
    fileprivate func merging(_ other: BSONDocument) -> BSONDocument { BSONDocument(elements + other.elements) }
}
