import XCTest
import ClusterModel
@testable import ClusterLoader

final class DemoClusterTests: XCTestCase {
    /// Every config collection, encoded in dump order.
    func encoded(_ demo: DemoCluster) -> [UInt8] {
        let docs = demo.documents()
        return DemoCluster.collectionNames.flatMap { name in (docs[name] ?? []).flatMap(BSONEncoder.encode) }
    }

    func testSameSeedSameBytesOtherSeedOtherBytes() {
        let a = encoded(DemoCluster(seed: 1)), b = encoded(DemoCluster(seed: 1))
        XCTAssertEqual(a, b)
        XCTAssertNotEqual(a, encoded(DemoCluster(seed: 2)))
        var x = DemoCluster(seed: 7, shape: .v4_4), y = DemoCluster(seed: 7, shape: .v4_4)
        x.advance(by: 90); y.advance(by: 90)
        XCTAssertEqual(encoded(x), encoded(y), "evolution is deterministic too")
    }

    func testCommonContent() {
        for shape in DemoCluster.Shape.allCases {
            let d = DemoCluster(seed: 3, shape: shape).documents()
            let shards = d["shards"]!
            XCTAssert((4...6).contains(shards.count), "\(shape)")
            XCTAssertEqual(shards.filter { $0["draining"]?.boolValue == true }.map { $0["_id"]!.stringValue! }, ["shard4"])
            XCTAssert(shards.contains { $0["tags"] != nil })
            let mongos = d["mongos"]!
            XCTAssertGreaterThanOrEqual(mongos.count, 3)
            let pings = mongos.map { $0["ping"]!.dateValue! }
            XCTAssertEqual(pings.filter { pings.max()!.timeIntervalSince($0) > 60 }.count, 1, "one stale mongos")
            XCTAssertGreaterThan(Set(mongos.map { $0["mongoVersion"]!.stringValue! }).count, 1, "version skew")
            let balancer = d["settings"]!.first { $0["_id"] == .string("balancer") }!
            XCTAssertEqual(balancer.value(at: "activeWindow.start"), .string("22:00"))
            XCTAssertEqual(balancer.value(at: "activeWindow.stop"), .string("06:00"))
            XCTAssertNotNil(d["settings"]!.first { $0["_id"] == .string("chunksize") })
            XCTAssertNotNil(d["version"]![0]["clusterId"]?.objectIdValue)
            let whats = Set(d["changelog"]!.map { $0["what"]!.stringValue! })
            for w in ["split", "multi-split", "merge", "moveChunk.start", "moveChunk.commit", "moveChunk.from", "moveChunk.to",
                      "moveChunk.error", "shardCollection.start", "shardCollection.end", "addShard"] {
                XCTAssert(whats.contains(w), "\(shape) changelog lacks \(w)")
            }
            XCTAssert(d["changelog"]!.contains { $0["what"] == .string("moveChunk.from") && $0.value(at: "details.errmsg") != nil })
            let flag = shape == .v4_4 || shape == .v5_0 ? "errorOccured" : "errorOccurred"
            XCTAssert(d["actionlog"]!.contains { $0.value(at: "details.\(flag)") == .bool(true) }, "a failed balancer round")
            XCTAssert(d["chunks"]!.contains { $0["jumbo"] == .bool(true) })
            XCTAssertEqual(d["migrations"]!.count, 1)
            XCTAssertEqual(Set(d["tags"]!.map { $0["tag"]!.stringValue! }), ["APAC", "EU", "US"])
            XCTAssert(d["tags"]!.contains { $0.value(at: "min")?.documentValue?.elements.first?.value == .minKey })
            XCTAssert(d["tags"]!.contains { $0.value(at: "max")?.documentValue?.elements.first?.value == .maxKey })
            let keys = d["collections"]!.compactMap { $0["key"]?.documentValue }
            XCTAssert(keys.contains { $0.count == 2 }, "a compound key")
            XCTAssert(keys.contains { $0.elements.contains { $0.value == .string("hashed") } }, "a hashed key")
            XCTAssert(d["collections"]!.contains { $0["unique"] == .bool(true) })
            XCTAssert(d["collections"]!.contains { $0["noBalance"] == .bool(true) })
            // Skew: shard0 holds far more chunks than any other shard.
            var per: [String: Int] = [:]
            for c in d["chunks"]! { per[c["shard"]!.stringValue!, default: 0] += 1 }
            let others = per.filter { $0.key != "shard0" }.values.max()!
            XCTAssertGreaterThan(per["shard0"]!, others * 3 / 2, "\(per)")
        }
    }

    func testFieldsFollowTheShape() {
        func docs(_ s: DemoCluster.Shape) -> [String: [BSONDocument]] { DemoCluster(seed: 1, shape: s).documents() }
        let v44 = docs(.v4_4), v50 = docs(.v5_0), v70 = docs(.v7_0), v80 = docs(.v8_0)

        // 4.4: ns-keyed chunks, string and ObjectId ids, no timestamp, dropped flags, partitioned, errorOccured.
        XCTAssert(v44["chunks"]!.allSatisfy { $0["ns"] != nil && $0["uuid"] == nil && $0["history"] == nil && $0["lastmodEpoch"] != nil })
        XCTAssert(v44["chunks"]!.contains { $0["_id"]?.stringValue?.hasSuffix("-customerId_MinKey") == true })
        XCTAssert(v44["chunks"]!.contains { $0["_id"]?.objectIdValue != nil })
        XCTAssert(v44["collections"]!.allSatisfy { $0["timestamp"] == nil && $0["lastmodEpoch"] != nil && $0["dropped"] != nil })
        XCTAssertEqual(v44["collections"]!.filter { $0["dropped"] == .bool(true) }.count, 1)
        XCTAssert(v44["databases"]!.allSatisfy { $0["partitioned"] != nil })
        XCTAssert(v44["actionlog"]!.allSatisfy { $0.value(at: "details.errorOccured") != nil && $0.value(at: "details.errorOccurred") == nil })
        XCTAssert(v44["shards"]!.contains { !$0["host"]!.stringValue!.contains("/") })
        XCTAssert(v44["shards"]!.allSatisfy { $0["topologyTime"] == nil })

        // 5.0: timestamp + uuid (subtype 4), uuid-keyed chunks with ObjectId ids and history.
        for d in [v50, v70, v80] {
            XCTAssert(d["collections"]!.allSatisfy {
                if case .binary(4, let b)? = $0["uuid"], b.count == 16, $0["timestamp"]?.timestampValue != nil, $0["dropped"] == nil { return true }
                return false
            })
            XCTAssert(d["chunks"]!.allSatisfy { $0["uuid"] != nil && $0["ns"] == nil && $0["_id"]?.objectIdValue != nil && $0["history"] != nil })
            XCTAssert(d["shards"]!.allSatisfy { $0["host"]!.stringValue!.contains("/") })
        }
        XCTAssert(v50["chunks"]!.allSatisfy { $0["onCurrentShardSince"] == nil })
        XCTAssert(v50["actionlog"]!.allSatisfy { $0.value(at: "details.errorOccured") != nil })
        XCTAssertNil(v50["settings"]!.first { $0["_id"] == .string("automerge") })
        XCTAssert(v50["databases"]!.allSatisfy { $0["partitioned"] != nil })

        // 7.0: automerge, onCurrentShardSince, errorOccurred, no partitioned.
        for d in [v70, v80] {
            XCTAssertNotNil(d["settings"]!.first { $0["_id"] == .string("automerge") })
            XCTAssert(d["chunks"]!.allSatisfy { $0["onCurrentShardSince"]?.timestampValue != nil })
            XCTAssert(d["actionlog"]!.allSatisfy { $0.value(at: "details.errorOccurred") != nil && $0.value(at: "details.errorOccured") == nil })
            XCTAssert(d["databases"]!.allSatisfy { $0["partitioned"] == nil })
        }
        XCTAssertFalse(v70["collections"]!.contains { $0["unsplittable"] != nil })
        XCTAssertFalse(v70["shards"]!.contains { $0["_id"] == .string("config") })
        XCTAssertNotNil(v70["version"]![0]["currentVersion"])

        // 8.0: an unsplittable collection and a config shard.
        XCTAssertEqual(v80["collections"]!.filter { $0["unsplittable"] == .bool(true) }.map { $0["_id"]!.stringValue! }, ["logs.audit"])
        XCTAssertTrue(v80["shards"]!.contains { $0["_id"] == .string("config") })
        XCTAssertNil(v80["version"]![0]["currentVersion"])
        for d in [v44, v50, v70] { XCTAssertFalse(d["collections"]!.contains { $0["unsplittable"] != nil }) }
    }

    /// Chunks of each collection run MinKey → MaxKey in order with no gap or overlap; versions are unique.
    func assertTiles(_ chunks: [BSONDocument], file: StaticString = #filePath, line: UInt = #line) {
        var byOwner: [String: [BSONDocument]] = [:]
        for c in chunks { byOwner["\(c["uuid"] ?? c["ns"]!)", default: []].append(c) }
        XCTAssertFalse(byOwner.isEmpty, file: file, line: line)
        for (owner, list) in byOwner {
            let sorted = list.sorted { BSONDocument.compareKeys($0["min"]!.documentValue!, $1["min"]!.documentValue!) < 0 }
            XCTAssert(sorted.first!["min"]!.documentValue!.allSatisfy { $0.value == .minKey }, owner, file: file, line: line)
            XCTAssert(sorted.last!["max"]!.documentValue!.allSatisfy { $0.value == .maxKey }, owner, file: file, line: line)
            for (a, b) in zip(sorted, sorted.dropFirst()) {
                XCTAssertEqual(BSONDocument.compareKeys(a["max"]!.documentValue!, b["min"]!.documentValue!), 0, "gap or overlap in \(owner)", file: file, line: line)
            }
            for c in sorted {
                XCTAssertLessThan(BSONDocument.compareKeys(c["min"]!.documentValue!, c["max"]!.documentValue!), 0, file: file, line: line)
            }
            XCTAssertEqual(Set(sorted.map { $0["lastmod"]! }).count, sorted.count, "lastmod versions unique in \(owner)", file: file, line: line)
        }
    }

    func testChunksTileTheKeySpace() {
        for shape in DemoCluster.Shape.allCases { assertTiles(DemoCluster(seed: 5, shape: shape).documents()["chunks"]!) }
    }

    func testAdvanceSplitsMigratesAndKeepsTiling() {
        var demo = DemoCluster(seed: 1, totalChunks: 600)
        let before = demo.documents()
        let counts = { (docs: [BSONDocument]) -> [String: Int] in docs.reduce(into: [:]) { $0[$1["shard"]!.stringValue!, default: 0] += 1 } }
        demo.advance(by: 120)
        XCTAssertEqual(demo.now, DemoCluster.epoch.addingTimeInterval(120))
        let after = demo.documents()
        let fresh = after["changelog"]!.filter { $0["time"]!.dateValue! > DemoCluster.epoch }
        XCTAssertGreaterThan(fresh.count, 20)
        let whats = Set(fresh.map { $0["what"]!.stringValue! })
        XCTAssert(whats.isSuperset(of: ["split", "moveChunk.commit"]), "\(whats)")
        XCTAssertGreaterThan(after["actionlog"]!.count, before["actionlog"]!.count)
        XCTAssertNotEqual(counts(before["chunks"]!), counts(after["chunks"]!))
        assertTiles(after["chunks"]!)
        // Versions only grow.
        let maxVersion = { (docs: [BSONDocument]) in docs.compactMap { $0["lastmod"]?.timestampValue }.max()! }
        XCTAssertGreaterThan(maxVersion(after["chunks"]!), maxVersion(before["chunks"]!))
        // Live mongos pings follow the clock; the stale one stays behind.
        let pings = after["mongos"]!.map { $0["ping"]!.dateValue! }
        XCTAssertGreaterThan(pings.max()!, DemoCluster.epoch.addingTimeInterval(80))
        XCTAssertEqual(pings.filter { pings.max()!.timeIntervalSince($0) > 60 }.count, 1)

        demo.advance(by: 900)
        XCTAssertEqual(Double(demo.totalChunks), 600, accuracy: 90, "splits and merges roughly cancel out")
        XCTAssertLessThanOrEqual(demo.documents()["changelog"]!.count, DemoCluster.changelogCap, "capped")
        assertTiles(demo.documents()["chunks"]!)
    }

    func testChunkScaleAndRawConfig() {
        let demo = DemoCluster(seed: 2, shape: .v8_0, totalChunks: 20_000)
        XCTAssertEqual(demo.totalChunks, 20_000)
        var n = 0
        demo.forEachChunkDocument { _ in n += 1 }
        XCTAssertEqual(n, 20_000)
        let raw = demo.rawConfig()
        XCTAssertEqual(raw.chunkGroups.reduce(0) { $0 + $1.chunks }, 20_000)
        XCTAssertEqual(raw.changelog.count, LoadOptions().changelogLimit)
        XCTAssertEqual(demo.chunkDocuments(of: "shop.users").count,
                       raw.chunkGroups.filter { g in demo.documents(includingChunks: false)["collections"]!
                           .contains { $0["_id"] == .string("shop.users") && $0["uuid"].map(ChunkKeying.uuid) == g.owner } }
                           .reduce(0) { $0 + $1.chunks })
    }

    // MARK: the balancer behaves like one

    static let utc = TimeZone(identifier: "UTC")!

    func inWindow(_ date: Date) -> Bool {
        BalancerWindow.contains(start: DemoCluster.windowStart, stop: DemoCluster.windowStop, date: date, timeZone: Self.utc) == true
    }

    func testEpochIsInsideAWindowThatWrapsMidnight() {
        XCTAssertGreaterThan(BalancerWindow.minutes(DemoCluster.windowStart)!, BalancerWindow.minutes(DemoCluster.windowStop)!, "wraps midnight")
        XCTAssertTrue(inWindow(DemoCluster.epoch))
        XCTAssertTrue(inWindow(DemoCluster.epoch.addingTimeInterval(3 * 3600)), "hours of balancing ahead")
        for shape in DemoCluster.Shape.allCases {
            let d = DemoCluster(seed: 1, shape: shape).documents()
            let balancer = d["settings"]!.first { $0["_id"] == .string("balancer") }!
            XCTAssertEqual(balancer.value(at: "activeWindow.start"), .string(DemoCluster.windowStart))
            XCTAssertEqual(balancer.value(at: "activeWindow.stop"), .string(DemoCluster.windowStop))
        }
    }

    /// Pre-history and live: every migration and every balancer round falls inside the window.
    func testNoMigrationOrRoundOutsideTheWindow() {
        var demo = DemoCluster(seed: 3, totalChunks: 300)
        var moves: [BSONDocument] = [], rounds: [BSONDocument] = []
        var seen = Set<String>()
        func collect() {
            let d = demo.documents(includingChunks: false)
            for e in d["changelog"]! where e["what"]!.stringValue!.hasPrefix("moveChunk") && seen.insert(e["_id"]!.stringValue!).inserted { moves.append(e) }
            for e in d["actionlog"]! where seen.insert(e["_id"]!.objectIdValue!.hex).inserted { rounds.append(e) }
        }
        collect()
        XCTAssert(moves.contains { $0["time"]!.dateValue! < DemoCluster.epoch }, "the pre-history migrates")
        // 8 hours: past the window's 06:00 close.
        for _ in 0..<48 { demo.advance(by: 600); collect() }
        XCTAssertFalse(inWindow(demo.now))
        XCTAssert(moves.contains { $0["time"]!.dateValue! > DemoCluster.epoch.addingTimeInterval(3600) }, "still migrating an hour on")
        for e in moves + rounds {
            XCTAssertTrue(inWindow(e["time"]!.dateValue!), "\(e["what"]!) at \(e["time"]!.dateValue!)")
        }
        let lastMove = moves.map { $0["time"]!.dateValue! }.max()!
        var cal = Calendar(identifier: .gregorian)
        cal.timeZone = Self.utc
        let closes = cal.date(bySettingHour: 6, minute: 0, second: 0, of: lastMove)!
        XCTAssertLessThan(closes.timeIntervalSince(lastMove), 3600, "balancing went on until near the window's close")
        // Splits and merges go on after the window closes.
        let after = demo.documents(includingChunks: false)["changelog"]!.filter { !inWindow($0["time"]!.dateValue!) }
        XCTAssert(after.contains { ["split", "multi-split", "merge"].contains($0["what"]!.stringValue!) })
    }

    /// Chunks per shard of one collection's zone (nil: outside every zone range).
    func zoneLoads(_ demo: DemoCluster, _ ci: Int, _ zone: String?) -> [Int] {
        let c = demo.colls[ci]
        var out = Array(repeating: 0, count: demo.shards.count)
        for ch in c.chunks where c.zone(at: ch.lo) == zone { out[Int(ch.shard)] += 1 }
        return out
    }

    func assertBalancerRule(_ demo: DemoCluster, coll ci: Int, zone: String?, from: Int, to: Int, loads l: [Int], leastLoaded: Bool = true,
                            file: StaticString = #filePath, line: UInt = #line) {
        let what = "\(demo.colls[ci].spec.ns) \(zone ?? "-") \(demo.shards[from].id)→\(demo.shards[to].id) \(l)"
        XCTAssertFalse(demo.shards[to].draining, "never onto a draining shard: \(what)", file: file, line: line)
        if let z = zone { XCTAssertTrue(demo.shards[to].zones.contains(z), "zone: \(what)", file: file, line: line) }
        XCTAssertTrue(demo.shards[from].draining || l[from] > l[to], "from more loaded to less loaded: \(what)", file: file, line: line)
        guard leastLoaded else { return }
        let eligible = demo.shards.indices.filter { !demo.shards[$0].draining && (zone.map(demo.shards[$0].zones.contains) ?? true) }
        XCTAssertEqual(l[to], eligible.map { l[$0] }.min(), "to the least loaded eligible shard: \(what)", file: file, line: line)
    }

    /// Live migrations, checked against the placement at the moment each one starts: the simulation is advanced
    /// to each balancer round in turn, so no split or merge falls between the decision and the check.
    func testLiveMigrationsGoFromLoadedOrDrainingToLeastLoaded() {
        for shape in [DemoCluster.Shape.v7_0, .v8_0] {
            var demo = DemoCluster(seed: 2, shape: shape, totalChunks: 600)
            var checked = 0
            var last: (Int, Int64, Int64)?
            let end = demo.now.addingTimeInterval(7200)
            while demo.now < end {   // 2 hours, round by round
                demo.advance(to: Date(timeIntervalSince1970: Double(demo.nextRoundMs) / 1000))
                guard let m = demo.inFlight, last.map({ $0 != (m.coll, m.lo, m.startedMs) }) ?? true else { continue }
                last = (m.coll, m.lo, m.startedMs)
                let c = demo.colls[m.coll]
                let zone = c.zone(at: m.lo)
                assertBalancerRule(demo, coll: m.coll, zone: zone, from: Int(m.from), to: Int(m.to), loads: zoneLoads(demo, m.coll, zone), leastLoaded: false)
                checked += 1
            }
            XCTAssertGreaterThan(checked, 60, "\(shape)")
        }
        // Slow: after half an hour the default demo's skew is still plain to see.
        var demo = DemoCluster(seed: 1)
        demo.advance(by: 1800)
        let orders = demo.colls[demo.collectionIndex("shop.orders")!]
        XCTAssertGreaterThan(orders.counts[0], 2 * orders.counts.dropFirst().max()!, "shard0 still holds twice any other: \(orders.counts)")
    }

    /// The pre-history: rewinding its successful migrations from today's placement, each one (and each failed
    /// attempt) follows the same rule against the placement of its time.
    func testPastMigrationsFollowTheRuleAndToday() throws {
        for shape in DemoCluster.Shape.allCases {
            let demo = DemoCluster(seed: 1, shape: shape)
            var loads: [Int: [String?: [Int]]] = [:]
            for ci in demo.colls.indices { loads[ci] = Dictionary(uniqueKeysWithValues: ([nil] + demo.colls[ci].spec.zones.map(\.zone)).map { ($0, zoneLoads(demo, ci, $0)) }) }
            let past = demo.changelog.filter { $0["time"]!.dateValue! <= DemoCluster.epoch }.reversed()
            var commits = 0, failures = 0
            for e in past {
                let what = e["what"]!.stringValue!
                guard what == "moveChunk.commit" || what == "moveChunk.error" else { continue }
                let ci = try XCTUnwrap(demo.collectionIndex(e["ns"]!.stringValue!))
                let c = demo.colls[ci]
                let i = try XCTUnwrap(demo.chunkIndex(c, containing: e.value(at: "details.min")!.documentValue!))
                let zone = c.zone(at: c.chunks[i].lo)
                let from = demo.shards.firstIndex { $0.id == e.value(at: "details.from")!.stringValue! }!
                let to = demo.shards.firstIndex { $0.id == e.value(at: "details.to")!.stringValue! }!
                if what == "moveChunk.commit" {
                    XCTAssertEqual(Int(c.chunks[i].shard), to, "a success brought the chunk where it is now")
                    loads[ci]![zone]![from] += 1
                    loads[ci]![zone]![to] -= 1
                    commits += 1
                } else {
                    XCTAssertEqual(Int(c.chunks[i].shard), from, "a failure left the chunk on its donor")
                    failures += 1
                }
                assertBalancerRule(demo, coll: ci, zone: zone, from: from, to: to, loads: loads[ci]![zone]!)
            }
            XCTAssertGreaterThan(commits, 30, "\(shape)")
            XCTAssertGreaterThan(failures, 0, "\(shape)")
        }
    }

    /// A failed round among the newest 20, with the error of a failed migration in the changelog.
    func testRecentErrorRoundMatchesAFailedMigration() {
        for shape in DemoCluster.Shape.allCases {
            let d = DemoCluster(seed: 1, shape: shape).documents()
            let flag = shape == .v4_4 || shape == .v5_0 ? "errorOccured" : "errorOccurred"
            let newest = d["actionlog"]!.suffix(20)
            let failed = newest.filter { $0.value(at: "details.\(flag)") == .bool(true) }
            XCTAssertFalse(failed.isEmpty, "\(shape)")
            for r in failed {
                let msg = r.value(at: "details.errmsg")!.stringValue!
                let t = r["time"]!.dateValue!
                XCTAssert(d["changelog"]!.contains { $0["what"] == .string("moveChunk.error") && $0.value(at: "details.errmsg") == .string(msg)
                    && abs($0["time"]!.dateValue!.timeIntervalSince(t)) < 1 }, "\(shape): \(msg)")
                XCTAssert(d["changelog"]!.contains { $0["what"] == .string("moveChunk.from") && $0.value(at: "details.errmsg") == .string(msg) })
            }
        }
    }
}
