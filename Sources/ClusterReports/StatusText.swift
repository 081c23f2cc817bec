import Foundation
import ClusterModel

/// `status` for a human: the whole picture, aligned, with every collection and every shard's chunk
/// count (never "too many chunks to print"). Every name from the cluster is escaped with SafeText.
public enum StatusText {
    public static func render(_ s: ClusterSnapshot, timeZone: TimeZone = .current, changelogLines: Int = 25) -> String {
        var out: [String] = []
        let e = SafeText.escaped
        out.append("shardscope status · \(e(s.source.display)) · as of \(localTime(s.asOf, timeZone))")
        out.append("cluster id: \(s.clusterId.map(e) ?? "unknown")" + (s.serverVersion.map { "   server version: \(e($0))" } ?? ""))
        out.append("totals: \(s.shards.count) shards, \(s.databases.count) databases, \(s.collections.count) sharded collections, \(s.totalChunks) chunks (\(s.totalJumbo) jumbo)")

        section(&out, "SHARDS (\(s.shards.count))")
        var shards = TextTable(header: ["ID", "HOST", "STATE", "DRAINING", "ZONES", "CHUNKS"], rightAligned: [5])
        let perShard = Dictionary(uniqueKeysWithValues: s.chunksPerShard.map { ($0.shard, $0) })
        for sh in s.shards {
            shards.rows.append([e(sh.id), e(sh.host), sh.state.map(String.init) ?? "-", sh.draining ? "yes" : "no",
                                sh.zones.isEmpty ? "-" : sh.zones.map(e).joined(separator: ", "),
                                String(perShard[sh.id]?.chunks ?? 0)])
        }
        out += shards.render()

        section(&out, "MONGOS (\(s.mongos.count))")
        var mongos = TextTable(header: ["HOST", "VERSION", "PING AGE", "UP", "STATUS"])
        let versions = Dictionary(grouping: s.mongos.compactMap(\.version), by: { $0 })
        let common = versions.max { $0.value.count < $1.value.count }?.key
        for m in s.mongos {
            var status = s.isStale(m) ? "STALE (no ping for over \(Int(ClusterSnapshot.staleMongosSeconds)) s)" : "ok"
            if let v = m.version, let common, v != common { status += ", version differs from \(e(common))" }
            mongos.rows.append([e(m.host), m.version.map(e) ?? "-", s.pingAgeSeconds(m).map(age) ?? "never",
                                m.upSeconds.map { age(Double($0)) } ?? "-", status])
        }
        out += mongos.render()

        section(&out, "BALANCER")
        out += balancerLines(s, timeZone: timeZone)

        section(&out, "DATABASES (\(s.databases.count))")
        var dbs = TextTable(header: ["NAME", "PRIMARY"])
        for d in s.databases { dbs.rows.append([e(d.name), e(d.primary)]) }
        out += dbs.render()

        section(&out, "SHARDED COLLECTIONS (\(s.collections.count))")
        for c in s.collections { out += collectionLines(c, s) }

        section(&out, "RECENT CHANGELOG (newest first, \(min(changelogLines, s.changelog.count)) of \(s.changelog.count) loaded)")
        var log = TextTable(header: ["TIME", "WHAT", "NAMESPACE", "SERVER", "NOTE"])
        for entry in s.changelog.prefix(changelogLines) {
            let note = entry.isError ? "ERROR " + e(errorText(entry.details) ?? "") : ""
            log.rows.append([localTime(entry.time, timeZone), e(entry.what), e(entry.ns), e(entry.server), note])
        }
        out += log.render()

        if !s.warnings.isEmpty {
            section(&out, "WARNINGS (\(s.warnings.count))")
            out += s.warnings.map { "  " + e($0) }
        }
        return out.joined(separator: "\n") + "\n"
    }

    static func section(_ out: inout [String], _ title: String) {
        out.append("")
        out.append(title)
    }

    static func balancerLines(_ s: ClusterSnapshot, timeZone: TimeZone) -> [String] {
        let b = s.balancer
        var t = TextTable(header: ["", ""], indent: "  ")
        t.rows.append(["enabled", b.enabled ? "yes" : "no" + (b.stopped ? " (stopped)" : "")])
        t.rows.append(["mode", SafeText.escaped(s.balancerStatus?.mode ?? b.effectiveMode)])
        t.rows.append(["running now", s.balancerStatus.map { $0.inBalancerRound ? "yes, in a balancer round" : "no" }
                       ?? "unknown (only a live server reports it)"])
        if let w = b.activeWindow {
            let inside = s.insideBalancerWindow(timeZone: timeZone)
            let now = inside.map { $0 ? "now inside" : "now outside" } ?? "unparseable"
            t.rows.append(["active window", "\(SafeText.escaped(w.start))–\(SafeText.escaped(w.stop)) (\(now), \(timeZone.identifier) time)"])
        } else {
            t.rows.append(["active window", "none (balances at any time)"])
        }
        t.rows.append(["chunk size", b.chunkSizeMB.map { "\($0) MB" } ?? "server default"])
        t.rows.append(["autosplit", onOff(b.autosplit)])
        t.rows.append(["automerge", onOff(b.automerge)])
        if let st = b.secondaryThrottle { t.rows.append(["secondary throttle", SafeText.escaped(st.relaxedExtendedJSON.serialized(indent: 0))]) }
        if let w = b.waitForDelete { t.rows.append(["waitForDelete", w ? "yes" : "no"]) }
        if !s.balancerRounds.isEmpty {
            let errors = s.balancerRounds.filter(\.errorOccurred).count
            t.rows.append(["recent rounds", "\(s.balancerRounds.count) loaded, \(errors) with errors"])
        }
        if !s.migrations.isEmpty { t.rows.append(["migrating now", "\(s.migrations.count) chunk(s)"]) }
        return Array(t.render().dropFirst())
    }

    static func collectionLines(_ c: ShardedCollection, _ s: ClusterSnapshot) -> [String] {
        let e = SafeText.escaped
        var lines = ["  \(e(c.ns))"]
        var flags = ["key \(e(c.key.description))", "unique: \(c.unique ? "yes" : "no")", "balancing: \(c.balancing ? "yes" : "no")"]
        if c.defragmenting { flags.append("defragmenting") }
        if c.resharding { flags.append("resharding") }
        lines.append("    " + flags.joined(separator: "   "))
        let counts = s.chunkCounts(for: c.ns)
        let total = s.totalChunks(for: c.ns)
        lines.append("    chunks: \(total) total, \(s.jumboChunks(for: c.ns)) jumbo, imbalance \(s.imbalance(for: c.ns)) (max − min over non-draining shards)")
        var t = TextTable(header: ["SHARD", "CHUNKS", "SHARE", "JUMBO"], indent: "      ", rightAligned: [1, 2, 3])
        for row in counts {
            let share = total > 0 ? String(format: "%.1f%%", Double(row.chunks) * 100 / Double(total)) : "-"
            t.rows.append([e(row.shard), String(row.chunks), share, String(row.jumbo)])
        }
        lines += t.render()
        let zones = s.zoneRanges(for: c.ns)
        if !zones.isEmpty {
            lines.append("    zone ranges:")
            var z = TextTable(header: ["ZONE", "MIN", "MAX"], indent: "      ")
            for r in zones {
                z.rows.append([e(r.zone), e(r.min.relaxedExtendedJSON.serialized(indent: 0)), e(r.max.relaxedExtendedJSON.serialized(indent: 0))])
            }
            lines += z.render()
        }
        return lines
    }

    static func onOff(_ b: Bool?) -> String { b.map { $0 ? "on" : "off" } ?? "default" }

    static func errorText(_ details: BSONDocument) -> String? {
        (details["errmsg"] ?? details["error"]).map { $0.stringValue ?? $0.relaxedExtendedJSON.serialized(indent: 0) }
    }

    /// "3 s", "4 min 10 s", "2 h 5 min", "3 d 4 h".
    public static func age(_ seconds: Double) -> String {
        let s = Int(seconds.rounded(.down))
        if s < 60 { return "\(s) s" }
        if s < 3600 { return "\(s / 60) min \(s % 60) s" }
        if s < 86400 { return "\(s / 3600) h \(s % 3600 / 60) min" }
        return "\(s / 86400) d \(s % 86400 / 3600) h"
    }

    public static func localTime(_ d: Date, _ tz: TimeZone) -> String {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = tz
        f.dateFormat = "yyyy-MM-dd HH:mm:ss zzz"
        return f.string(from: d)
    }
}
