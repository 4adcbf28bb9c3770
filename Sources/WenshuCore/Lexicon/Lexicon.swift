import Foundation

/// One meaning of a word: a tag (kind, subcategory, time, dim, filler, …) and a value.
public struct LexEntry: Hashable, Sendable {
    public let tag: String
    public let value: String
    /// Where it came from (file:line, or "store" for values learned from the data).
    public let source: String
}

/// Words, synonyms, aliases, time words and holidays, loaded from `Lexicon/*.tsv`.
/// Line format: `word<TAB>tag<TAB>value`; `#` starts a comment. `holidays.tsv` has
/// `name<TAB>year|*<TAB>first<TAB>last`.
public struct Lexicon: Sendable {
    public private(set) var entries: [String: [LexEntry]] = [:]
    public private(set) var holidays = Holidays()

    /// Tags the planner understands; an unknown tag in a file is a load error, not a silent no-op.
    public static let tags: Set<String> = [
        "kind", "category", "subcategory", "channel", "department", "place", "dim", "metric", "flag",
        "grain", "shape", "order", "top", "count", "followup", "replace", "filler", "time", "refuse",
        "city", "notime", "vs", "hint", "measures", "threshold", "change", "split", "own_group", "joiner", "position", "subject",
    ]

    public init() {}

    public static func load(directory: URL) throws -> Lexicon {
        var lex = Lexicon()
        let files = try FileManager.default.contentsOfDirectory(atPath: directory.path)
            .filter { $0.hasSuffix(".tsv") }.sorted()
        for f in files {
            let text = try String(contentsOf: directory.appendingPathComponent(f), encoding: .utf8)
            if f == "holidays.tsv" {
                try lex.loadHolidays(text, file: f)
            } else {
                try lex.loadWords(text, file: f)
            }
        }
        return lex
    }

    mutating func loadWords(_ text: String, file: String) throws {
        for (i, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? ""
            let cols = line.split(separator: "\t").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
            if cols.isEmpty { continue }
            guard cols.count >= 2 else { throw GrammarError("\(file):\(i + 1): 需要 `词<TAB>标签<TAB>值`") }
            guard Lexicon.tags.contains(cols[1]) else { throw GrammarError("\(file):\(i + 1): 未知标签 \(cols[1])") }
            let value = cols.count > 2 ? cols[2] : cols[0]
            if cols[1] == "time", TimeExpr(lexicon: value) == nil {
                throw GrammarError("\(file):\(i + 1): 时间词的值无法理解：\(value)")
            }
            add(Lexicon.fold(cols[0]), LexEntry(tag: cols[1], value: value, source: "\(file):\(i + 1)"))
        }
    }

    mutating func loadHolidays(_ text: String, file: String) throws {
        for (i, raw) in text.split(separator: "\n").enumerated() {
            let line = raw.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? ""
            let cols = line.split(separator: "\t").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
            if cols.isEmpty { continue }
            guard cols.count == 4 else { throw GrammarError("\(file):\(i + 1): 需要 `节日<TAB>年份或*<TAB>首日<TAB>末日`") }
            if cols[1] == "*" {
                let a = cols[2].split(separator: "-").compactMap { Int($0) }, b = cols[3].split(separator: "-").compactMap { Int($0) }
                guard a.count == 2, b.count == 2 else { throw GrammarError("\(file):\(i + 1): 每年固定的节日写作 MM-DD") }
                holidays.addAnnual(cols[0], from: (a[0], a[1]), to: (b[0], b[1]))
            } else {
                guard let y = Int(cols[1]), let f = Day(parsing: cols[2]), let l = Day(parsing: cols[3]) else {
                    throw GrammarError("\(file):\(i + 1): 日期写作 YYYY-MM-DD")
                }
                holidays.add(cols[0], year: y, first: f, last: l)
            }
        }
    }

    public mutating func add(_ word: String, _ entry: LexEntry) {
        if entries[word]?.contains(where: { $0.tag == entry.tag && $0.value == entry.value }) == true { return }
        entries[word, default: []].append(entry)
    }

    /// Lexicon keys are matched after normalization (half-width, lower-case ASCII).
    public static func fold(_ s: String) -> String {
        // Most keys (place names, categories) are already folded: CJK and lower-case ASCII.
        if s.unicodeScalars.allSatisfy({ u in
            let v = u.value
            return v < 0x80 ? !(v >= 0x41 && v <= 0x5A) : (v > 0x3000 && v <= 0x9FFF)
        }) { return s }
        return Normalizer.foldWidth(s).lowercased()
    }
}
