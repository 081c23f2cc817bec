import XCTest
import CNCursesW
import ClusterPanes
@testable import CursesFrontEnd

/// wget_wch results → Keys, as a terminal over ssh sends them.
final class KeyDecoderTests: XCTestCase {
    func key(_ v: Int32) -> Key? { KeyDecoder.decode(UInt32(v), isKeyCode: true) }
    func char(_ v: UInt32) -> Key? { KeyDecoder.decode(v, isKeyCode: false) }

    func testFunctionKeys() {
        XCTAssertEqual(key(KEY_UP), .up)
        XCTAssertEqual(key(KEY_NPAGE), .pageDown)
        XCTAssertEqual(key(KEY_PPAGE), .pageUp)
        XCTAssertEqual(key(KEY_BTAB), .backTab)
        XCTAssertEqual(key(KEY_RESIZE), .resize)
        XCTAssertEqual(key(KEY_ENTER), .enter)
        XCTAssertNil(key(KEY_F0 + 5))
    }

    func testControlCharacters() {
        XCTAssertEqual(char(0x0D), .enter)       // Enter without nl()
        XCTAssertEqual(char(0x0A), .enter)
        XCTAssertEqual(char(0x1B), .escape)
        XCTAssertEqual(char(0x09), .tab)
        XCTAssertEqual(char(0x7F), .backspace)   // most terminals' Backspace
        XCTAssertEqual(char(0x03), .ctrl("c"))
        XCTAssertEqual(char(0x15), .ctrl("u"))
        XCTAssertNil(char(0x9B))                 // C1 CSI never becomes a key
    }

    func testPrintableIncludingNonASCII() {
        XCTAssertEqual(char(0x71), .char("q"))
        XCTAssertEqual(char(0x2F), .char("/"))
        XCTAssertEqual(char(0x65E5), .char("日"))
        XCTAssertNil(char(0xD800))               // a lone surrogate is not a scalar
    }
}
