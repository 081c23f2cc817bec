/// How a role looks. Colours are the 8 basic curses colours (-1 = terminal default).
public struct Appearance: Hashable, Sendable {
    public var foreground: Int
    public var background: Int
    public var bold: Bool
    public var reverse: Bool
    public var underline: Bool
    public init(fg: Int = -1, bg: Int = -1, bold: Bool = false, reverse: Bool = false, underline: Bool = false) {
        foreground = fg; background = bg; self.bold = bold; self.reverse = reverse; self.underline = underline
    }
}

public enum BasicColor { public static let black = 0, red = 1, green = 2, yellow = 3, blue = 4, magenta = 5, cyan = 6, white = 7 }

/// A table from semantic roles to appearances.
public struct Theme: Sendable {
    public var name: String
    public var usesColor: Bool
    private var lookup: @Sendable (Role) -> Appearance
    public init(name: String, usesColor: Bool, lookup: @escaping @Sendable (Role) -> Appearance) {
        self.name = name; self.usesColor = usesColor; self.lookup = lookup
    }
    public func appearance(_ role: Role) -> Appearance { lookup(role) }

    static let shardColors = [BasicColor.blue, BasicColor.green, BasicColor.magenta, BasicColor.cyan, BasicColor.yellow, BasicColor.red]

    public static let color = Theme(name: "color", usesColor: true) { role in
        switch role {
        case .normal: return Appearance()
        case .dim: return Appearance(fg: BasicColor.white)
        case .title: return Appearance(fg: BasicColor.cyan, bold: true)
        case .tableHeader: return Appearance(fg: BasicColor.yellow, bold: true)
        case .selected: return Appearance(fg: BasicColor.black, bg: BasicColor.cyan)
        case .border: return Appearance(fg: BasicColor.blue)
        case .ok: return Appearance(fg: BasicColor.green)
        case .warn: return Appearance(fg: BasicColor.yellow, bold: true)
        case .error: return Appearance(fg: BasicColor.red, bold: true)
        case .accent: return Appearance(fg: BasicColor.cyan)
        case .badgeOK: return Appearance(fg: BasicColor.black, bg: BasicColor.green, bold: true)
        case .badgeWarn: return Appearance(fg: BasicColor.black, bg: BasicColor.yellow, bold: true)
        case .badgeError: return Appearance(fg: BasicColor.white, bg: BasicColor.red, bold: true)
        case .footerKey: return Appearance(fg: BasicColor.black, bg: BasicColor.cyan, bold: true)
        case .footerText: return Appearance(fg: BasicColor.white, bg: BasicColor.blue)
        case .headerBar: return Appearance(fg: BasicColor.white, bg: BasicColor.blue, bold: true)
        case .shard(let n): return Appearance(fg: shardColors[abs(n) % shardColors.count])
        case .zone(let n): return Appearance(fg: BasicColor.black, bg: shardColors[(abs(n) + 3) % shardColors.count])
        }
    }

    /// Bold, reverse and underline only: for NO_COLOR, --color never, or a terminal without colours.
    public static let monochrome = Theme(name: "monochrome", usesColor: false) { role in
        switch role {
        case .normal, .dim, .border, .accent, .ok, .footerText: return Appearance()
        case .title, .tableHeader, .warn: return Appearance(bold: true)
        case .error: return Appearance(bold: true, underline: true)
        case .selected, .footerKey, .headerBar, .badgeOK, .badgeWarn: return Appearance(reverse: true)
        case .badgeError: return Appearance(bold: true, reverse: true)
        case .shard, .zone: return Appearance()
        }
    }
}
