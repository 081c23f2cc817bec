import XCTest
import ClusterModel
import TermGrid
@testable import ClusterPanes

/// The chunk map holds a bounded window of chunks: paging down through a large collection drops pages from
/// the top, paging back up reloads them (from remembered keys) and drops pages at the bottom; at every step the
/// selected row is the right chunk of the collection and memory holds at most `ChunkMapState.window` chunks.
final class ChunkMapWindowTests: XCTestCase {
    let n = 52_345
    lazy var all: [Chunk] = (0..<n).map { i in
        let lo: BSONDocument = ["region": .string("EU"), "id": .int32(Int32(i))]
        let hi: BSONDocument = ["region": .string("EU"), "id": .int32(Int32(i + 1))]
        let shard: String = i % 3 == 0 ? "shard02" : "shard01"
        return Chunk(id: .string("c\(i)"), min: lo, max: hi, shard: shard)
    }
    var requests = 0

    /// What a source answers: the next `AppState.chunkPageSize` chunks after `after`, in key order.
    func perform(_ effects: [Effect], _ s: inout AppState) {
        for case let .loadChunkPage(ns, after) in effects {
            requests += 1
            // Chunk i's min is {region: "EU", id: i}: the first chunk after `after` is the next id.
            let start = after.map { Int($0["id"]!.int64Value!) + 1 } ?? 0
            s.apply(.chunkPage(ns: ns, after: after, chunks: Array(all[start..<min(all.count, start + AppState.chunkPageSize)])))
        }
    }

    func press(_ key: Key, _ s: inout AppState) { perform(s.handle(key, now: Fixture.now), &s) }

    func check(_ s: AppState, file: StaticString = #filePath, line: UInt = #line) {
        let map = s.chunkMap!
        XCTAssertLessThanOrEqual(map.chunks.count, ChunkMapState.window, file: file, line: line)
        XCTAssertEqual(map.chunks.count, map.end - map.base, file: file, line: line)
        XCTAssertEqual(map.chunks.first, map.end > map.base ? all[map.base] : nil, file: file, line: line)
        XCTAssertEqual(map.chunks.last, map.end > map.base ? all[map.end - 1] : nil, file: file, line: line)
        let sel = s.position(.chunkMap).selected
        XCTAssertEqual(map.chunk(at: sel), all[sel], "selected \(sel)", file: file, line: line)
    }

    func testPagingDownAndBackUpKeepsAWindow() {
        var snap = Fixture.snapshot
        snap.distribution[Fixture.users] = [ShardChunkCount(shard: "shard01", chunks: n)]
        var s = AppState(source: Fixture.source, options: Fixture.options)
        s.apply(.snapshot(snap, receivedAt: Fixture.now))
        s.resize(width: 132, height: 43)
        Fixture.selectUsers(&s)
        press(.enter, &s)
        check(s)
        var droppedAbove = false
        while s.position(.chunkMap).selected < n - 1 {
            press(.pageDown, &s)
            check(s)
            droppedAbove = droppedAbove || s.chunkMap!.base > 0
        }
        XCTAssertTrue(droppedAbove, "pages above were dropped")
        XCTAssertTrue(s.chunkMap!.complete)
        XCTAssertEqual(s.chunkMap!.end, n)
        // The last row on screen is the collection's last chunk.
        let screen = Screen.render(s, width: 132, height: 43, now: Fixture.now).text
        XCTAssertTrue(screen.contains(Fmt.keyValues(all[n - 1].min)), screen)
        XCTAssertEqual(s.chunkMap!.chunks, Array(all[s.chunkMap!.base..<n]))
        let down = requests
        while s.position(.chunkMap).selected > 0 {
            press(.pageUp, &s)
            check(s)
        }
        XCTAssertEqual(s.chunkMap!.base, 0)
        XCTAssertEqual(s.chunkMap!.chunks, Array(all[0..<s.chunkMap!.end]))
        XCTAssertGreaterThan(requests, down, "pages above were loaded again")
        // Home from deep in the collection reloads from the first page.
        for _ in 0..<900 { press(.pageDown, &s) }
        XCTAssertGreaterThan(s.chunkMap!.base, 0)
        press(.home, &s)
        check(s)
        XCTAssertEqual(s.position(.chunkMap).selected, 0)
        XCTAssertEqual(s.chunkMap!.base, 0)
    }
}
