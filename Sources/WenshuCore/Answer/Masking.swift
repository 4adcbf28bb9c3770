/// Contract §9.2: phone and ID numbers inside ticket text never leave the engine unmasked.
/// One function, applied where rows leave the engine (answers, exports, warnings), so every
/// channel shows the same masked text. Hides mobile numbers
/// (138****5678), landlines (0571-8*****67) and 18-digit ID numbers (330106********1234).
/// Short numbers (dates, amounts, house numbers) stay as they are.
public enum Masking {
    public static func mask(_ text: String) -> String {
        // No digit, nothing to hide (most ticket texts).
        guard text.utf8.contains(where: { $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) else { return text }
        let chars = Array(text)
        var out = ""
        out.reserveCapacity(text.utf8.count)
        var i = 0
        while i < chars.count {
            guard chars[i].isASCIIDigit else { out.append(chars[i]); i += 1; continue }
            var j = i
            while j < chars.count, chars[j].isASCIIDigit { j += 1 }
            // An ID number may end in X.
            if j - i == 17, j < chars.count, chars[j] == "X" || chars[j] == "x" { j += 1 }
            let run = String(chars[i..<j])
            // Area code, hyphen, subscriber number: one landline.
            if run.count >= 3, run.count <= 4, run.hasPrefix("0"), j + 1 < chars.count, chars[j] == "-", chars[j + 1].isASCIIDigit {
                var k = j + 1
                while k < chars.count, chars[k].isASCIIDigit { k += 1 }
                let local = String(chars[(j + 1)..<k])
                if local.count >= 7, local.count <= 8 {
                    out += run + "-" + keep(local, head: 1, tail: 2)
                    i = k
                    continue
                }
            }
            out += maskRun(run)
            i = j
        }
        return out
    }

    /// Masks the free-text columns of a result (identifiers such as ticket ids stay as they are).
    public static func mask(rows: [[DBValue]], kinds: [ColumnKind]) -> [[DBValue]] {
        let free = Set(kinds.indices.filter { kinds[$0] == .content })
        guard !free.isEmpty else { return rows }
        return rows.map { r in
            r.enumerated().map { i, v in
                if free.contains(i), case .text(let t) = v { return .text(mask(t)) }
                return v
            }
        }
    }

    static func maskRun(_ run: String) -> String {
        let n = run.count
        if n == 18 { return keep(run, head: 6, tail: 4) }
        if n == 11, run.hasPrefix("1") { return keep(run, head: 3, tail: 4) }
        if n >= 10, n <= 12, run.hasPrefix("0") {
            // An area code written together with the number: 010/02x have three digits, others four.
            let c = Array(run)
            let area = c[1] == "1" || c[1] == "2" ? 3 : 4
            return String(c[..<area]) + "-" + keep(String(c[area...]), head: 1, tail: 2)
        }
        if n >= 7 { return keep(run, head: 1, tail: 2) }
        return run
    }

    static func keep(_ s: String, head: Int, tail: Int) -> String {
        let c = Array(s)
        guard c.count > head + tail else { return s }
        return String(c[..<head]) + String(repeating: "*", count: c.count - head - tail) + String(c[(c.count - tail)...])
    }
}

extension Character {
    fileprivate var isASCIIDigit: Bool { isASCII && isNumber }
}
