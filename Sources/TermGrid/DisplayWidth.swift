/// Display width of text, measured in one place. Deterministic (a table, not the C locale), so golden
/// screens are the same on every machine: East Asian Wide/Fullwidth and emoji are 2 columns,
/// combining marks and zero-width characters 0, everything else 1.
public enum DisplayWidth {
    public static func of(_ ch: Character) -> Int {
        guard let first = ch.unicodeScalars.first else { return 0 }
        if isControl(ch) { return 1 }  // shown as a one-column replacement
        // Emoji presentation (incl. sequences with VS16) is wide.
        if ch.unicodeScalars.contains(where: { $0.value == 0xFE0F }) { return 2 }
        return scalarWidth(first)
    }

    public static func of(_ s: String) -> Int {
        // Printable ASCII (most of any frame) is one column a byte: no grapheme breaking, no Unicode tables.
        if s.utf8.allSatisfy({ $0 >= 0x20 && $0 < 0x7f }) { return s.utf8.count }
        return s.reduce(0) { $0 + of($1) }
    }

    public static func isControl(_ ch: Character) -> Bool {
        guard let v = ch.unicodeScalars.first?.value else { return false }
        return v < 0x20 || v == 0x7f || (0x80...0x9f).contains(v)
    }

    static func scalarWidth(_ u: Unicode.Scalar) -> Int {
        let v = u.value
        if v >= 0x20 && v < 0x7f { return 1 }
        if v == 0 { return 0 }
        if v == 0x200B || (0x200C...0x200F).contains(v) || (0x2060...0x2064).contains(v) || v == 0xFEFF { return 0 }
        switch u.properties.generalCategory {
        case .nonspacingMark, .enclosingMark: return 0
        default: break
        }
        for r in wide where r.contains(v) { return 2 }
        return 1
    }

    // East Asian Wide (W) and Fullwidth (F) blocks, and emoji with default emoji presentation.
    static let wide: [ClosedRange<UInt32>] = [
        0x1100...0x115F, 0x231A...0x231B, 0x2329...0x232A, 0x23E9...0x23EC, 0x23F0...0x23F0, 0x23F3...0x23F3,
        0x25FD...0x25FE, 0x2614...0x2615, 0x2648...0x2653, 0x267F...0x267F, 0x2693...0x2693, 0x26A1...0x26A1,
        0x26AA...0x26AB, 0x26BD...0x26BE, 0x26C4...0x26C5, 0x26CE...0x26CE, 0x26D4...0x26D4, 0x26EA...0x26EA,
        0x26F2...0x26F3, 0x26F5...0x26F5, 0x26FA...0x26FA, 0x26FD...0x26FD, 0x2705...0x2705, 0x270A...0x270B,
        0x2728...0x2728, 0x274C...0x274C, 0x274E...0x274E, 0x2753...0x2755, 0x2757...0x2757, 0x2795...0x2797,
        0x27B0...0x27B0, 0x27BF...0x27BF, 0x2B1B...0x2B1C, 0x2B50...0x2B50, 0x2B55...0x2B55,
        0x2E80...0x303E, 0x3041...0x33FF, 0x3400...0x4DBF, 0x4E00...0x9FFF, 0xA000...0xA4CF, 0xA960...0xA97F,
        0xAC00...0xD7A3, 0xF900...0xFAFF, 0xFE10...0xFE19, 0xFE30...0xFE6F, 0xFF00...0xFF60, 0xFFE0...0xFFE6,
        0x16FE0...0x16FE4, 0x17000...0x18CFF, 0x1AFF0...0x1B2FF, 0x1F004...0x1F004, 0x1F0CF...0x1F0CF,
        0x1F18E...0x1F18E, 0x1F191...0x1F19A, 0x1F200...0x1F251, 0x1F300...0x1F320, 0x1F32D...0x1F335,
        0x1F337...0x1F37C, 0x1F37E...0x1F393, 0x1F3A0...0x1F3CA, 0x1F3CF...0x1F3D3, 0x1F3E0...0x1F3F0,
        0x1F3F4...0x1F3F4, 0x1F3F8...0x1F43E, 0x1F440...0x1F440, 0x1F442...0x1F4FC, 0x1F4FF...0x1F53D,
        0x1F54B...0x1F54E, 0x1F550...0x1F567, 0x1F57A...0x1F57A, 0x1F595...0x1F596, 0x1F5A4...0x1F5A4,
        0x1F5FB...0x1F64F, 0x1F680...0x1F6C5, 0x1F6CC...0x1F6CC, 0x1F6D0...0x1F6D2, 0x1F6D5...0x1F6D7,
        0x1F6DC...0x1F6DF, 0x1F6EB...0x1F6EC, 0x1F6F4...0x1F6FC, 0x1F7E0...0x1F7EB, 0x1F7F0...0x1F7F0,
        0x1F90C...0x1F93A, 0x1F93C...0x1F945, 0x1F947...0x1F9FF, 0x1FA70...0x1FAFF, 0x20000...0x2FFFD, 0x30000...0x3FFFD,
    ]
}

extension DisplayWidth {
    /// `text` broken into lines of at most `width` columns, at spaces where it can, inside a word where a word is
    /// longer than a line. At most `maxLines` lines; when text is left over, the last line ends with "…".
    public static func wrap(_ text: String, width: Int, maxLines: Int = .max) -> [String] {
        guard width > 0, maxLines > 0 else { return [] }
        var lines: [String] = [], line = "", lineWidth = 0
        func flush() { lines.append(line); line = ""; lineWidth = 0 }
        for word in text.split(separator: " ", omittingEmptySubsequences: true).map(String.init) {
            let w = of(word)
            if lineWidth > 0, lineWidth + 1 + w > width { flush() }
            if lineWidth > 0 { line += " "; lineWidth += 1 }
            if w <= width - lineWidth { line += word; lineWidth += w; continue }
            for ch in word {                                  // a word longer than the line: break it
                let cw = of(ch)
                if lineWidth + cw > width { flush() }
                line.append(ch); lineWidth += cw
            }
        }
        if lineWidth > 0 || lines.isEmpty { flush() }
        guard lines.count > maxLines else { return lines }
        var last = lines[maxLines - 1]
        while !last.isEmpty, of(last) + 1 > width { last.removeLast() }
        return Array(lines.prefix(maxLines - 1)) + [last + "…"]
    }
}
