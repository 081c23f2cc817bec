import XCTest
import ClusterModel
import TermGrid
@testable import ClusterPanes

/// Keys as pure state transitions: AppState + key → AppState and effects.
final class KeyHandlingTests: XCTestCase {
    func testPaneSwitching() {
        var s = Fixture.state()
        XCTAssertEqual(s.pane, .overview)
        Fixture.press(&s, .char("2")); XCTAssertEqual(s.pane, .shards)
        Fixture.press(&s, .tab); XCTAssertEqual(s.pane, .collections)
        Fixture.press(&s, .backTab, .backTab); XCTAssertEqual(s.pane, .overview)
        Fixture.press(&s, .backTab); XCTAssertEqual(s.pane, .health)
        Fixture.press(&s, .tab); XCTAssertEqual(s.pane, .overview)
        Fixture.press(&s, .char("9")); XCTAssertEqual(s.pane, .health)
        Fixture.press(&s, .char("7")); XCTAssertEqual(s.pane, .mongos)
    }

    func testGlobalEffects() {
        var s = Fixture.state()
        XCTAssertEqual(Fixture.press(&s, .char("r")), [.refreshNow])
        XCTAssertEqual(Fixture.press(&s, .char("p")), [.setPaused(true)])
        XCTAssertTrue(s.paused)
        XCTAssertTrue(Screen.render(s, width: 80, height: 24, now: Fixture.now).text.contains("paused · live"))
        XCTAssertEqual(Fixture.press(&s, .char("p")), [.setPaused(false)])
        XCTAssertFalse(s.paused)
        XCTAssertEqual(Fixture.press(&s, .char("q")), [.quit])
        XCTAssertEqual(Fixture.press(&s, .ctrl("c")), [.quit])
        Fixture.press(&s, .char("/"))     // overview has no filter: nothing happens
        XCTAssertNil(s.prompt)
    }

    func testDrillInAndBack() {
        var s = Fixture.state()
        Fixture.press(&s, .char("3"))
        let first = CollectionsPane.visibleCollections(s)[0].ns
        XCTAssertEqual(Fixture.press(&s, .enter), [.loadChunkPage(ns: first, after: nil)])
        XCTAssertEqual(s.pane, .chunkMap)
        XCTAssertEqual(s.chunkMap?.ns, first)
        Fixture.press(&s, .escape)
        XCTAssertEqual(s.pane, .collections)
        // Coming back to the same collection does not reload it.
        XCTAssertEqual(Fixture.press(&s, .char("4")), [])
        XCTAssertEqual(s.pane, .chunkMap)
    }

    func testFilterTypingApplyAndCancel() {
        var s = Fixture.state()
        Fixture.press(&s, .char("3"), .char("/"))
        XCTAssertNotNil(s.prompt)
        Fixture.type(&s, "userx")
        Fixture.press(&s, .backspace)
        XCTAssertEqual(s.prompt?.text, "user")
        XCTAssertTrue(Screen.render(s, width: 80, height: 24, now: Fixture.now).text.contains("filter: user_"))
        XCTAssertEqual(s.pane, .collections, "typing in the prompt never switches panes")
        Fixture.press(&s, .enter)
        XCTAssertEqual(s.filters[.collections], "user")
        XCTAssertEqual(CollectionsPane.visibleCollections(s).map(\.ns), [Fixture.users])
        Fixture.press(&s, .char("/"))
        XCTAssertEqual(s.prompt?.text, "user", "the prompt starts from the current filter")
        Fixture.type(&s, "zzz")
        Fixture.press(&s, .escape)
        XCTAssertNil(s.prompt)
        XCTAssertEqual(s.filters[.collections], "user", "Esc cancels the edit")
        Fixture.press(&s, .escape)
        XCTAssertNil(s.filters[.collections], "Esc on the pane clears the filter")
        XCTAssertEqual(CollectionsPane.visibleCollections(s).count, 5)
    }

    func testColumnFilter() {
        var s = Fixture.state()
        Fixture.press(&s, .char("6"), .char("/"))
        Fixture.type(&s, "what:movechunk shard:shard03")
        Fixture.press(&s, .enter)
        XCTAssertEqual(ChangelogPane.entries(s).map(\.id), ["c5"])
    }

    func testSortCycling() {
        var s = Fixture.state()
        Fixture.press(&s, .char("3"))
        XCTAssertEqual(CollectionsPane.visibleCollections(s).first?.ns, Fixture.evil)        // by name (bytes: ESC first)
        Fixture.press(&s, .char("s"))                                                         // by chunks
        XCTAssertEqual(CollectionsPane.visibleCollections(s).map(\.ns).prefix(2), [Fixture.orders, Fixture.users])
        Fixture.press(&s, .char("s"))                                                         // by imbalance (draining shard03 left out)
        XCTAssertEqual(CollectionsPane.visibleCollections(s).map(\.ns).prefix(3), [Fixture.users, Fixture.cjk, Fixture.orders])
        Fixture.press(&s, .char("s"))                                                         // by jumbo
        XCTAssertEqual(CollectionsPane.visibleCollections(s).first?.ns, Fixture.users)
        Fixture.press(&s, .char("s"))
        XCTAssertEqual(s.sorts[.collections], 0)
        Fixture.press(&s, .char("2"), .char("s"))
        XCTAssertTrue(Screen.render(s, width: 80, height: 24, now: Fixture.now).text.contains("sorted by chunks"))
    }

    func testChangelogFollowAndPause() {
        var s = Fixture.state()
        Fixture.press(&s, .char("6"))
        XCTAssertTrue(s.following)
        let new1 = ChangelogEntry(id: "n1", server: "db1a", time: Fixture.now.addingTimeInterval(1), what: "split", ns: Fixture.users)
        s.apply(.changelog([new1]))
        XCTAssertEqual(ChangelogPane.entries(s).first?.id, "n1")
        XCTAssertEqual(s.position(.changelog).selected, 0, "following keeps the newest selected")

        // Moving away from the newest entry pauses following; the selected entry stays put as new ones arrive.
        Fixture.press(&s, .down, .down)
        XCTAssertFalse(s.following)
        let selected = ChangelogPane.entries(s)[s.position(.changelog).selected].id
        let new2 = ChangelogEntry(id: "n2", server: "db1a", time: Fixture.now.addingTimeInterval(2), what: "merge", ns: Fixture.users)
        s.apply(.changelog([new2]))
        XCTAssertEqual(ChangelogPane.entries(s)[s.position(.changelog).selected].id, selected)
        XCTAssertEqual(s.unseen, 1)
        XCTAssertTrue(Screen.render(s, width: 80, height: 24, now: Fixture.now).text.contains("paused · 1 new · f follows"))

        // `f` resumes: back to the top, and new entries appear there.
        Fixture.press(&s, .char("f"))
        XCTAssertTrue(s.following)
        XCTAssertEqual(s.position(.changelog).selected, 0)
        let new3 = ChangelogEntry(id: "n3", server: "db1a", time: Fixture.now.addingTimeInterval(3), what: "split", ns: Fixture.users)
        s.apply(.snapshot(Fixture.snapshot, receivedAt: Fixture.now))
        s.apply(.changelog([new3, new2]))
        XCTAssertEqual(ChangelogPane.entries(s).prefix(3).map(\.id), ["n3", "n2", "n1"])
        XCTAssertEqual(s.position(.changelog).selected, 0)
        let g = Screen.render(s, width: 80, height: 24, now: Fixture.now)
        XCTAssertEqual(find("11-20 14:03:03", in: g)?.y, 4, "the newest entry is the first row")
    }

    func testDetailsOverlayOpensAndCloses() {
        var s = Fixture.state()
        Fixture.press(&s, .char("6"), .enter)
        guard case .details(_, let lines)? = s.overlay else { return XCTFail("no overlay") }
        XCTAssertTrue(lines.contains("  \"errmsg\": \"chunk too big to move\""), "\(lines)")
        Fixture.press(&s, .char("2"))
        XCTAssertEqual(s.pane, .changelog, "keys go to the overlay while it is open")
        Fixture.press(&s, .escape)
        XCTAssertNil(s.overlay)
        Fixture.press(&s, .char("?"))
        XCTAssertEqual(s.overlay, .help)
        Fixture.press(&s, .char("?"))
        XCTAssertNil(s.overlay)
    }

    func testChunkMapPagesAsTheUserScrolls() {
        var s = Fixture.state()
        s.resize(width: 80, height: 24)      // 18 rows a page
        Fixture.selectUsers(&s)
        XCTAssertEqual(Fixture.press(&s, .enter), [.loadChunkPage(ns: Fixture.users, after: nil)])
        XCTAssertEqual(Fixture.press(&s, .down), [], "no second request while one is in flight")
        let page1 = Array(Fixture.userChunks.prefix(10)), page2 = Array(Fixture.userChunks.dropFirst(10))
        s.apply(.chunkPage(ns: Fixture.users, after: nil, chunks: page1))
        // Already within a page of the end: the next move asks for what follows the last loaded chunk.
        XCTAssertEqual(Fixture.press(&s, .down), [.loadChunkPage(ns: Fixture.users, after: page1.last!.min)])
        XCTAssertEqual(Fixture.press(&s, .down), [])
        // A stale page (wrong `after`) is ignored.
        s.apply(.chunkPage(ns: Fixture.users, after: nil, chunks: page1))
        XCTAssertEqual(s.chunkMap?.chunks.count, 10)
        s.apply(.chunkPage(ns: Fixture.users, after: page1.last!.min, chunks: page2))
        XCTAssertEqual(s.chunkMap?.chunks.count, 21)
        XCTAssertEqual(s.chunkMap?.complete, true, "as many chunks as the distribution counts: nothing more to ask for")
        XCTAssertEqual(Fixture.press(&s, .char("G")), [])
        XCTAssertEqual(s.position(.chunkMap).selected, 20)
        // An empty page also ends the paging.
        XCTAssertEqual(Fixture.press(&s, .char("r")), [.refreshNow, .loadChunkPage(ns: Fixture.users, after: nil)])
        s.apply(.chunkPage(ns: Fixture.users, after: nil, chunks: Array(page1.prefix(3))))
        XCTAssertEqual(Fixture.press(&s, .down), [.loadChunkPage(ns: Fixture.users, after: page1[2].min)])
        s.apply(.chunkPage(ns: Fixture.users, after: page1[2].min, chunks: []))
        XCTAssertEqual(s.chunkMap?.complete, true)
        XCTAssertEqual(Fixture.press(&s, .down, .char("G")), [])
    }

    func testFindChunkByKey() {
        var s = Fixture.state()
        Fixture.selectUsers(&s)
        Fixture.press(&s, .enter)
        s.apply(.chunkPage(ns: Fixture.users, after: nil, chunks: Array(Fixture.userChunks.prefix(8))))
        Fixture.press(&s, .char("/"))
        XCTAssertEqual(s.prompt?.purpose, .findKey)
        Fixture.type(&s, "{region: \"EU\", id: 250}")
        let key: BSONDocument = ["region": .string("EU"), "id": .int32(250)]
        XCTAssertEqual(Fixture.press(&s, .enter), [.findChunk(ns: Fixture.users, key: key)])
        let found = Fixture.userChunks[3]
        XCTAssertTrue(found.contains(key))
        s.apply(.chunkFound(ns: Fixture.users, key: key, chunk: found))
        XCTAssertEqual(s.position(.chunkMap).selected, 3)
        // A chunk beyond what is loaded replaces the list; g reloads from the start.
        let far = Fixture.userChunks[15]
        s.apply(.chunkFound(ns: Fixture.users, key: far.min, chunk: far))
        XCTAssertEqual(s.chunkMap?.chunks, [far])
        XCTAssertEqual(Fixture.press(&s, .char("g")), [.loadChunkPage(ns: Fixture.users, after: nil)])
        s.apply(.chunkFound(ns: Fixture.users, key: key, chunk: nil))
        XCTAssertEqual(s.message, "no chunk holds { region: \"EU\", id: 250 }")
        // A parse error stays in the UI: no effect.
        Fixture.press(&s, .char("/"))
        Fixture.type(&s, "{nope: 1}")
        XCTAssertEqual(Fixture.press(&s, .enter), [])
        XCTAssertEqual(s.message, "'nope' is not a shard key field (region, id)")
    }

    func testFindOnHashedKeyLooksUpTheHash() {
        // app.orders is sharded on { _id: 'hashed' }: its chunk bounds hold hashes, so `/42` must look up hash(42)
        // (-944302157085130861, the server's own test vector), not 42.
        var s = Fixture.state()
        _ = s.handle(.char("3"), now: Fixture.now)
        s.positions[.collections] = ListPosition(selected: CollectionsPane.visibleCollections(s).firstIndex { $0.ns == Fixture.orders }!)
        Fixture.press(&s, .enter, .char("/"))
        Fixture.type(&s, "42")
        XCTAssertEqual(Fixture.press(&s, .enter), [.findChunk(ns: Fixture.orders, key: ["_id": .int64(-944302157085130861)])])
        XCTAssertEqual(s.message, "finding 42 (hashed -944302157085130861)…")
    }

    func testRefreshInChunkMapReloadsThePage() {
        var s = Fixture.state()
        Fixture.selectUsers(&s)
        Fixture.press(&s, .enter)
        XCTAssertEqual(Fixture.press(&s, .char("r")), [.refreshNow, .loadChunkPage(ns: Fixture.users, after: nil)])
    }
}

final class KeyParserTests: XCTestCase {
    func parse(_ t: String, _ fields: [String] = ["region", "id"]) -> BSONDocument? { try? KeyParser.parse(t, keyFields: fields).get() }

    func testValues() {
        XCTAssertEqual(parse("42", ["x"]), ["x": .int32(42)])
        XCTAssertEqual(parse("-5000000000", ["x"]), ["x": .int64(-5_000_000_000)])
        XCTAssertEqual(parse("1.5", ["x"]), ["x": .double(1.5)])
        XCTAssertEqual(parse("\"abc\"", ["x"]), ["x": .string("abc")])
        XCTAssertEqual(parse("'a b'", ["x"]), ["x": .string("a b")])
        XCTAssertEqual(parse("MaxKey", ["x"]), ["x": .maxKey])
        XCTAssertEqual(parse("ObjectId(\"6553f0c2a1b2c3d4e5f60718\")", ["x"]), ["x": .objectId(ObjectId(hex: "6553f0c2a1b2c3d4e5f60718")!)])
        XCTAssertEqual(parse("{region: \"EU\", id: 5}"), ["region": .string("EU"), "id": .int32(5)])
        XCTAssertEqual(parse("{id: 5, region: 'EU'}"), ["region": .string("EU"), "id": .int32(5)], "key order, not typing order")
        XCTAssertEqual(parse("EU"), ["region": .string("EU"), "id": .minKey], "a prefix fills the rest with MinKey")
        XCTAssertNil(parse("{region: \"EU\""))
        XCTAssertNil(parse(""))
        XCTAssertNil(parse("1 2", ["x"]))
    }
}

/// Presentation functions with colour off, and text safety.
final class PresentationTests: XCTestCase {
    func testFormats() {
        XCTAssertEqual(Fmt.count(1_234_567), "1,234,567")
        XCTAssertEqual(Fmt.bytes(3_200_000_000), "3.0 GB")
        XCTAssertEqual(Fmt.age(1.23), "1.2 s")
        XCTAssertEqual(Fmt.age(600), "10 min")
        XCTAssertEqual(Fmt.uptime(900_000), "10d 10h")
        XCTAssertEqual(Fmt.key(["region": .string("EU"), "id": .minKey]), "{ region: \"EU\", id: MinKey }")
        XCTAssertEqual(Fmt.key(["x": .int64(-7)]), "-7")
    }

    func testBarsFillExactlyAndLetterWithoutColour() {
        XCTAssertEqual(Bar.cells([40, 38, 2], scale: 80, width: 10), [5, 5, 0])
        XCTAssertEqual(Bar.cells([1, 1, 1], scale: 3, width: 10).reduce(0, +), 10)
        XCTAssertEqual(Bar.cells([5], scale: 10, width: 10), [5])
        let spans = Bar.spans([BarSegment(value: 1, index: 0), BarSegment(value: 1, index: 1)], scale: 2, width: 6,
                              options: UIOptions(glyphs: .ascii, color: false))
        XCTAssertEqual(spans.plain, "AAABBB")
    }

    func testTableLayoutDropsLessImportantColumnsFirst() {
        let cols = [Column(title: "a", width: 10), Column(title: "b", width: 10, drop: 1), Column(title: "c", width: 10, drop: 2)]
        XCTAssertEqual(Table.layout(cols, width: 32).map(\.index), [0, 1, 2])
        XCTAssertEqual(Table.layout(cols, width: 25).map(\.index), [0, 1])
        XCTAssertEqual(Table.layout(cols, width: 12).map(\.index), [0])
    }

    func testShardsRows() {
        let t = ShardsPane.table(Fixture.state())
        XCTAssertEqual(t.rows.map { $0.cells[0].plain }, ["shard01", "shard02", "shard03"])
        XCTAssertEqual(t.rows[0].cells.map(\.plain), ["shard01", "rs01/db1a.example.net:27018,db1b.example.net:27018", "1", "no", "EU", "54", "2", "3.0 GB"])
        XCTAssertEqual(t.rows[2].cells[3].plain, "draining")
    }

    func testMigrationsOfTheLastDay() {
        let m = BalancerPane.migrations(Fixture.state())
        XCTAssertEqual(m.map(\.entry.id), ["c6", "c5"])
        XCTAssertEqual(m.map(\.failed), [true, false])
        XCTAssertEqual(m[0].reason, "chunk too big to move")
    }

    func testHelpIsGeneratedFromTheBindings() {
        // Every binding is in the help (the compare key only when a --compare source is given).
        let help = KeyBindings.helpLines(comparing: true).map(\.plain).joined(separator: "\n")
        for b in KeyBindings.table { XCTAssertTrue(help.contains(b.help), b.help) }
        let plain = KeyBindings.helpLines().map(\.plain).joined(separator: "\n")
        for b in KeyBindings.table { XCTAssertEqual(plain.contains(b.help), !b.needsCompare, b.help) }
        XCTAssertEqual(KeyBindings.footer(for: .changelog).first?.label, "?")
        XCTAssertTrue(KeyBindings.footer(for: .changelog).contains { $0.command == .follow })
        XCTAssertFalse(KeyBindings.footer(for: .overview).contains { $0.command == .follow })
    }

    func testWideNamesAreClippedAtAFixedWidth() {
        XCTAssertEqual(TextFit.clip("app.日本語コレクション", 10), "app.日本…")      // 4 + 2 + 2 + 1 = 9 columns, no half glyph
        XCTAssertEqual(DisplayWidth.of(TextFit.clip("app.日本語コレクション", 10)), 9)
        XCTAssertEqual(TextFit.clip("app.🚀🚀rockets", 9), "app.🚀🚀…")
        XCTAssertEqual(TextFit.pad("日本", 5), "日本 ")
        // On screen, in the ns column at 80 columns: every row stays exactly 80 cells wide, glyphs whole.
        var s = Fixture.state()
        s.pane = .collections
        let g = Screen.render(s, width: 80, height: 24, now: Fixture.now)
        for y in 0..<g.height {
            let width = (0..<g.width).reduce(0) { $0 + (g[$1, y].isContinuation ? 0 : DisplayWidth.of(g[$1, y].text)) }
            XCTAssertEqual(width, 80, "row \(y)")
        }
        XCTAssertNotNil(find("app.日本語", in: g))
        XCTAssertNotNil(find("app.🚀🚀", in: g))
    }

    func testEscapeSequencesInNamesAreShownEscaped() {
        var s = Fixture.state()
        s.pane = .collections
        let text = Screen.render(s, width: 132, height: 43, now: Fixture.now).text
        XCTAssertTrue(text.contains("app.\\x1b[31mevil"), text)
        XCTAssertFalse(text.contains("\u{1b}"))
    }
}
