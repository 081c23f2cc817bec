import XCTest
import ClusterModel
import TermGrid
@testable import ClusterPanes

/// The chunk map's pages above the window are reloaded from a live source whose chunks may have been split or
/// merged since they were dropped. The reloaded page is joined by key: the list stays sorted, contiguous, without a
/// chunk twice, its indices are the collection's as it is now, and the selected row stays on its chunk.
final class ChunkMapReloadTests: XCTestCase {
    /// The source: chunk i covers ids [10 i, 10 i + 10) (room for splits in between). Mutated by the tests.
    var all: [Chunk] = []
    var requests = 0

    func chunk(_ lo: Int, _ hi: Int, _ shard: String = "shard01") -> Chunk {
        Chunk(id: .string("c\(lo)"), min: ["id": .int32(Int32(lo))], max: ["id": .int32(Int32(hi))], shard: shard)
    }
    func id(_ c: Chunk) -> Int { Int(c.min["id"]!.int64Value!) }
    func index(ofMin lo: Int) -> Int { all.firstIndex { id($0) == lo }! }

    /// What a source answers now: the first `AppState.chunkPageSize` chunks whose min is above `after`.
    func perform(_ effects: [Effect], _ s: inout AppState) {
        for case let .loadChunkPage(ns, after) in effects {
            requests += 1
            var lo = 0, hi = all.count
            if let after {
                while lo < hi { let mid = (lo + hi) / 2; if BSONDocument.compareKeys(all[mid].min, after) > 0 { hi = mid } else { lo = mid + 1 } }
            }
            s.apply(.chunkPage(ns: ns, after: after, chunks: Array(all[lo..<min(all.count, lo + AppState.chunkPageSize)])))
        }
    }
    func press(_ key: Key, _ s: inout AppState) { perform(s.handle(key, now: Fixture.now), &s) }

    /// The window is a slice of the source as it is now, sorted, contiguous, without duplicates; the selection is
    /// on the source's chunk of that index. `offset`: index of the window's index 0 in `all` (after a jump).
    func check(_ s: AppState, offset: Int = 0, full: Bool = false, file: StaticString = #filePath, line: UInt = #line) {
        let map = s.chunkMap!
        XCTAssertLessThanOrEqual(map.chunks.count, ChunkMapState.window, file: file, line: line)
        if full {
            for (a, b) in zip(map.chunks, map.chunks.dropFirst()) {
                XCTAssertLessThan(BSONDocument.compareKeys(a.min, b.min), 0, "sorted, no duplicates", file: file, line: line)
                XCTAssertEqual(BSONDocument.compareKeys(a.max, b.min), 0, "contiguous at \(id(a))", file: file, line: line)
            }
            XCTAssertEqual(map.chunks, Array(all[(offset + map.base)..<(offset + map.end)]), "window is the source's slice", file: file, line: line)
        } else {
            XCTAssertEqual(map.chunks.first, all[offset + map.base], file: file, line: line)
            XCTAssertEqual(map.chunks.last, all[offset + map.end - 1], file: file, line: line)
        }
        let sel = s.position(.chunkMap).selected
        XCTAssertEqual(map.chunk(at: sel), all[offset + sel], "selected \(sel)", file: file, line: line)
    }

    func open(chunks n: Int) -> AppState {
        all = (0..<n).map { chunk(10 * $0, 10 * $0 + 10, $0 % 3 == 0 ? "shard02" : "shard01") }
        var snap = Fixture.snapshot
        snap.distribution[Fixture.users] = [ShardChunkCount(shard: "shard01", chunks: n)]
        var s = AppState(source: Fixture.source, options: Fixture.options)
        s.apply(.snapshot(snap, receivedAt: Fixture.now))
        s.resize(width: 132, height: 43)
        Fixture.selectUsers(&s)
        press(.enter, &s)
        return s
    }

    /// Pages down until chunks were dropped above the window; returns the selected chunk's min id.
    func pageDownUntilDropped(_ s: inout AppState) {
        for _ in 0..<10_000 where s.chunkMap!.base == 0 { press(.pageDown, &s) }
        XCTAssertGreaterThan(s.chunkMap!.base, 0, "pages above the window were dropped")
        check(s)
    }

    /// Pages up until the page above the window is reloaded (one request), checking the selected chunk stays.
    func pageUpUntilReload(_ s: inout AppState, file: StaticString = #filePath, line: UInt = #line) -> (before: Chunk?, after: Chunk?) {
        let base = s.chunkMap!.base
        for _ in 0..<10_000 {
            let effects = s.handle(.pageUp, now: Fixture.now)
            if effects.isEmpty { continue }
            let selected = s.chunkMap!.chunk(at: s.position(.chunkMap).selected)
            perform(effects, &s)
            XCTAssertLessThan(s.chunkMap!.base, base, "the page above was reloaded", file: file, line: line)
            return (selected, s.chunkMap!.chunk(at: s.position(.chunkMap).selected))
        }
        XCTFail("no reload was asked for after 10,000 PgUp", file: file, line: line)
        return (nil, nil)
    }

    /// Presses `key` until `done`, checking the window at every step; fails (rather than spinning) when a press
    /// no longer moves the selection.
    func pageUntil(_ key: Key, offset: Int, _ s: inout AppState, _ done: (AppState) -> Bool) {
        while !done(s) {
            let before = s.position(.chunkMap).selected
            press(key, &s)
            check(s, offset: offset)
            if s.position(.chunkMap).selected == before { return XCTFail("\(key) did not move the selection from \(before)") }
        }
    }

    func pageThrough(_ s: inout AppState, offset: Int = 0) {
        pageUntil(.pageUp, offset: offset, &s) { $0.position(.chunkMap).selected == 0 }
        XCTAssertEqual(s.chunkMap!.base, 0)
        let last = all.count - offset - 1
        pageUntil(.pageDown, offset: offset, &s) { $0.position(.chunkMap).selected >= last }
        XCTAssertEqual(s.chunkMap!.end, all.count - offset)
    }

    func testUnchangedSourceReloadsExactlyTheDroppedPage() {
        var s = open(chunks: 26_000)
        pageDownUntilDropped(&s)
        let (before, after) = pageUpUntilReload(&s)
        XCTAssertEqual(before, after)
        check(s, full: true)
        pageThrough(&s)
    }

    func testSplitsAboveTheWindowRenumberTheRowsBelow() {
        var s = open(chunks: 26_000)
        pageDownUntilDropped(&s)
        // Three chunks of the page just above the window split since it was dropped (one split in two, one in three).
        let base = s.chunkMap!.base
        for i in [base - 150, base - 40] {
            let lo = id(all[i])
            all.replaceSubrange(i...i, with: [chunk(lo, lo + 5), chunk(lo + 5, lo + 10)])
        }
        let lo = id(all[base - 190])
        all.replaceSubrange((base - 190)...(base - 190), with: [chunk(lo, lo + 3), chunk(lo + 3, lo + 6), chunk(lo + 6, lo + 10)])
        let (before, after) = pageUpUntilReload(&s)
        XCTAssertEqual(before, after, "the selection stays on its chunk")
        XCTAssertEqual(s.chunkMap!.base, base - ChunkMapState.page)
        check(s, full: true)   // indices now count the 4 new chunks: the window's chunk i is the source's chunk i
        pageThrough(&s)
    }

    func testMergesAboveTheWindowAndAcrossItsFirstChunk() {
        var s = open(chunks: 26_000)
        pageDownUntilDropped(&s)
        let base = s.chunkMap!.base
        // Two chunks of the page above merged, and the last chunk above merged with the window's first one.
        let first = all[base]
        all.replaceSubrange((base - 1)...base, with: [chunk(id(all[base - 1]), id(first) + 10)])
        all.replaceSubrange((base - 100)...(base - 99), with: [chunk(id(all[base - 100]), id(all[base - 99]) + 10)])
        // Put the selection on the window's first chunk, which the merge covers now.
        var pos = s.position(.chunkMap)
        pos.selected = base + 1; pos.top = base
        s.positions[.chunkMap] = pos
        let (before, after) = pageUpUntilReload(&s)
        XCTAssertEqual(before, first)
        XCTAssertEqual(after?.min, all[base - 2].min, "the chunk that covers the selected one now")
        XCTAssertEqual(after?.max, first.max)
        check(s, full: true)
        pageThrough(&s)
    }
}
