/// A stretch of the normalized question: plain text to tokenize, or a phrase the user
/// quoted or named after 提到/涉及/包含, which searches `content` and is never tokenized.
public enum Segment: Hashable, Sendable {
    case text(String)
    case content(String)
}

/// Question text → segments. Full-width forms become half-width, ASCII is lower-cased,
/// ISO dates become 年月日, quoted and "提到X" phrases are kept whole, punctuation and
/// spaces go. The patterns come from `Grammars/patterns.tsv`.
public struct Normalizer: Sendable {
    let isoDate: Regex
    let content: Regex
    let quoted: Regex
    let drop: Regex

    public init(patterns: [String: Regex]) throws {
        func need(_ n: String) throws -> Regex {
            guard let r = patterns[n] else { throw GrammarError("Grammars/patterns.tsv 缺少模式 \(n)") }
            return r
        }
        isoDate = try need("iso_date")
        content = try need("content")
        quoted = try need("quoted")
        drop = try need("drop")
    }

    public static func foldWidth(_ s: String) -> String {
        var out = String.UnicodeScalarView()
        for u in s.unicodeScalars {
            switch u.value {
            case 0xFF01...0xFF5E: out.append(Unicode.Scalar(u.value - 0xFEE0)!)
            case 0x3000: out.append(" ")
            default: out.append(u)
            }
        }
        return String(out)
    }

    /// Full-width forms to half-width and lower case in one pass, as UTF-8: the same text as
    /// `foldWidth(question).lowercased()` (String.lowercased maps each scalar by its lowercase
    /// mapping), without building either string.
    static func foldedBytes(_ question: String) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(question.utf8.count)
        for u in question.unicodeScalars {
            var v = u.value
            if v >= 0xFF01 && v <= 0xFF5E { v -= 0xFEE0 } else if v == 0x3000 { v = 0x20 }
            if v < 0x80 {
                out.append(UInt8(v >= 0x41 && v <= 0x5A ? v + 0x20 : v))
            } else if (0x3000...0x9FFF).contains(v) || (0xFF00...0xFFEF).contains(v) {
                // CJK punctuation, kana, ideographs, half- and full-width forms: no case.
                // (Three UTF-8 bytes, written directly.)
                out.append(UInt8(0xE0 | (v >> 12)))
                out.append(UInt8(0x80 | ((v >> 6) & 0x3F)))
                out.append(UInt8(0x80 | (v & 0x3F)))
            } else if u.properties.changesWhenLowercased {
                out.append(contentsOf: u.properties.lowercaseMapping.utf8)
            } else if let e = UTF8.encode(u) {
                out.append(contentsOf: e)
            }
        }
        return out
    }

    public func normalize(_ question: String) -> [Segment] {
        var text = Normalizer.foldedBytes(question)
        text = isoDate.replace(bytes: text) { m, b in
            let y = Int(b.text(m.groups[0])) ?? 0, mo = Int(b.text(m.groups[1])) ?? 0, d = Int(b.text(m.groups[2])) ?? 0
            return Array("\(y)年\(mo)月\(d)日".utf8)
        }
        // Mark content phrases with control characters the user cannot type, then split.
        func marked(_ m: Regex.Match, _ b: [UInt8]) -> [UInt8] {
            guard let g = m.groups.first ?? nil else { return [1, 2] }
            return [1] + b[g] + [2]
        }
        text = content.replace(bytes: text, marked)
        text = quoted.replace(bytes: text, marked)
        var segments: [Segment] = []
        var buf: [UInt8] = []
        var inContent = false
        func flushText() {
            let cleaned = drop.replace(bytes: buf) { _, _ in [] }
            if !cleaned.isEmpty { segments.append(.text(String(decoding: cleaned, as: UTF8.self))) }
            buf.removeAll(keepingCapacity: true)
        }
        for byte in text {
            if byte == 1 { flushText(); inContent = true; continue }
            if byte == 2 {
                let phrase = Normalizer.trimmingSpaces(String(decoding: buf, as: UTF8.self))
                if !phrase.isEmpty { segments.append(.content(phrase)) }
                buf.removeAll(keepingCapacity: true); inContent = false; continue
            }
            buf.append(byte)
        }
        if inContent { buf = [] }
        flushText()
        return segments
    }

    /// Without spaces (Unicode's space separators and tab, as CharacterSet.whitespaces) at either end.
    static func trimmingSpaces(_ s: String) -> String {
        func space(_ u: Unicode.Scalar) -> Bool { u == "\t" || u.properties.generalCategory == .spaceSeparator }
        let u = s.unicodeScalars
        guard let first = u.firstIndex(where: { !space($0) }), let last = u.lastIndex(where: { !space($0) }) else { return "" }
        return String(u[first...last])
    }
}
