import Foundation
import CNCursesW
import TermGrid
import ClusterPanes

public enum ColorMode: String, Sendable { case auto, always, never }

struct TerminalError: Error, CustomStringConvertible {
    var description: String
}

/// The ncurses screen: set-up and tear-down, colour pairs, painting grid changes, reading keys.
/// The only code that writes to the terminal.
final class CursesScreen {
    private let screen: OpaquePointer
    let theme: Theme
    /// False when the locale cannot show non-ASCII text: such characters get an ASCII stand-in or '?'.
    let unicode: Bool
    private var pairs: [Pair: Int32] = [:]
    private var defaultColors = true
    private var ended = false
    private var previous: Grid?

    private struct Pair: Hashable { var fg: Int; var bg: Int }

    init(color: ColorMode, unicode: Bool) throws {
        guard isatty(STDIN_FILENO) == 1, isatty(STDOUT_FILENO) == 1 else {
            throw TerminalError(description: "the interactive UI needs a terminal on stdin and stdout")
        }
        guard let term = ProcessInfo.processInfo.environment["TERM"], !term.isEmpty else {
            throw TerminalError(description: "TERM is not set; set it to your terminal type (for example TERM=xterm-256color)")
        }
        guard let s = newterm(nil, stdout, stdin) else {
            throw TerminalError(description: "cannot use terminal type \"\(term)\" (unknown to terminfo?)")
        }
        screen = s
        self.unicode = unicode
        cursesActive = true

        cbreak(); noecho(); nonl()
        keypad(ss_stdscr(), true)
        intrflush(ss_stdscr(), false)
        leaveok(ss_stdscr(), true)
        curs_set(0)
        set_escdelay(25)
        nodelay(ss_stdscr(), true)   // we wait in poll(); curses only decodes what is there

        let noColorEnv = !(ProcessInfo.processInfo.environment["NO_COLOR"] ?? "").isEmpty
        let wantColor: Bool
        switch color {
        case .never: wantColor = false
        case .always: wantColor = true
        case .auto: wantColor = !noColorEnv && has_colors()
        }
        if wantColor, start_color() != ERR {
            defaultColors = use_default_colors() != ERR
            theme = .color
        } else {
            theme = .monochrome
        }
    }

    /// Restores the terminal. Safe to call more than once.
    func end() {
        guard !ended else { return }
        ended = true
        cursesActive = false
        endwin()
        delscreen(screen)
    }

    var size: (width: Int, height: Int) {
        (Int(ss_getmaxx(ss_stdscr())), Int(ss_getmaxy(ss_stdscr())))
    }

    /// Forgets what is on screen so the next `draw` repaints every cell (after a resize).
    func invalidate() {
        previous = nil
        clearok(ss_curscr(), true)
    }

    /// Paints the cells that changed since the last frame, then refreshes once.
    func draw(_ grid: Grid) {
        let changes = grid.changes(since: previous)
        for (x, y, cell) in changes where !cell.isContinuation {
            put(cell, x: x, y: y, wide: x + 1 < grid.width && grid[x + 1, y].isContinuation)
        }
        previous = grid
        if !changes.isEmpty { refresh() }
    }

    private func put(_ cell: Cell, x: Int, y: Int, wide: Bool) {
        let look = theme.appearance(cell.role)
        var attrs: attr_t = 0
        if look.bold { attrs |= ss_a_bold() }
        if look.reverse { attrs |= ss_a_reverse() }
        if look.underline { attrs |= ss_a_underline() }
        let pair = theme.usesColor ? pairNumber(fg: look.foreground, bg: look.background) : 0

        var scalars = glyph(cell.text)
        let columns = Int(ss_wcwidth(wchar_t(bitPattern: scalars[0])))
        // The grid and the C library disagree on the width: keep the layout, lose the glyph.
        if columns == 2 && !wide { scalars = [0x3F] }
        write(scalars, x: x, y: y, attrs: attrs, pair: pair)
        if wide && columns != 2 { write([0x20], x: x + 1, y: y, attrs: attrs, pair: pair) }
    }

    private func write(_ scalars: [UInt32], x: Int, y: Int, attrs: attr_t, pair: Int32) {
        let wchars = scalars.map { wchar_t(bitPattern: $0) } + [0]
        wchars.withUnsafeBufferPointer { _ = ss_put_cell(Int32(y), Int32(x), $0.baseAddress, attrs, pair) }
    }

    /// The code points to draw for one cell: a printable base character and the zero-width marks
    /// that follow it (at most 4 in all). Control characters, and anything but ASCII when the locale
    /// is not UTF-8, become '?'.
    private func glyph(_ text: String) -> [UInt32] {
        let values = text.unicodeScalars.map(\.value)
        guard let first = values.first else { return [0x20] }
        if !unicode && first > 0x7E { return [Self.asciiFallback[first] ?? 0x3F] }
        if Self.isControl(first) || ss_wcwidth(wchar_t(bitPattern: first)) < 1 { return [0x3F] }
        var out = [first]
        for v in values.dropFirst() {
            guard unicode, out.count < 4, !Self.isControl(v), ss_wcwidth(wchar_t(bitPattern: v)) == 0 else { break }
            out.append(v)
        }
        return out
    }

    private static func isControl(_ v: UInt32) -> Bool { v < 0x20 || (0x7F...0x9F).contains(v) }

    /// When the locale is not UTF-8: ASCII stand-ins for the punctuation, lines and blocks panes use.
    private static let asciiFallback: [UInt32: UInt32] = {
        let pairs: [(String, Character)] = [("…", "~"), ("·", "."), ("•●", "*"), ("─━–—", "-"), ("│┃", "|"), ("┌┐└┘├┤┬┴┼", "+"),
                                            ("█▉▊▋▌▍▎▏▓▒░■", "#"), ("▲↑", "^"), ("▼↓", "v"), ("→", ">"), ("←", "<"),
                                            ("×", "x"), ("≥", ">"), ("≤", "<"), ("‘’", "'"), ("“”", "\"")]
        var table: [UInt32: UInt32] = [:]
        for (from, to) in pairs { for u in from.unicodeScalars { table[u.value] = to.unicodeScalars.first!.value } }
        return table
    }()

    private func pairNumber(fg: Int, bg: Int) -> Int32 {
        var key = Pair(fg: fg, bg: bg)
        if !defaultColors {
            if key.fg < 0 { key.fg = Int(COLOR_WHITE) }
            if key.bg < 0 { key.bg = Int(COLOR_BLACK) }
        }
        if key.fg < 0 && key.bg < 0 { return 0 }
        if let n = pairs[key] { return n }
        let n = Int32(pairs.count + 1)
        guard n < min(ss_color_pairs(), 32767) else { return 0 }
        init_pair(Int16(n), Int16(key.fg), Int16(key.bg))
        pairs[key] = n
        return n
    }

    /// Waits up to `timeoutMs` for input, then returns every key already typed (typeahead is handled
    /// before the next redraw). `hangup` is true when the terminal is gone (ssh dropped without SIGHUP
    /// reaching us): reading would return at once forever, so the caller must quit.
    func readKeys(timeoutMs: Int32) -> (keys: [Key], hangup: Bool) {
        var fds = pollfd(fd: STDIN_FILENO, events: Int16(POLLIN), revents: 0)
        let ready = poll(&fds, 1, timeoutMs)   // a signal (ours, SIGWINCH) ends it early with EINTR
        if ready > 0 && fds.revents & Int16(POLLHUP | POLLERR | POLLNVAL) != 0 { return ([], true) }
        var keys: [Key] = []
        var ch: wint_t = 0
        // Also read when poll saw nothing: ncurses may hold keys of its own (KEY_RESIZE, pushed-back bytes).
        while keys.count < 256 {
            let r = wget_wch(ss_stdscr(), &ch)
            if r == ERR { break }
            if let key = KeyDecoder.decode(UInt32(ch), isKeyCode: r == KEY_CODE_YES) { keys.append(key) }
        }
        return (keys, false)
    }
}
