/// Terminal display width: CJK and full-width characters take two columns.
public enum DisplayWidth {
    public static func of(_ s: String) -> Int {
        s.unicodeScalars.reduce(0) { $0 + width($1) }
    }

    static func width(_ u: Unicode.Scalar) -> Int {
        let v = u.value
        if v < 0x20 { return 0 }
        if (0x1100...0x115F).contains(v) || (0x2E80...0xA4CF).contains(v) || (0xAC00...0xD7A3).contains(v)
            || (0xF900...0xFAFF).contains(v) || (0xFE30...0xFE4F).contains(v) || (0xFF00...0xFF60).contains(v)
            || (0xFFE0...0xFFE6).contains(v) || (0x20000...0x3FFFD).contains(v) {
            return 2
        }
        return 1
    }

    /// Pads (or trims with …) to exactly `width` columns.
    public static func pad(_ s: String, to width: Int, right: Bool = false) -> String {
        var w = of(s)
        var text = s
        if w > width {
            var out = ""
            var used = 0
            for ch in s {
                let cw = of(String(ch))
                if used + cw > width - 1 { break }
                out.append(ch)
                used += cw
            }
            text = out + "…"
            w = used + 1
        }
        let fill = String(repeating: " ", count: max(0, width - w))
        return right ? fill + text : text + fill
    }
}
