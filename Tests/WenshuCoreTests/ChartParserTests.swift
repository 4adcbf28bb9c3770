import XCTest
@testable import WenshuCore

/// The chart parser works on integer ids for speed; this checks it finds exactly the units,
/// in exactly the order, that the plain string-matching definition of the grammar gives.
final class ChartParserTests: XCTestCase {
    func testSameUnitsAsTheStringDefinition() throws {
        let engine = try Fixtures.engine()
        let parser = engine.parser
        var questions = try CorpusTests.lines("positive.tsv").map(\.0) + CorpusTests.lines("negative.tsv").map(\.0)
        questions += try CorpusTests.lines("time.tsv").map { $0.1.split(separator: "\t").first.map { String($0) + "工单量" } ?? "" }
        XCTAssertGreaterThan(questions.count, 800)
        let rules = engine.resources.grammar.rules
        for q in questions {
            let tokens = parser.tokens(q)
            let base = parser.baseUnits(tokens, nodes: parser.nodes(tokens)).0
            let fast = parser.chart.saturate(tokens: tokens, base: base)
            let plain = PlainChart(rules: rules).saturate(tokens: tokens, base: base)
            XCTAssertEqual(fast, plain, q)
        }
    }

    /// The reading keeps how each unit was built, not its list of rule names; the rules it
    /// reports must still be those of the picked units, each as the plain chart lists them.
    func testReadingRulesAreThoseOfThePickedUnits() throws {
        let parser = try Fixtures.engine().parser
        let questions = try CorpusTests.lines("positive.tsv").map(\.0) + CorpusTests.lines("negative.tsv").map(\.0)
        var withRules = 0
        for q in questions {
            let tokens = parser.tokens(q)
            let b = parser.baseUnitsAndTags(tokens, nodes: parser.nodes(tokens))
            let units = parser.chart.saturate(tokens: tokens, base: b.units)
            let picked = parser.chart.bestCover(tokens: tokens, units: units) { $0.tag != "num" && $0.tag != "quantity" }.units
            let expected = picked.flatMap(\.rules)
            let reading = parser.understand(q)
            XCTAssertEqual(reading.rules, expected, q)
            // Each word's lexicon entry: that of the last base unit equal to the picked one.
            let sources = picked.filter(\.rules.isEmpty).compactMap { u -> LexiconSource? in
                guard let j = b.units.indices.last(where: { b.units[$0] == u && b.sources[$0] != nil }), let e = b.sources[j] else { return nil }
                return LexiconSource(surface: tokens[u.start].surface, entry: e)
            }
            XCTAssertEqual(reading.lexiconSources, sources, q)
            if !expected.isEmpty { withRules += 1 }
        }
        XCTAssertGreaterThan(withRules, 80)
    }

    func testNumeralCheckAgreesWithTheSet() {
        for u in UInt32(0x2000)...UInt32(0x9FFF) {
            XCTAssertEqual(Tokenizer.isNumeral(u), Tokenizer.numeralScalars.contains(u), String(u, radix: 16))
        }
    }
}

/// The grammar's meaning written plainly: each round, every rule whose required words and tags
/// are present is matched at every start against strings; new (span, tag, meaning) units are added.
private struct PlainChart {
    let rules: [Rule]

    func saturate(tokens: [Token], base: [WenshuCore.Unit]) -> [WenshuCore.Unit] {
        struct Key: Hashable { let start: Int, end: Int, tag: String, sem: Sem }
        var units = base
        var seen = Set(base.map { Key(start: $0.start, end: $0.end, tag: $0.tag, sem: $0.sem) })
        var added = !base.isEmpty
        var rounds = 0
        while added, rounds < 6 {
            rounds += 1
            added = false
            let surfaces = Set(tokens.filter { $0.kind != .content }.map(\.surface))
            let tags = Set(units.map(\.tag))
            for rule in rules where rule.pattern.allSatisfy({ el in
                if el.optional { return true }
                switch el.match {
                case .literal(let ws): return !ws.isDisjoint(with: surfaces)
                case .tag(let t, _): return tags.contains(t)
                }
            }) {
                for start in tokens.indices {
                    for (end, caps, used) in match(rule.pattern, 0, start, tokens, units) {
                        let args: [Sem?] = rule.args.map { a in
                            if a.hasPrefix("$"), let n = Int(a.dropFirst()) { return caps[n - 1] }
                            if let n = Int(a) { return .num(n) }
                            return .text(a)
                        }
                        guard let sem = RuleProductions.run(rule.ctor, args) else { continue }
                        let u = WenshuCore.Unit(start: start, end: end, tag: rule.output, sem: sem, rules: used + [rule.name])
                        if seen.insert(Key(start: start, end: end, tag: u.tag, sem: sem)).inserted { units.append(u); added = true }
                    }
                }
            }
        }
        return units
    }

    private func match(_ pattern: [PatternElement], _ k: Int, _ pos: Int, _ tokens: [Token], _ units: [WenshuCore.Unit]) -> [(Int, [Sem?], [String])] {
        if k == pattern.count { return [(pos, [], [])] }
        let el = pattern[k]
        var results: [(Int, [Sem?], [String])] = []
        if el.optional { results += match(pattern, k + 1, pos, tokens, units).map { ($0.0, [nil] + $0.1, $0.2) } }
        guard pos < tokens.count else { return results }
        switch el.match {
        case .literal(let words):
            if words.contains(tokens[pos].surface), tokens[pos].kind != .content {
                results += match(pattern, k + 1, pos + 1, tokens, units).map { ($0.0, [.text(tokens[pos].surface)] + $0.1, $0.2) }
            }
        case .tag(let tag, let value):
            for u in units where u.start == pos && u.tag == tag && (value == nil || u.sem.text == value) {
                results += match(pattern, k + 1, u.end, tokens, units).map { ($0.0, [u.sem] + $0.1, u.rules + $0.2) }
            }
        }
        return results
    }
}
