/// Contract §9.2: phone and ID numbers inside ticket text never leave the engine unmasked.
/// One function, applied where rows leave the engine, so every channel (CLI, chat, HTTP,
/// CSV, bots, exports) shows the same masked text.
public enum Masking {
    // One alternation, so an ID number is never read as a phone number inside it.
    // Groups: 1 ID (18 digits, last may be X), 2 mobile, 3 landline area code, 4 local number.
    private static let pattern: Regex? = try? Regex(
        "(?<![0-9])(?:([1-9][0-9]{16}[0-9Xx])|(1[3-9][0-9]{9})|(0[1-9][0-9]{1,2})[- ]?([2-9][0-9]{6,7}))(?![0-9])")

    /// `13812345678` → `138****5678`; `0571-86012345` → `0571-8*****45`; an 18-digit ID keeps
    /// its first 6 and last 4 digits.
    public static func mask(_ text: String) -> String {
        guard let re = pattern, text.utf8.contains(where: { $0 >= 0x30 && $0 <= 0x39 }) else { return text }
        return re.replace(in: text) { m, bytes in
            if let id = m.groups.count > 0 ? m.groups[0] : nil {
                let s = bytes.text(id)
                return String(s.prefix(6)) + String(repeating: "*", count: max(0, s.count - 10)) + String(s.suffix(4))
            }
            if let mob = m.groups.count > 1 ? m.groups[1] : nil {
                let s = bytes.text(mob)
                return String(s.prefix(3)) + "****" + String(s.suffix(4))
            }
            let area = m.groups.count > 2 ? bytes.text(m.groups[2]) : ""
            let local = m.groups.count > 3 ? bytes.text(m.groups[3]) : ""
            guard local.count >= 3 else { return bytes.text(m.range) }
            return area + "-" + String(local.prefix(1)) + String(repeating: "*", count: local.count - 3) + String(local.suffix(2))
        }
    }

    /// Masks every text cell of a result.
    public static func mask(rows: [[DBValue]]) -> [[DBValue]] {
        rows.map { r in
            r.map { v in
                if case .text(let t) = v { return .text(mask(t)) }
                return v
            }
        }
    }
}
