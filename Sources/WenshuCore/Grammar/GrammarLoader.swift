import Foundation

/// Loads `Grammars/*.rules` and `Grammars/patterns.tsv`.
public struct Grammar: Sendable {
    public let rules: [Rule]
    public let patterns: [String: Regex]

    public static func load(directory: URL) throws -> Grammar {
        let files = try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted()
        var rules: [Rule] = []
        var patterns: [String: Regex] = [:]
        for f in files {
            let text = try String(contentsOf: directory.appendingPathComponent(f), encoding: .utf8)
            if f.hasSuffix(".rules") {
                rules += try parseRules(text, file: f)
            } else if f == "patterns.tsv" {
                for (i, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
                    let t = line.trimmingCharacters(in: .whitespaces)
                    if t.isEmpty || t.hasPrefix("#") { continue }
                    let cols = t.split(separator: "\t", maxSplits: 2).map { $0.trimmingCharacters(in: .whitespaces) }
                    guard cols.count >= 2 else { throw GrammarError("\(f):\(i + 1): 需要 `名字<TAB>正则[<TAB>必含词…]`") }
                    // Folded as the text they are looked for in is (as rule literals are).
                    let needs = cols.count > 2 ? cols[2].split(separator: " ").map { Lexicon.fold(String($0)) } : []
                    patterns[cols[0]] = try Regex(cols[1], needsAnyOf: needs)
                }
            }
        }
        let names = rules.map(\.name)
        if let dup = Dictionary(grouping: names, by: { $0 }).first(where: { $0.value.count > 1 }) {
            throw GrammarError("规则名重复：\(dup.key)")
        }
        return Grammar(rules: rules, patterns: patterns)
    }

    /// `name  out  el el el  -> ctor arg arg` ; elements: `a|b` literals, `@tag`, `@tag=value`, suffix `?` optional.
    static func parseRules(_ text: String, file: String) throws -> [Rule] {
        var out: [Rule] = []
        for (i, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") { continue }
            let where_ = "\(file):\(i + 1)"
            let halves = line.components(separatedBy: "->")
            guard halves.count == 2 else { throw GrammarError("\(where_): 需要一个 `->`") }
            let left = halves[0].split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
            let right = halves[1].split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
            guard left.count >= 3, let ctor = right.first else { throw GrammarError("\(where_): 需要 `名字 输出 模式… -> 构造 参数…`") }
            guard RuleProductions.known.contains(ctor) else { throw GrammarError("\(where_): 未知的构造 \(ctor)") }
            var pattern: [PatternElement] = []
            for var el in left.dropFirst(2) {
                var optional = false
                if el.hasSuffix("?"), el.count > 1 { optional = true; el.removeLast() }
                if el.hasPrefix("@") {
                    let body = el.dropFirst()
                    let parts = body.split(separator: "=", maxSplits: 1).map(String.init)
                    pattern.append(PatternElement(match: .tag(parts[0], parts.count > 1 ? parts[1] : nil), optional: optional))
                } else {
                    let words = Set(el.split(separator: "|").map { Lexicon.fold(String($0)) })
                    pattern.append(PatternElement(match: .literal(words), optional: optional))
                }
            }
            guard pattern.contains(where: { !$0.optional }) else { throw GrammarError("\(where_): 模式不能全是可选元素") }
            for a in right.dropFirst() where a.hasPrefix("$") {
                guard let n = Int(a.dropFirst()), n >= 1, n <= pattern.count else {
                    throw GrammarError("\(where_): 参数 \(a) 超出模式范围")
                }
            }
            out.append(Rule(name: left[0], output: left[1], pattern: pattern, ctor: ctor, args: Array(right.dropFirst()), source: where_))
        }
        return out
    }
}
