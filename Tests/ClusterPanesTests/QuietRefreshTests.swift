import XCTest
import ClusterModel
import TermGrid
@testable import ClusterPanes

/// A refresh that changes nothing sends nothing to the terminal: the frame after it equals the frame before
/// it cell for cell, so the grid diff the curses backend paints (`Grid.changes(since:)`; `CursesScreen.draw`
/// calls ncurses' refresh only when that diff is non-empty) is empty, on every pane. And the windowed chunk
/// map and changelog (rows formatted only for the visible window) draw what the whole table drew.
final class QuietRefreshTests: XCTestCase {
    let panes = PaneID.allCases

    /// The same snapshot received again `dt` seconds later, the frame drawn `dt` seconds later too (the header's
    /// "received N s ago" is the same), on every pane with the chunk map open.
    func testUnchangedRefreshChangesNoCell() {
        var s = Fixture.state()
        Fixture.selectUsers(&s)
        _ = Fixture.press(&s, .enter)
        s.apply(.chunkPage(ns: Fixture.users, after: nil, chunks: Array(Fixture.userChunks.prefix(12))))
        for pane in panes {
            var state = s
            _ = state.handle(.char(Character(String(pane.rawValue))), now: Fixture.now)
            let before = Screen.render(state, width: 132, height: 43, now: Fixture.now)
            state.apply(.snapshot(Fixture.snapshot, receivedAt: Fixture.now.addingTimeInterval(-1.2 + 2)))
            let after = Screen.render(state, width: 132, height: 43, now: Fixture.now.addingTimeInterval(2))
            XCTAssertTrue(after.changes(since: before).isEmpty, "\(pane): \(after.changes(since: before).count) cells changed")
        }
        // Control: a refresh that does change something (one more chunk on shard03) changes cells.
        var state = s
        _ = state.handle(.char("1"), now: Fixture.now)
        let before = Screen.render(state, width: 132, height: 43, now: Fixture.now)
        var changed = Fixture.snapshot
        changed.distribution[Fixture.orders]?[2].chunks += 1
        state.apply(.snapshot(changed, receivedAt: Fixture.now.addingTimeInterval(-1.2 + 2)))
        XCTAssertFalse(Screen.render(state, width: 132, height: 43, now: Fixture.now.addingTimeInterval(2)).changes(since: before).isEmpty)
    }

    /// The chunk map formats only its visible rows: scrolled anywhere in 1,000 loaded chunks, the frame equals
    /// one drawn from the whole table (the pre-window drawing), selection highlight included.
    func testWindowedChunkTableDrawsAsTheWholeTable() {
        var s = Fixture.state()
        Fixture.selectUsers(&s)
        _ = Fixture.press(&s, .enter)
        var many: [Chunk] = []
        for i in 0..<1000 {
            let lo: BSONDocument = ["region": .string("EU"), "id": .int32(Int32(i))]
            let hi: BSONDocument = ["region": .string("EU"), "id": .int32(Int32(i + 1))]
            let shard: String = i % 3 == 0 ? "shard02" : "shard01"
            many.append(Chunk(id: .string("c\(i)"), min: lo, max: hi, shard: shard, lastmod: BSONTimestamp(t: 1, i: UInt32(i)), jumbo: i == 500))
        }
        s.apply(.chunkPage(ns: Fixture.users, after: nil, chunks: many))
        for (selected, top) in [(0, 0), (37, 0), (500, 480), (999, 960), (998, 990)] {
            s.positions[.chunkMap] = ListPosition(selected: selected, top: top)
            let grid = Screen.render(s, width: 132, height: 43, now: Fixture.now)
            // Reference: the whole table drawn into the same body area.
            var reference = grid
            let area = Rect(x: 0, y: 2, width: 132, height: 40)
            let lines = ChunkMapPane.strip(s, width: area.width - 2)
            let body = Rect(x: area.x, y: area.y + 2 + lines.count, width: area.width, height: area.maxY - (area.y + 1 + lines.count) - 1)
            reference.fill(body)
            let whole = ChunkMapPane.table(s)
            whole.draw(into: &reference, area: body, selected: selected,
                       top: visibleTop(selected: selected, top: top, height: body.height - 1, count: whole.rows.count), options: s.options)
            XCTAssertEqual(grid, reference, "selected \(selected) top \(top)")
        }
    }

    func testWindowedChangelogDrawsAsTheWholeTable() {
        var s = Fixture.state()
        var entries: [ChangelogEntry] = []
        for i in 0..<300 {
            let what: String = i % 5 == 0 ? "moveChunk.error" : "split"
            let details: BSONDocument = ["from": .string("shard01"), "to": .string("shard02"), "n": .int32(Int32(i))]
            entries.append(ChangelogEntry(id: "e\(i)", server: "db\(i % 3).example.net:27018", time: Fixture.ago(Double(i * 7)), what: what,
                                          ns: Fixture.users, details: details))
        }
        s.apply(.changelog(entries))
        _ = s.handle(.char("6"), now: Fixture.now)
        for (selected, top) in [(0, 0), (120, 100), (299, 280)] {
            s.positions[.changelog] = ListPosition(selected: selected, top: top)
            let grid = Screen.render(s, width: 132, height: 43, now: Fixture.now)
            var reference = grid
            reference.fill(Rect(x: 0, y: 2, width: 132, height: 40))
            ChangelogPane.renderTable(s, into: &reference, area: Rect(x: 0, y: 2, width: 132, height: 40))
            XCTAssertEqual(grid, reference, "selected \(selected) top \(top)")
        }
    }
}
