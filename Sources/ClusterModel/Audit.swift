import Foundation

/// The audit rules: pure functions from a snapshot (plus chunk facts and probe results, where gathered) to findings.
/// The one source of truth for `shardscope audit`, the TUI's Health pane, its header badge and the Overview's problems.
public enum Audit {
    /// Findings sorted most serious first, then by id and subject.
    public static func run(_ snapshot: ClusterSnapshot, _ inputs: AuditInputs = AuditInputs()) -> [Finding] {
        var snap = snapshot
        if let extra = inputs.recentChangelog, !extra.isEmpty {
            let known = Set(snap.changelog.map(\.id))
            snap.changelog = (snap.changelog + extra.filter { !known.contains($0.id) }).sorted { $0.time > $1.time }
        }
        var out: [Finding] = []
        out += distribution(snap)
        out += jumbo(snap, inputs.chunks)
        out += zones(snap, inputs.chunks)
        out += balancer(snap, timeZone: inputs.timeZone)
        out += migrations(snap)
        out += shards(snap)
        out += routers(snap)
        out += resilience(snap, inputs.probes)
        out += durability(snap, inputs.probes)
        return sorted(out)
    }

    public static func sorted(_ list: [Finding]) -> [Finding] {
        // Stable: rules emit in a meaningful order (by namespace, by time); keep it within an id.
        let order = Dictionary(list.enumerated().map { ($0.element.id, $0.offset) }, uniquingKeysWith: min)
        return list.enumerated().sorted { a, b in
            if a.element.severity != b.element.severity { return a.element.severity > b.element.severity }
            let oa = order[a.element.id]!, ob = order[b.element.id]!
            return oa != ob ? oa < ob : a.offset < b.offset
        }.map(\.element)
    }

    static func esc(_ s: String) -> String { SafeText.escaped(s) }
    static func coll(_ s: String) -> Finding.Subject { .init(.collection, s) }

    // MARK: formatting shared by messages

    /// `{ region: "EU", id: MinKey }` (one field: the value alone).
    public static func key(_ doc: BSONDocument) -> String {
        func value(_ v: BSONValue) -> String {
            switch v {
            case .minKey: return "MinKey"
            case .maxKey: return "MaxKey"
            case .string(let s): return "\"" + esc(s) + "\""
            case .int32(let i): return String(i)
            case .int64(let i): return String(i)
            case .objectId(let o): return "ObjectId(\(o.hex))"
            default: return esc(v.relaxedExtendedJSON.serialized(indent: 0))
            }
        }
        if doc.count == 1, let v = doc.elements.first?.value { return value(v) }
        return "{ " + doc.elements.map { "\(esc($0.key)): \(value($0.value))" }.joined(separator: ", ") + " }"
    }
    static func range(_ min: BSONDocument, _ max: BSONDocument) -> String { "[\(key(min)), \(key(max)))" }
    static func rangeJSON(_ min: BSONDocument, _ max: BSONDocument) -> JSONValue {
        ["min": min.relaxedExtendedJSON, "max": max.relaxedExtendedJSON]
    }
    static func bytes(_ b: Int64) -> String { NumberText.bytes(b) }
    static func count(_ n: Int) -> String { NumberText.count(n) }
    static func minutes(_ s: Double) -> String { s < 7200 ? "\(whole(s / 60)) min" : s < 172_800 ? "\(whole(s / 3600)) h" : "\(whole(s / 86400)) d" }
    /// A Double from cluster data (ages, lags) as a whole number toward zero, clamped to Int64 (NaN: 0): never traps.
    static func whole(_ d: Double) -> Int64 {
        if d.isNaN { return 0 }
        return Int64(exactly: d.rounded(.towardZero)) ?? (d > 0 ? .max : .min)
    }

    // MARK: distribution

    /// The balancer's chunk-count migration threshold before 6.0.3 (fewer than 20 chunks: 2; 20–79: 4; 80 or more: 8).
    /// The one definition: the Collections pane and the demo's balancer use it too.
    public static func chunkThreshold(_ chunks: Int) -> Int { chunks < 20 ? 2 : chunks < 80 ? 4 : 8 }

    /// Whether the server balances by data size (6.0.3+); nil when the version is unknown.
    static func balancesByDataSize(_ snap: ClusterSnapshot) -> Bool? {
        if snap.dataDistribution != nil { return true }     // $shardedDataDistribution exists only on 6.0.3+
        guard let v = snap.serverVersion, !v.isEmpty else { return nil }
        return ClusterDiff.compareVersions(v, "6.0.3") >= 0
    }

    /// The range sizes the server accepts, in MB: `config.settings` chunksize and configureCollectionBalancing's
    /// chunkSize are both 1 to 1024 MB inclusive (manual, "Modify Range Size in a Sharded Cluster": "The allowed range
    /// of the chunk size is between 1 and 1024 megabytes, inclusive"). A value outside it (hand-edited config data) is
    /// clamped into it, as the balancer could not use it either.
    public static let rangeSizeMB: ClosedRange<Int64> = 1...1024
    static let mebibyte: Int64 = 1024 * 1024

    /// The range size a collection is balanced by: its own `maxChunkSizeBytes`, else `config.settings` chunksize, else
    /// 128 MB; clamped to `rangeSizeMB`.
    public static func rangeSizeBytes(_ c: ShardedCollection, _ snap: ClusterSnapshot) -> Int64 {
        let bytes = rangeSizeMB.lowerBound * mebibyte...rangeSizeMB.upperBound * mebibyte
        if let own = c.maxChunkSizeBytes { return min(max(own, bytes.lowerBound), bytes.upperBound) }
        let mb = Int64(clamping: snap.balancer.chunkSizeMB ?? 128)
        return min(max(mb, rangeSizeMB.lowerBound), rangeSizeMB.upperBound) * mebibyte
    }

    /// a × b, or the nearest of Int64.min/max when it overflows.
    static func saturatingProduct(_ a: Int64, _ b: Int64) -> Int64 {
        let (v, o) = a.multipliedReportingOverflow(by: b)
        return o ? ((a < 0) != (b < 0) ? .min : .max) : v
    }
    /// a − b, or the nearest of Int64.min/max when it overflows.
    static func saturatingDifference(_ a: Int64, _ b: Int64) -> Int64 {
        let (v, o) = a.subtractingReportingOverflow(b)
        return o ? (b < 0 ? .max : .min) : v
    }

    static func distribution(_ snap: ClusterSnapshot) -> [Finding] {
        var out: [Finding] = []
        let bySize = balancesByDataSize(snap)
        let eligible = snap.eligibleShards
        let zoned = Set(snap.zoneRanges.map(\.ns))
        for c in snap.collections {
            let counts = snap.chunkCounts(for: c.ns)
            let total = snap.totalChunks(for: c.ns)
            // A zoned collection is balanced within each zone's shards, not across all of them: comparing its
            // per-shard totals would report the zones themselves as imbalance. The zone rules cover it.
            guard total > 0, !zoned.contains(c.ns) else { continue }
            // Chunk counts (the rule before 6.0.3: max − min over shards that can receive chunks, beyond the threshold).
            let imb = snap.imbalance(for: c.ns), limit = chunkThreshold(total)
            if imb > limit, let extremes = snap.chunkLoadExtremes(for: c.ns) {
                let (most, least) = extremes
                let note = bySize == true ? " (the server balances by data size since 6.0.3: counts are a hint)" : ""
                out.append(Finding(
                    id: "distribution.chunk-imbalance", severity: bySize == true ? .info : .warning, subject: coll(c.ns),
                    message: "\(esc(c.ns)): \(count(most.value)) chunks on \(esc(most.shard)), \(count(least.value)) on \(esc(least.shard)): difference \(count(imb)) exceeds the balancer's threshold of \(limit) for \(count(total)) chunks\(note)",
                    advice: c.balancing ? "check that the balancer runs (window, failed rounds) and that nothing blocks migrations of this collection"
                                        : "balancing is off for this collection: re-enable it (sh.enableBalancing) or move chunks by hand",
                    data: ["chunks": .int(Int64(total)), "difference": .int(Int64(imb)), "threshold": .int(Int64(limit)),
                           "mostLoaded": ["shard": .string(most.shard), "chunks": .int(Int64(most.value))],
                           "leastLoaded": ["shard": .string(least.shard), "chunks": .int(Int64(least.value))]]))
            }
            // Data size (6.0.3+): the server considers a collection balanced when the data-size difference between its
            // most and least loaded shards is below three times the range size (DOCS-15792, "The migration threshold for
            // 6.0 is 3x the configured chunk size for a given collection", https://jira.mongodb.org/browse/DOCS-15792;
            // manual: core/sharding-balancer-administration, "Migration Thresholds").
            if let sizes = snap.dataDistribution?[c.ns] {
                if let extremes = snap.loadExtremes(Dictionary(sizes.map { ($0.shard, $0.ownedSizeBytes) }, uniquingKeysWith: { $1 })) {
                    let (most, least) = extremes
                    let diff = saturatingDifference(most.value, least.value), limit = saturatingProduct(3, rangeSizeBytes(c, snap))
                    if diff >= limit {
                        out.append(Finding(
                            id: "distribution.data-imbalance", severity: .warning, subject: coll(c.ns),
                            message: "\(esc(c.ns)): \(bytes(most.value)) on \(esc(most.shard)), \(bytes(least.value)) on \(esc(least.shard)): difference \(bytes(diff)) reaches 3 × the range size (\(bytes(limit)))",
                            advice: c.balancing ? "check the balancer (window, failed rounds, jumbo chunks); a shard key with low cardinality can also keep data from moving"
                                                : "balancing is off for this collection: re-enable it or move ranges by hand",
                            data: ["differenceBytes": .int(diff), "thresholdBytes": .int(limit),
                                   "mostLoaded": ["shard": .string(most.shard), "bytes": .int(most.value)],
                                   "leastLoaded": ["shard": .string(least.shard), "bytes": .int(least.value)]]))
                    }
                }
            }
            // All chunks on one shard while other shards (that could take them) hold none.
            let holders = counts.filter { $0.chunks > 0 }
            if total > 1, holders.count == 1, eligible.filter({ $0 != holders[0].shard }).count >= 1 {
                let empty = eligible.filter { $0 != holders[0].shard }
                out.append(Finding(
                    id: "distribution.single-shard", severity: .warning, subject: coll(c.ns),
                    message: "\(esc(c.ns)): all \(count(total)) chunks are on \(esc(holders[0].shard)); \(empty.count) other shard\(empty.count == 1 ? " holds" : "s hold") none",
                    advice: c.balancing ? "the balancer has not spread this collection: check its window and failed rounds, or the collection's zones"
                                        : "balancing is off for this collection: re-enable it to spread the chunks",
                    data: ["shard": .string(holders[0].shard), "chunks": .int(Int64(total)), "emptyShards": .array(empty.map { .string($0) })]))
            }
        }
        return out
    }

    // MARK: jumbo

    static func jumbo(_ snap: ClusterSnapshot, _ facts: ChunkFacts?) -> [Finding] {
        snap.collections.compactMap { c in
            let n = snap.jumboChunks(for: c.ns)
            guard n > 0 else { return nil }
            let list = facts?.jumbo[c.ns] ?? []
            var message = "\(esc(c.ns)): \(count(n)) jumbo chunk\(n == 1 ? "" : "s")"
            if !list.isEmpty {
                message += ": " + list.prefix(3).map { "\(range($0.min, $0.max)) on \(esc($0.shard))" }.joined(separator: ", ")
                if n > 3 { message += ", …" }
            } else if facts?.scanned.contains(c.ns) != true {
                message += " (ranges not loaded)"
            }
            let per = snap.chunkCounts(for: c.ns).filter { $0.jumbo > 0 }
            return Finding(
                id: "jumbo.chunks", severity: .warning, subject: coll(c.ns), message: message,
                advice: "a jumbo chunk cannot be moved by the balancer: split it (sh.splitAt / splitFind) or refine the shard key; clear the flag with clearJumboFlag once split",
                data: ["count": .int(Int64(n)),
                       "byShard": .object(per.map { ($0.shard, .int(Int64($0.jumbo))) }),
                       "ranges": .array(list.map { ["shard": .string($0.shard), "min": $0.min.relaxedExtendedJSON, "max": $0.max.relaxedExtendedJSON] })])
        }
    }

    // MARK: zones

    static func zones(_ snap: ClusterSnapshot, _ facts: ChunkFacts?) -> [Finding] {
        var out: [Finding] = []
        let known = Set(snap.collections.map(\.ns))
        let shardZones = Set(snap.shards.flatMap(\.zones))
        let rangeZones = Set(snap.zoneRanges.map(\.zone))
        for ns in Array(Set(snap.zoneRanges.map(\.ns))).sorted() {
            let ranges = snap.zoneRanges(for: ns)
            guard known.contains(ns) else {
                out.append(Finding(
                    id: "zones.orphan-ranges", severity: .warning, subject: .init(.zone, ranges[0].zone),
                    message: "\(ranges.count) zone range\(ranges.count == 1 ? "" : "s") for \(esc(ns)), which is not a sharded collection",
                    advice: "remove them with sh.removeRangeFromZone (ranges outlive a dropped collection and would apply to a new one of that name)",
                    data: ["ns": .string(ns), "zones": .array(Array(Set(ranges.map(\.zone))).sorted().map { .string($0) })]))
                continue
            }
            for (a, b) in zip(ranges, ranges.dropFirst()) {
                let c = BSONDocument.compareKeys(a.max, b.min)
                if c > 0 {
                    out.append(Finding(
                        id: "zones.overlap", severity: .error, subject: coll(ns),
                        message: "\(esc(ns)): zone ranges overlap: \(esc(a.zone)) \(range(a.min, a.max)) and \(esc(b.zone)) \(range(b.min, b.max))",
                        advice: "remove one of the ranges and re-add it without the overlap (sh.removeRangeFromZone, sh.updateZoneKeyRange)",
                        data: ["first": ["zone": .string(a.zone), "min": a.min.relaxedExtendedJSON, "max": a.max.relaxedExtendedJSON],
                               "second": ["zone": .string(b.zone), "min": b.min.relaxedExtendedJSON, "max": b.max.relaxedExtendedJSON]]))
                } else if c < 0 {
                    out.append(Finding(
                        id: "zones.gap", severity: .warning, subject: coll(ns),
                        message: "\(esc(ns)): no zone covers \(range(a.max, b.min)) (between \(esc(a.zone)) and \(esc(b.zone)))",
                        advice: "chunks in a gap may go to any shard; add a range for it if every key must stay in a zone",
                        data: ["gap": rangeJSON(a.max, b.min), "after": .string(a.zone), "before": .string(b.zone)]))
                }
            }
        }
        for zone in rangeZones.sorted() where !shardZones.contains(zone) {
            let n = snap.zoneRanges.filter { $0.zone == zone }.count
            out.append(Finding(
                id: "zones.no-shard", severity: .error, subject: .init(.zone, zone),
                message: "zone \(esc(zone)) has \(n) range\(n == 1 ? "" : "s") but no shard: its chunks cannot be placed",
                advice: "add the zone to a shard (sh.addShardToZone) or remove its ranges",
                data: ["ranges": .int(Int64(n))]))
        }
        for zone in shardZones.subtracting(rangeZones).sorted() {
            let holders = snap.shards.filter { $0.zones.contains(zone) }.map(\.id)
            out.append(Finding(
                id: "zones.unused", severity: .info, subject: .init(.zone, zone),
                message: "zone \(esc(zone)) is on \(holders.map(esc).joined(separator: ", ")) but no range uses it",
                advice: "harmless; remove it (sh.removeShardFromZone) if it is left over",
                data: ["shards": .array(holders.map { .string($0) })]))
        }
        // Chunks inside a zone's range on a shard outside the zone.
        let zoned = Array(Set(snap.zoneRanges.map(\.ns)).intersection(known)).sorted()
        if let facts {
            for ns in zoned {
                let n = facts.misplacedCount[ns] ?? 0
                guard n > 0, let list = facts.misplaced[ns] else { continue }
                let capped = facts.misplacedCapped.contains(ns)
                var message = "\(esc(ns)): \(count(n))\(capped ? "+" : "") chunk\(n == 1 ? " lies" : "s lie") in a zone's range on a shard outside that zone: "
                message += list.prefix(2).map { "\(range($0.chunk.min, $0.chunk.max)) of \(esc($0.zone)) on \(esc($0.chunk.shard))" }.joined(separator: ", ")
                if n > 2 { message += ", …" }
                let jumbo = list.filter { $0.chunk.jumbo }.count
                out.append(Finding(
                    id: "zones.wrong-shard", severity: .warning, subject: coll(ns), message: message,
                    advice: jumbo > 0 ? "\(jumbo == list.count ? "it is" : "some are") jumbo, so the balancer cannot move \(jumbo == list.count ? "it" : "them") into the zone: split first (sh.splitAt), then let the balancer move the pieces"
                                      : "the balancer moves such chunks when it can: check that it runs and that the zone's shards are not draining",
                    data: ["count": .int(Int64(n)), "countIsAtLeast": .bool(capped),
                           "chunks": .array(list.map { ["zone": .string($0.zone), "shard": .string($0.chunk.shard),
                                                        "min": $0.chunk.min.relaxedExtendedJSON, "max": $0.chunk.max.relaxedExtendedJSON] })]))
            }
        } else if !zoned.isEmpty {
            out.append(Finding(
                id: "zones.wrong-shard.not-checked", severity: .info, subject: .cluster,
                message: "chunks in the wrong zone: not checked (the chunks of \(zoned.count) zoned collection\(zoned.count == 1 ? "" : "s") were not scanned)",
                advice: "run `shardscope audit`, which scans them", data: ["collections": .array(zoned.map { .string($0) })]))
        }
        return out
    }

    // MARK: balancer

    static func balancer(_ snap: ClusterSnapshot, timeZone: TimeZone) -> [Finding] {
        var out: [Finding] = []
        let b = snap.balancer
        if !b.enabled {
            out.append(Finding(
                id: "balancer.stopped", severity: .warning, subject: .balancer,
                message: "the balancer is stopped (mode \(esc(b.effectiveMode)))",
                advice: "start it with sh.startBalancer() once maintenance is over; chunks do not move while it is stopped",
                data: ["stopped": .bool(b.stopped), "mode": .optional(b.mode)]))
        }
        if let w = b.activeWindow {
            if let a = BalancerWindow.minutes(w.start), let z = BalancerWindow.minutes(w.stop) {
                let length = (z - a + 1440) % 1440
                if length > 0, length < 60 {
                    out.append(Finding(
                        id: "balancer.short-window", severity: .warning, subject: .balancer,
                        message: "the balancer's active window \(esc(w.start))–\(esc(w.stop)) is \(length) min long",
                        advice: "a window under an hour leaves little time to migrate; widen it (config.settings balancer activeWindow)",
                        data: ["start": .string(w.start), "stop": .string(w.stop), "minutes": .int(Int64(length))]))
                }
                if b.enabled, snap.insideBalancerWindow(timeZone: timeZone) == false {
                    out.append(Finding(
                        id: "balancer.window-closed", severity: .info, subject: .balancer,
                        message: "the balancer's active window \(esc(w.start))–\(esc(w.stop)) is closed now (\(timeZone.identifier))",
                        advice: "no migrations until the window opens; the window is read in the config primary's time zone (--time-zone)",
                        data: ["start": .string(w.start), "stop": .string(w.stop), "timeZone": .string(timeZone.identifier)]))
                }
            } else {
                out.append(Finding(
                    id: "balancer.bad-window", severity: .warning, subject: .balancer,
                    message: "the balancer's active window \(esc(w.start))–\(esc(w.stop)) is not HH:MM–HH:MM",
                    advice: "fix config.settings balancer activeWindow; the server ignores a window it cannot parse",
                    data: ["start": .string(w.start), "stop": .string(w.stop)]))
            }
        }
        for c in snap.collections {
            if c.noBalance || !c.allowMigrations {
                let what = [c.noBalance ? "noBalance" : nil, c.allowMigrations ? nil : "migrations not permitted"].compactMap { $0 }.joined(separator: ", ")
                out.append(Finding(
                    id: "balancer.collection-off", severity: .warning, subject: coll(c.ns),
                    message: "\(esc(c.ns)): balancing is off (\(what))",
                    advice: "re-enable with sh.enableBalancing(\"\(esc(c.ns))\") (or setAllowMigrations true) if this is not deliberate",
                    data: ["noBalance": .bool(c.noBalance), "allowMigrations": .bool(c.allowMigrations)]))
            }
            if c.defragmenting {
                out.append(Finding(
                    id: "balancer.defragmenting", severity: .info, subject: coll(c.ns),
                    message: "\(esc(c.ns)): left in defragmentation (defragmentCollection is set)",
                    advice: "let it finish, or stop it with configureCollectionBalancing {defragmentCollection: false}", data: [:]))
            }
        }
        let failed = snap.balancerRounds.filter(\.errorOccurred)
        if !failed.isEmpty {
            let newest = snap.balancerRounds.first!.errorOccurred
            var reasons: [(String, Int)] = []
            for r in failed {
                let m = esc(r.errmsg ?? "unknown")
                if let i = reasons.firstIndex(where: { $0.0 == m }) { reasons[i].1 += 1 } else { reasons.append((m, 1)) }
            }
            out.append(Finding(
                id: "balancer.failed-rounds", severity: newest ? .error : .warning, subject: .balancer,
                message: "\(failed.count) of the last \(snap.balancerRounds.count) balancer rounds failed" + (newest ? ", the newest among them" : "")
                    + ": " + reasons.prefix(2).map { "\(innermostCause($0.0)) (×\($0.1))" }.joined(separator: "; "),
                advice: "read the config primary's log around the failed rounds; the error usually names a collection or shard",
                data: ["failed": .int(Int64(failed.count)), "rounds": .int(Int64(snap.balancerRounds.count)), "newestFailed": .bool(newest),
                       "reasons": .array(reasons.map { ["errmsg": .string($0.0), "count": .int(Int64($0.1))] })]))
        }
        return out
    }

    // MARK: migrations

    /// A migration that finished in a window, from the changelog.
    public struct Migration: Hashable, Sendable {
        public var entry: ChangelogEntry
        public var failed: Bool
        public var reason: String?
    }

    /// Migrations finished in the 24 h before `asOf`: commits succeeded; `.error` (or a `from` with an error) failed.
    /// A donor logs a failure twice — `moveChunk.error` and a `moveChunk.from` carrying the errmsg — so a failing
    /// `from` counts only when no `.error` for the same chunk (ns and details.min) lies within five minutes of it.
    public static func recentMigrations(_ changelog: [ChangelogEntry], asOf: Date) -> [Migration] {
        let since = asOf.addingTimeInterval(-86400)
        let recent = changelog.filter { $0.time >= since && $0.time <= asOf.addingTimeInterval(60) }
        let errors = recent.filter { $0.what == "moveChunk.error" }
        func reportedAsError(_ from: ChangelogEntry) -> Bool {
            errors.contains { $0.ns == from.ns && $0.details["min"] == from.details["min"] && abs($0.time.timeIntervalSince(from.time)) <= 300 }
        }
        return recent.compactMap { e in
            switch e.what {
            case "moveChunk.commit": return Migration(entry: e, failed: false, reason: nil)
            case "moveChunk.error": return Migration(entry: e, failed: true, reason: reason(e))
            case "moveChunk.from" where e.isError && !reportedAsError(e): return Migration(entry: e, failed: true, reason: reason(e))
            default: return nil
            }
        }
    }

    static func reason(_ e: ChangelogEntry) -> String? {
        for k in ["errmsg", "error", "note"] { if let v = e.details[k] { return esc(v.stringValue ?? v.relaxedExtendedJSON.serialized(indent: 0)) } }
        return nil
    }

    /// "… :: caused by :: LockBusy: Unable to acquire X lock" → "LockBusy: Unable to acquire X lock" (the whole text
    /// stays in the finding's data).
    static func innermostCause(_ reason: String) -> String {
        let last = reason.components(separatedBy: ":: caused by ::").last?.trimmingCharacters(in: .whitespaces) ?? ""
        return last.isEmpty ? reason : last
    }

    static func migrations(_ snap: ClusterSnapshot) -> [Finding] {
        let failed = recentMigrations(snap.changelog, asOf: snap.asOf).filter(\.failed)
        var groups: [(reason: String, list: [Migration])] = []
        for m in failed {
            let r = m.reason ?? "unknown"
            if let i = groups.firstIndex(where: { $0.reason == r }) { groups[i].list.append(m) } else { groups.append((r, [m])) }
        }
        return groups.map { g in
            let namespaces = Array(Set(g.list.map(\.entry.ns))).sorted()
            let subject: Finding.Subject = namespaces.count == 1 ? coll(namespaces[0]) : .balancer
            // The innermost cause first ("LockBusy: Unable to acquire …"), so a narrow column still tells reasons apart.
            return Finding(
                id: "migrations.failed", severity: .warning, subject: subject,
                message: "\(innermostCause(g.reason)): \(g.list.count) migration\(g.list.count == 1 ? "" : "s") failed in the last 24 h (\(namespaces.prefix(3).map(esc).joined(separator: ", "))\(namespaces.count > 3 ? ", …" : ""))",
                advice: "see the changelog (pane 6) for each failure; repeated failures for one reason usually need a fix before the balancer can progress",
                data: ["reason": .string(g.reason), "count": .int(Int64(g.list.count)), "namespaces": .array(namespaces.map { .string($0) }),
                       "newest": .string(ISO8601.string(g.list[0].entry.time))])
        }
    }

    // MARK: shards

    static func shards(_ snap: ClusterSnapshot) -> [Finding] {
        var out: [Finding] = []
        let per = Dictionary(uniqueKeysWithValues: snap.chunksPerShard.map { ($0.shard, $0.chunks) })
        for s in snap.shards where s.draining {
            let left = per[s.id] ?? 0
            let primaries = snap.databases.filter { $0.primary == s.id }.map(\.name)
            var message = "shard \(esc(s.id)) is draining: \(count(left)) chunk\(left == 1 ? "" : "s") left"
            if !primaries.isEmpty { message += "; primary shard of \(primaries.map(esc).joined(separator: ", "))" }
            out.append(Finding(
                id: "shards.draining", severity: .warning, subject: .init(.shard, s.id), message: message,
                advice: primaries.isEmpty ? "let the balancer empty it, then run removeShard again to finish"
                                          : "move those databases' primaries (movePrimary) before the removal can finish",
                data: ["chunksLeft": .int(Int64(left)), "primaryOf": .array(primaries.map { .string($0) })]))
        }
        for s in snap.shards where s.replicaSet == nil {
            out.append(Finding(
                id: "shards.not-replica-set", severity: .warning, subject: .init(.shard, s.id),
                message: "shard \(esc(s.id)) is a single host (\(esc(s.host))), not a replica set: no failover",
                advice: "convert it to a replica set (the only supported shard type since 3.6) before a host loss takes its data offline",
                data: ["host": .string(s.host)]))
        }
        return out
    }

    // MARK: routers

    /// A mongos not pinging for this long is reported.
    public static let staleMongosSeconds: TimeInterval = 300

    static func routers(_ snap: ClusterSnapshot) -> [Finding] {
        var out: [Finding] = []
        // Live: against the server's clock (asOf), so routers that all stopped are caught too. A dump: against the
        // newest ping it holds (its asOf may come from a later changelog entry), else asOf.
        let reference = snap.source.kind == .live ? snap.asOf : (snap.newestMongosPing ?? snap.asOf)
        for m in snap.mongos {
            let age = m.ping.map { reference.timeIntervalSince($0) }
            guard age == nil || age! > staleMongosSeconds else { continue }
            out.append(Finding(
                id: "mongos.stale", severity: .warning, subject: .init(.mongos, m.host),
                message: "mongos \(esc(m.host)) " + (age.map { "has not pinged for \(minutes($0))" } ?? "has never pinged"),
                advice: "a router that stopped pinging is down or cannot reach the config servers; if it was retired, remove its config.mongos entry",
                data: ["pingAgeSeconds": age.map { .int(whole($0)) } ?? .null]))
        }
        let versions = Dictionary(grouping: snap.mongos.filter { $0.version != nil }, by: { $0.version! })
        if versions.count > 1 {
            let list = versions.sorted { ($0.value.count, $1.key) > ($1.value.count, $0.key) }
            out.append(Finding(
                id: "mongos.versions", severity: .warning, subject: .init(.mongos, list[1].value[0].host),
                message: "mongos run \(versions.count) versions: " + list.map { "\(esc($0.key)) ×\($0.value.count)" }.joined(separator: ", "),
                advice: "finish the upgrade (or roll back) so every router runs the same version",
                data: .object(list.map { ($0.key, .array($0.value.map { .string($0.host) })) })))
        }
        return out
    }

    // MARK: resilience

    /// Replication lag above this is reported.
    public static let lagSeconds: TimeInterval = 10

    static func notLive(_ id: String, _ what: String, advice: String) -> Finding {
        Finding(id: id, severity: .info, subject: .cluster, message: "\(what): not checked: needs a live connection", advice: advice)
    }

    static func resilience(_ snap: ClusterSnapshot, _ probes: [ReplicaSetProbe]?) -> [Finding] {
        guard let probes else {
            return [notLive("resilience.not-checked", "replica-set health of the shards",
                            advice: snap.source.kind == .live ? "run with --probe-shards to connect to each shard's members"
                                                              : "audit a live cluster with --probe-shards")]
        }
        var out: [Finding] = []
        for p in probes {
            let subject = p.subject, who = p.label
            if let why = p.notProbed {
                out.append(Finding(
                    id: "resilience.not-probed", severity: .info, subject: subject,
                    message: "\(who): not probed (\(esc(why)))",
                    advice: "grant clusterMonitor (getShardMap) to probe the config servers too", data: [:]))
                continue
            }
            let down = p.hosts.filter { !$0.reachable }
            for h in down {
                out.append(Finding(
                    id: "resilience.unreachable", severity: .warning, subject: subject,
                    message: "\(who): no answer from \(esc(h.host)): \(esc(h.error ?? ""))",
                    advice: "check the host and the network from here; a member that is down lowers the set's fault tolerance",
                    data: ["host": .string(h.host)]))
            }
            let primaries = p.hosts.filter(\.isWritablePrimary).map(\.host) + (p.members ?? []).filter { $0.state == 1 && $0.health > 0 }.map(\.name)
            if Set(primaries).isEmpty {
                out.append(Finding(
                    id: "resilience.no-primary", severity: .error, subject: subject,
                    message: "\(who): no primary" + (down.count == p.hosts.count ? " (no member answered)" : ""),
                    advice: "writes to this shard fail until a primary is elected: check that a majority of voting members is up and can reach each other",
                    data: ["hosts": .array(p.hosts.map { ["host": .string($0.host), "role": .string($0.role)] })]))
            }
            for m in p.members ?? [] where m.health == 0 || [3, 6, 8, 9, 10].contains(m.state) {
                out.append(Finding(
                    id: "resilience.member-unhealthy", severity: .warning, subject: subject,
                    message: "\(who): member \(esc(m.name)) is \(esc(m.health == 0 && m.state != 8 ? "unreachable (\(m.stateStr))" : m.stateStr))",
                    advice: m.state == 3 ? "a RECOVERING member is catching up or resyncing; if it stays there, read its log" : "bring the member back or replace it",
                    data: ["member": .string(m.name), "state": .string(m.stateStr), "health": .double(m.health)]))
            }
            if let members = p.members, let primaryOptime = members.first(where: { $0.state == 1 })?.optime {
                for m in members where m.state == 2 && m.health > 0 {
                    guard let t = m.optime else { continue }
                    let lag = primaryOptime.timeIntervalSince(t)
                    if lag > lagSeconds {
                        out.append(Finding(
                            id: "resilience.lag", severity: .warning, subject: subject,
                            message: "\(who): secondary \(esc(m.name)) is \(whole(lag)) s behind the primary",
                            advice: "a lagging secondary slows majority writes and may fall off the oplog; check its load, disk and network",
                            data: ["member": .string(m.name), "lagSeconds": .int(whole(lag))]))
                    }
                }
            }
            if let voting = votingCount(p), voting < 3 {
                out.append(Finding(
                    id: "resilience.few-voters", severity: .warning, subject: subject,
                    message: "\(who): \(voting) voting member\(voting == 1 ? "" : "s"): losing one leaves no majority to elect a primary",
                    advice: "run at least three voting members (better: three data-bearing ones)",
                    data: ["votingMembers": .int(Int64(voting))]))
            }
            if p.members == nil, let e = p.statusError {
                out.append(Finding(
                    id: "resilience.status-unavailable", severity: .info, subject: subject,
                    message: "\(who): replSetGetStatus not available (\(esc(e))); states and lag from hello only",
                    advice: "grant clusterMonitor on the shards to see member states and replication lag", data: [:]))
            }
        }
        return out
    }

    /// Voting members: from replSetGetStatus when it says, else the set as `hello` lists it (hosts, passives, arbiters;
    /// a non-voting member is among the passives, so this may count one too many).
    static func votingCount(_ p: ReplicaSetProbe) -> Int? {
        if let v = p.votingMembers { return v }
        guard let h = p.hosts.first(where: { $0.reachable && !$0.hosts.isEmpty }) else { return nil }
        return Set(h.hosts + h.passives + h.arbiters).count
    }

    // MARK: durability

    static func durability(_ snap: ClusterSnapshot, _ probes: [ReplicaSetProbe]?) -> [Finding] {
        var out: [Finding] = []
        if let rw = snap.defaultRWConcern {
            let wc = rw["defaultWriteConcern"]?.documentValue
            let w = wc?["w"]
            let majority = w?.stringValue == "majority"
            let implicit = rw["defaultWriteConcernSource"]?.stringValue == "implicit"
            if wc == nil && implicit {
                // 5.0+: no default set means the implicit default (w: majority, unless an arbiter makes it w: 1).
            } else if !majority {
                let shown = w.map { $0.stringValue.map { "\"\(esc($0))\"" } ?? esc($0.relaxedExtendedJSON.serialized(indent: 0)) } ?? "1 (server default)"
                out.append(Finding(
                    id: "durability.write-concern", severity: .warning, subject: .cluster,
                    message: "the cluster-wide default write concern is w: \(shown), not majority: an acknowledged write can be rolled back on failover",
                    advice: "setDefaultRWConcern with defaultWriteConcern {w: \"majority\"} (applications may still ask for less)",
                    data: ["defaultWriteConcern": wc.map { $0.relaxedExtendedJSON } ?? .null]))
            }
            if wc?["j"]?.boolValue == false {
                out.append(Finding(
                    id: "durability.journal", severity: .warning, subject: .cluster,
                    message: "the cluster-wide default write concern sets j: false: writes are acknowledged before they reach the journal",
                    advice: "remove j: false from the default write concern", data: ["defaultWriteConcern": wc!.relaxedExtendedJSON]))
            }
        } else {
            out.append(notLive("durability.not-checked", "the cluster-wide default write concern",
                               advice: "getDefaultRWConcern is read from a live cluster (a dump does not hold the answer)"))
        }
        if let probes {
            for p in probes {
                guard let members = p.members else { continue }
                let voting = p.votingMembers ?? members.count
                let needed = p.writeMajority ?? (voting / 2 + 1)
                let dataBearing = p.writableVotingMembers ?? members.filter { !$0.isArbiter }.count
                let healthy = members.filter(\.isHealthyDataBearing).count
                if min(dataBearing, healthy) < needed {
                    out.append(Finding(
                        id: "durability.majority-unavailable", severity: .error, subject: p.subject,
                        message: "\(p.label): \(min(dataBearing, healthy)) data-bearing member\(min(dataBearing, healthy) == 1 ? "" : "s") up, majority writes need \(needed): w: majority writes cannot be acknowledged",
                        advice: "bring data-bearing members back; arbiters do not acknowledge writes",
                        data: ["dataBearing": .int(Int64(dataBearing)), "healthy": .int(Int64(healthy)), "writeMajority": .int(Int64(needed))]))
                } else if dataBearing == needed, members.contains(where: \.isArbiter) {
                    out.append(Finding(
                        id: "durability.majority-fragile", severity: .warning, subject: p.subject,
                        message: "\(p.label): \(dataBearing) data-bearing voting members and an arbiter: losing one data-bearing member stalls w: majority writes",
                        advice: "replace the arbiter with a data-bearing member (primary-secondary-secondary)",
                        data: ["dataBearing": .int(Int64(dataBearing)), "writeMajority": .int(Int64(needed))]))
                }
            }
        }
        return out
    }
}

extension Array where Element == Finding {
    public func count(_ s: Finding.Severity) -> Int { filter { $0.severity == s }.count }
}
