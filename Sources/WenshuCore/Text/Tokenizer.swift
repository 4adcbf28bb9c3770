/// A token of the question: a dictionary word, a number, an ASCII word, a content phrase,
/// or an unknown character (reported, never dropped).
public struct Token: Hashable, Sendable {
    public enum Kind: Hashable, Sendable {
        case word, number(Int), latin, content, unknown
        /// 0.8, 2.5 (a plain decimal) and 80%, 85.5% (a ratio, as a fraction).
        case decimal(Double), percent(Double)
        /// Unknown characters ending in a place suffix (某某区): a place the store does not have.
        case unknownPlace
    }
    public let surface: String
    public let kind: Kind
}

/// Dictionary-driven segmentation in the manner of jieba: every dictionary word, number
/// run and ASCII run starting at each position is an edge of a DAG, and dynamic programming
/// picks the cheapest path (fewest pieces; unknown single characters cost more).
public struct Tokenizer: Sendable {
    let trie: Trie
    /// Dictionary words made only of numerals that stay words (五一 the holiday, not 51).
    let numeralWords: Set<String>

    public init(words: some Sequence<String>, numeralWords: Set<String> = []) {
        var t = Trie()
        for w in words where !w.isEmpty { t.insert(w) }
        trie = t
        self.numeralWords = numeralWords
    }

    static let numeralScalars: Set<UInt32> = Set("零〇○一二两三四五六七八九十百千万".unicodeScalars.map(\.value))

    /// `numeralScalars.contains(u)` without hashing (the tokenizer asks for every character).
    @inline(__always)
    static func isNumeral(_ u: UInt32) -> Bool {
        switch u {
        case 0x96F6, 0x3007, 0x25CB, 0x4E00, 0x4E8C, 0x4E24, 0x4E09, 0x56DB, 0x4E94, 0x516D, 0x4E03, 0x516B, 0x4E5D, 0x5341, 0x767E, 0x5343, 0x4E07:
            return true
        default:
            return false
        }
    }

    public func tokenize(_ segments: [Segment]) -> [Token] {
        if segments.count == 1, case .text(let text) = segments[0] { return Tokenizer.mergeUnknownPlaces(tokenize(text: text)) }
        var out: [Token] = []
        for seg in segments {
            switch seg {
            case .content(let phrase): out.append(Token(surface: phrase, kind: .content))
            case .text(let text): out.append(contentsOf: Tokenizer.mergeUnknownPlaces(tokenize(text: text)))
            }
        }
        return out
    }

    static let placeSuffixes: [String] = ["街道", "社区", "区", "县", "市", "镇", "乡", "村"]

    /// 西/湖/区 where 西 and 湖 are unknown → one token 西湖区, so the user hears "no such place"
    /// instead of an answer about 区 with two words ignored.
    static func mergeUnknownPlaces(_ tokens: [Token]) -> [Token] {
        guard tokens.contains(where: { if case .unknown = $0.kind { return true }; return false }) else { return tokens }
        var out: [Token] = []
        var i = 0
        while i < tokens.count {
            guard tokens[i].kind == .unknown else { out.append(tokens[i]); i += 1; continue }
            var j = i
            while j < tokens.count, tokens[j].kind == .unknown { j += 1 }
            let run = tokens[i..<j].map(\.surface).joined()
            if j < tokens.count, placeSuffixes.contains(tokens[j].surface) {
                out.append(Token(surface: run + tokens[j].surface, kind: .unknownPlace))
                i = j + 1
            } else if run.count >= 3, placeSuffixes.contains(where: { run.hasSuffix($0) }) {
                out.append(Token(surface: run, kind: .unknownPlace))
                i = j
            } else {
                out.append(contentsOf: tokens[i..<j])
                i = j
            }
        }
        return out
    }

    func tokenize(text: String) -> [Token] {
        var text = text
        return text.withUTF8 { tokenize(utf8: $0) }
    }

    private func tokenize(utf8: UnsafeBufferPointer<UInt8>) -> [Token] {
        // Each scalar, and where it starts in the UTF-8 bytes (a token's surface is a byte
        // slice); one more entry marks the end.
        var scalars: [(value: UInt32, offset: Int)] = []
        scalars.reserveCapacity(utf8.count + 1)
        // The bytes come from a String, so they are well-formed UTF-8.
        var b = 0
        while b < utf8.count {
            let c0 = UInt32(utf8[b])
            let w = c0 < 0x80 ? 1 : c0 < 0xE0 ? 2 : c0 < 0xF0 ? 3 : 4
            guard b + w <= utf8.count else { break }
            var v = w == 1 ? c0 : c0 & (0xFF >> UInt32(w + 1))
            for k in 1..<w { v = v << 6 | UInt32(utf8[b + k] & 0x3F) }
            scalars.append((v, b))
            b += w
        }
        scalars.append((0, b))
        let n = scalars.count - 1
        if n == 0 { return [] }
        func surface(_ i: Int, _ end: Int) -> String { String(decoding: UnsafeBufferPointer(rebasing: utf8[scalars[i].offset..<scalars[end].offset]), as: UTF8.self) }
        // For each i: the cheapest segmentation of scalars[i...], the end of its first piece
        // and that piece's kind (0 word, 1 number, 2 latin, 3 unknown, 4 decimal, 5 percent).
        var step = [(cost: Double, next: Int, kind: UInt8)].filled((.infinity, 0, 0), count: n + 1)
        step[n].cost = 0
        var ends: [Int] = []
        for i in stride(from: n - 1, through: 0, by: -1) {
            func consider(_ end: Int, _ c: Double, _ k: UInt8) {
                let total = c + step[end].cost
                if total < step[i].cost || (total == step[i].cost && end > step[i].next) {
                    step[i] = (total, end, k)
                }
            }
            // Every dictionary word starting here (the trie walked inline: no closure per word).
            ends.removeAll(keepingCapacity: true)
            var node = 0, j = i
            while j < n {
                node = trie.child(node, scalars[j].value)
                if node < 0 { break }
                j += 1
                if trie.terminal[node] { ends.append(j) }
            }
            for end in ends {
                // A word made only of numerals (一, 十二) is a number: a grammar literal must not hide it.
                if scalars[i..<end].allSatisfy({ Tokenizer.isNumeral($0.value) }), numeralWords.isEmpty || !numeralWords.contains(surface(i, end)) { continue }
                consider(end, 1.0, 0)
            }
            let u = scalars[i].value
            func digit(_ k: Int) -> Bool { k < n && scalars[k].value >= 0x30 && scalars[k].value <= 0x39 }
            if u >= 0x30 && u <= 0x39 {
                var j = i
                while digit(j) { j += 1 }
                var k: UInt8 = 1
                // 0.8 / 85.5: a decimal point between digits.
                if j + 1 < n, scalars[j].value == 0x2E, digit(j + 1) {
                    j += 1
                    while digit(j) { j += 1 }
                    k = 4
                }
                if j < n, scalars[j].value == 0x25 { j += 1; k = 5 }
                consider(j, 1.0, k)
            } else if Tokenizer.isNumeral(u) {
                var j = i
                while j < n, Tokenizer.isNumeral(scalars[j].value) { j += 1 }
                consider(j, 1.0, 1)
            } else if (u >= 0x61 && u <= 0x7A) {
                var j = i
                while j < n, scalars[j].value >= 0x61 && scalars[j].value <= 0x7A { j += 1 }
                consider(j, 1.0, 2)
            }
            consider(i + 1, 2.0, 3)
        }
        var tokens: [Token] = []
        tokens.reserveCapacity(n)
        var i = 0
        while i < n {
            let end = step[i].next
            let surface = surface(i, end)
            let kind: Token.Kind
            switch step[i].kind {
            case 0: kind = .word
            case 1: kind = ChineseNumber.parse(surface).map { .number($0) } ?? .unknown
            case 2: kind = .latin
            case 4: kind = surface.utf8.count <= 20 ? Double(surface).map { .decimal($0) } ?? .unknown : .unknown
            case 5:
                let digits = String(surface.dropLast())
                kind = digits.utf8.count <= 20 ? Double(digits).map { .percent($0 / 100) } ?? .unknown : .unknown
            default: kind = .unknown
            }
            tokens.append(Token(surface: surface, kind: kind))
            i = end
        }
        return tokens
    }
}
