import Foundation
import ClusterModel

/// `diff` for a human: what changed from A to B, grouped, one change a line marked `+` (in B only),
/// `−` (in A only) or `~` (changed), green/red/yellow when `color` is on. Every name and value from a
/// cluster is escaped with SafeText; sources are shown as their redacted display strings.
public enum DiffText {
    public static func render(_ d: ClusterDiff, a: ClusterSnapshot, b: ClusterSnapshot, color: Bool,
                              timeZone: TimeZone = .current, rangesCompared: Bool = true) -> String {
        let e = SafeText.escaped
        var out: [String] = []
        let paint = { (mark: String, text: String) -> String in
            guard color else { return text }
            let code = mark == "+" ? "32" : mark == "−" ? "31" : "33"
            return "\u{1b}[\(code)m\(text)\u{1b}[0m"
        }
        func line(_ mark: String, _ text: String, indent: String = "  ") { out.append(paint(mark, indent + mark + " " + text)) }
        func section(_ title: String) { out.append(""); out.append(color ? "\u{1b}[1m\(title)\u{1b}[0m" : title) }
        func changes(_ c: [ClusterDiff.FieldChange]) -> String {
            c.map { "\(e($0.field)) \(value($0.before)) → \(value($0.after))" }.joined(separator: ", ")
        }

        out.append("shardscope diff")
        out.append("  A: \(e(a.source.display)) · as of \(StatusText.localTime(a.asOf, timeZone))")
        out.append("  B: \(e(b.source.display)) · as of \(StatusText.localTime(b.asOf, timeZone))")
        if let c = d.clusterId { out.append(paint("~", "  ~ cluster id \(value(c.before)) → \(value(c.after)) (two different clusters?)")) }

        if !(d.shardsAdded.isEmpty && d.shardsRemoved.isEmpty && d.shardsChanged.isEmpty) {
            section("SHARDS")
            for s in d.shardsAdded { line("+", "\(e(s.id))  \(e(s.host))" + (s.draining ? "  draining" : "") + zones(s.zones)) }
            for s in d.shardsRemoved { line("−", "\(e(s.id))  \(e(s.host))" + zones(s.zones)) }
            for s in d.shardsChanged { line("~", "\(e(s.id))  \(changes(s.changes))") }
        }
        if !(d.databasesAdded.isEmpty && d.databasesRemoved.isEmpty && d.databasesChanged.isEmpty) {
            section("DATABASES")
            for x in d.databasesAdded { line("+", "\(e(x.name))  primary \(e(x.primary))") }
            for x in d.databasesRemoved { line("−", "\(e(x.name))  primary \(e(x.primary))") }
            for x in d.databasesChanged { line("~", "\(e(x.id))  \(changes(x.changes))") }
        }
        if !(d.collectionsSharded.isEmpty && d.collectionsDropped.isEmpty && d.collectionsChanged.isEmpty) {
            section("COLLECTIONS")
            for c in d.collectionsSharded { line("+", "\(e(c.ns))  sharded, key \(e(c.key.description))" + (c.unique ? " unique" : "")) }
            for c in d.collectionsDropped { line("−", "\(e(c.ns))  dropped (key \(e(c.key.description)))") }
            for c in d.collectionsChanged {
                let rekeyed = c.changes.contains { $0.field == "key" || $0.field == "unique" }
                let recreated = c.changes.contains { $0.field == "uuid" }
                let what = rekeyed ? "re-keyed: " : recreated ? "re-created: " : ""
                line("~", "\(e(c.id))  \(what)\(changes(c.changes))")
            }
        }
        if !d.distribution.isEmpty {
            section("CHUNKS PER SHARD (A → B)")
            for dist in d.distribution {
                var head = "\(e(dist.ns))  \(delta(dist.chunks)) chunks"
                if let data = dist.dataBytes { head += ", data \(bytesDelta(data))" }
                line(dist.chunks.before == 0 ? "+" : dist.chunks.after == 0 ? "−" : "~", head)
                var t = TextTable(header: ["", "", "", "", ""], indent: "      ", rightAligned: [1, 3])
                for s in dist.shards where s.chunks.delta != 0 || (s.dataBytes?.delta ?? 0) != 0 {
                    t.rows.append([e(s.shard), NumberText.count(s.chunks.before), "→", NumberText.count(s.chunks.after),
                                   "(\(signed(s.chunks.delta)))" + (s.dataBytes.map { "  data " + bytesDelta($0) } ?? "")])
                }
                out += t.render().dropFirst()
            }
        }
        let walked = d.chunkChanges.filter { !$0.value.isEmpty }.sorted { $0.key < $1.key }
        if !walked.isEmpty {
            section("CHUNK RANGES (moved, split, merged)")
            for (ns, c) in walked {
                var parts: [String] = []
                if c.count(.moved) > 0 { parts.append("\(c.count(.moved)) moved") }
                if c.count(.split) > 0 { parts.append("\(c.count(.split)) split into \(c.splitPieces)" + (c.splitAndMoved > 0 ? " (\(c.splitAndMoved) then moved)" : "")) }
                if c.count(.merged) > 0 { parts.append("\(c.mergedPieces) merged into \(c.count(.merged))" + (c.mergedAndMoved > 0 ? " (\(c.mergedAndMoved) across shards)" : "")) }
                if c.count(.reshaped) > 0 { parts.append("\(c.count(.reshaped)) re-cut") }
                line("~", "\(e(ns))  " + parts.joined(separator: ", "))
                for kind in ChunkChanges.Kind.allCases {
                    let ex = c.examples(kind)
                    for x in ex { out.append(paint("~", "      " + example(kind, x))) }
                    if c.count(kind) > ex.count { out.append("      … \(c.count(kind) - ex.count) more \(kind == .reshaped ? "re-cut" : kind.rawValue) (--limit shows more)") }
                }
            }
        }
        if !(d.zonesAdded.isEmpty && d.zonesRemoved.isEmpty && d.zoneRangesAdded.isEmpty && d.zoneRangesRemoved.isEmpty) {
            section("ZONES")
            for z in d.zonesAdded { line("+", "zone \(e(z))") }
            for z in d.zonesRemoved { line("−", "zone \(e(z))") }
            for r in d.zoneRangesAdded { line("+", "\(e(r.ns))  \(e(r.zone))  \(bound(r.min)) – \(bound(r.max))") }
            for r in d.zoneRangesRemoved { line("−", "\(e(r.ns))  \(e(r.zone))  \(bound(r.min)) – \(bound(r.max))") }
        }
        if !d.settings.isEmpty {
            section("SETTINGS")
            for s in d.settings { line("~", "\(e(s.field))  \(value(s.before)) → \(value(s.after))") }
        }
        if !(d.mongosAdded.isEmpty && d.mongosRemoved.isEmpty && d.mongosVersions.isEmpty) {
            section("MONGOS")
            for m in d.mongosAdded { line("+", "\(e(m.host))  \(m.version.map(e) ?? "version unknown")") }
            for m in d.mongosRemoved { line("−", "\(e(m.host))  \(m.version.map(e) ?? "version unknown")") }
            for m in d.mongosVersions {
                line("~", "\(e(m.host))  \(m.before.map(e) ?? "unknown") → \(m.after.map(e) ?? "unknown") (\(m.upgrade ? "upgraded" : "downgraded"))")
            }
        }
        out.append("")
        if !rangesCompared { out.append("chunk ranges not compared (--no-ranges): counts only") }
        out.append(d.isEmpty ? "no differences" : summary(d))
        return out.joined(separator: "\n") + "\n"
    }

    /// "3 shards changed, 12 collections with other chunk counts, …": one line.
    static func summary(_ d: ClusterDiff) -> String {
        var p: [String] = []
        func add(_ n: Int, _ what: String) { if n > 0 { p.append("\(n) \(what)") } }
        add(d.shardsAdded.count + d.shardsRemoved.count + d.shardsChanged.count, "shard change(s)")
        add(d.databasesAdded.count + d.databasesRemoved.count + d.databasesChanged.count, "database change(s)")
        add(d.collectionsSharded.count + d.collectionsDropped.count + d.collectionsChanged.count, "collection change(s)")
        add(d.distribution.count, "collection(s) with other chunk counts")
        add(d.chunkChanges.values.filter { !$0.isEmpty }.count, "collection(s) with moved/split/merged ranges")
        add(d.zonesAdded.count + d.zonesRemoved.count + d.zoneRangesAdded.count + d.zoneRangesRemoved.count, "zone change(s)")
        add(d.settings.count, "setting change(s)")
        add(d.mongosAdded.count + d.mongosRemoved.count + d.mongosVersions.count, "mongos change(s)")
        if d.clusterId != nil { p.append("another cluster id") }
        return "differences: " + p.joined(separator: ", ")
    }

    static func example(_ kind: ChunkChanges.Kind, _ x: ChunkChanges.Example) -> String {
        let range = "\(bound(x.min)) – \(bound(x.max))"
        let from = x.fromShards.map(SafeText.escaped).joined(separator: ","), to = x.toShards.map(SafeText.escaped).joined(separator: ",")
        switch kind {
        case .moved: return "moved     \(range)  \(from) → \(to)"
        case .split: return "split     \(range)  on \(from) → \(x.after) chunks on \(to)"
        case .merged: return "merged    \(range)  \(x.before) chunks on \(from) → 1 on \(to)"
        case .reshaped: return "re-cut    \(range)  \(x.before) chunks on \(from) → \(x.after) on \(to)"
        }
    }

    static func zones(_ z: [String]) -> String { z.isEmpty ? "" : "  zones " + z.map(SafeText.escaped).joined(separator: ",") }
    static func bound(_ d: BSONDocument) -> String { SafeText.escaped(d.relaxedExtendedJSON.serialized(indent: 0)) }
    static func value(_ v: JSONValue) -> String { SafeText.escaped(v.serialized(indent: 0)) }
    static func signed(_ n: Int64) -> String { n > 0 ? "+" + NumberText.count(n) : n < 0 ? "−" + NumberText.count(-n) : "0" }
    static func delta(_ d: ClusterDiff.Delta) -> String { "\(NumberText.count(d.before)) → \(NumberText.count(d.after)) (\(signed(d.delta)))" }
    static func bytesDelta(_ d: ClusterDiff.Delta) -> String {
        "\(bytes(d.before)) → \(bytes(d.after)) (\(d.delta < 0 ? "−" : "+")\(bytes(abs(d.delta))))"
    }
    static func bytes(_ b: Int64) -> String { NumberText.bytes(b) }
}
