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

    public func normalize(_ question: String) -> [Segment] {
        var text = Normalizer.foldWidth(question).lowercased()
        text = isoDate.replace(in: text) { m, b in
            let y = Int(b.text(m.groups[0])) ?? 0, mo = Int(b.text(m.groups[1])) ?? 0, d = Int(b.text(m.groups[2])) ?? 0
            return "\(y)年\(mo)月\(d)日"
        }
        // Mark content phrases with control characters the user cannot type, then split.
        text = content.replace(in: text) { m, b in "\u{1}" + b.text(m.groups.first ?? nil) + "\u{2}" }
        text = quoted.replace(in: text) { m, b in "\u{1}" + b.text(m.groups.first ?? nil) + "\u{2}" }
        var segments: [Segment] = []
        var buf = ""
        var inContent = false
        func flushText() {
            let cleaned = drop.replace(in: buf) { _, _ in "" }
            if !cleaned.isEmpty { segments.append(.text(cleaned)) }
            buf = ""
        }
        for ch in text {
            if ch == "\u{1}" { flushText(); inContent = true; continue }
            if ch == "\u{2}" {
                let phrase = buf.trimmingCharacters(in: .whitespaces)
                if !phrase.isEmpty { segments.append(.content(phrase)) }
                buf = ""; inContent = false; continue
            }
            buf.append(ch)
        }
        if inContent { buf = "" }
        flushText()
        return segments
    }
}

import Foundation
