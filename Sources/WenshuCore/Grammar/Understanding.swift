import Foundation

/// What the grammar made of one question: the slots in question order, the words it
/// could not place, and the rules and lexicon entries that built the reading (for \why).
public struct Understanding: Sendable {
    public let tokens: [Token]
    public let slots: [Slot]
    public let unknown: [String]
    /// Token positions no unit explains (adjacent ones form one unknown run).
    public let unknownPositions: [Int]
    /// For each token, the tag of the one-token unit that explains it (nil: unknown, or part of a rule).
    public var coverTags: [String?] = []
    public let rules: [String]
    public let lexiconSources: [LexiconSource]

    /// Golden-string form of the tokens: "上个月/西湖区/供水/投诉/多少".
    public var segmentation: String { tokens.map(\.surface).joined(separator: "/") }
}

/// Question → tokens → chart → best cover → slots. Pure: no I/O.
public struct QuestionParser: Sendable {
    let normalizer: Normalizer
    let tokenizer: Tokenizer
    let chart: ChartParser

    public init(resources: Resources, catalog: Catalog) throws {
        normalizer = try Normalizer(patterns: resources.grammar.patterns)
        // Hints only feed questions back; they never explain a piece of a question.
        var words = resources.lexicon.entries.compactMapValues { es -> [LexEntry]? in
            let kept = es.filter { $0.tag != "hint" }
            return kept.isEmpty ? nil : kept
        }
        for (key, places) in catalog.placeIndex {
            for p in places {
                let e = LexEntry(tag: "place", value: key, source: "store:\(p.level.rawValue)")
                if words[key]?.contains(e) != true { words[key, default: []].append(e) }
            }
        }
        for dim in [Dimension.department, .channel, .kind, .category, .subcategory] {
            for v in catalog.counts[dim]?.keys.sorted() ?? [] {
                let key = Lexicon.fold(v)
                let tag = dim.rawValue
                if words[key]?.contains(where: { $0.tag == tag && $0.value == v }) != true {
                    words[key, default: []].append(LexEntry(tag: tag, value: v, source: "store:\(tag)"))
                }
            }
        }
        // Each entry's meaning, parsed once at load (kept by trie node below).
        let sems: [String: [Sem]] = words.mapValues { es in es.map { e in e.tag == "time" ? (TimeExpr(lexicon: e.value).map { .time($0) } ?? .none) : .text(e.value) } }
        let literals = resources.grammar.rules.flatMap(\.literals)
        let numeralWords = Set(resources.lexicon.entries.filter { k, es in
            k.allSatisfy { ChineseNumber.isNumeral($0) } && es.contains { $0.tag == "time" }
        }.keys)
        tokenizer = Tokenizer(words: Array(words.keys) + literals, numeralWords: numeralWords)
        chart = ChartParser(rules: resources.grammar.rules, extraTags: UnitTag.allCases.map(\.rawValue))
        var byNode = [Int](repeating: -1, count: tokenizer.trie.terminal.count)
        for (w, id) in chart.wordIDs { if let n = tokenizer.trie.node(of: w) { byNode[n] = id } }
        literalOfNode = byNode
        var lexOfNode = [Int32](repeating: -1, count: tokenizer.trie.terminal.count)
        var lexicon: [(entries: [LexEntry], sems: [Sem], tags: [Int])] = []
        let grammar = chart
        for (w, es) in words {
            guard let n = tokenizer.trie.node(of: w), let ss = sems[w] else { continue }
            lexOfNode[n] = Int32(lexicon.count)
            lexicon.append((es, ss, es.map { grammar.tagID($0.tag) }))
        }
        self.lexOfNode = lexOfNode
        self.lexicon = lexicon
        fixedTags = (chart.tagID("num"), chart.tagID("content"), chart.tagID("quantity"), chart.tagID("place"))
        unitTagOfID = chart.tagNames.map { UnitTag(rawValue: $0) }
    }

    /// What each of the chart's tag numbers means to the plan.
    let unitTagOfID: [UnitTag?]

    /// The chart's numbers of the tags base units take besides lexicon ones.
    let fixedTags: (num: Int, content: Int, quantity: Int, place: Int)

    /// The grammar's literal-word id of each trie node a literal ends at (-1 elsewhere), and
    /// the lexicon entries of each node a lexicon word ends at (an index into `lexicon`): a
    /// token is found by a walk of the trie, not by hashing its text.
    let literalOfNode: [Int]
    let lexOfNode: [Int32]
    let lexicon: [(entries: [LexEntry], sems: [Sem], tags: [Int])]

    /// Each token's trie node (nil: a content phrase, or not a word of the trie).
    func nodes(_ tokens: [Token]) -> [Int?] {
        tokens.map { t in t.kind == .content ? nil : tokenizer.trie.node(of: t.surface) }
    }

    func literalIDs(_ nodes: [Int?]) -> [Int] { nodes.map { $0.map { literalOfNode[$0] } ?? -1 } }

    /// Microseconds spent in each stage for one question (for `wenshu bench`).
    public func stageTimes(_ question: String) -> [(String, Double)] {
        func now() -> UInt64 { DispatchTime.now().uptimeNanoseconds }
        let t0 = now()
        let segs = normalizer.normalize(question)
        let t1 = now()
        let tokens = tokenizer.tokenize(segs)
        let t2 = now()
        let nodes = self.nodes(tokens)
        let b = baseUnitsAndTags(tokens, nodes: nodes)
        let units = chart.saturate(tokens: tokens, base: b.units, words: literalIDs(nodes), baseTags: b.tags)
        let t3 = now()
        _ = chart.bestCover(tokens: tokens, units: units) { $0.tag != "num" && $0.tag != "quantity" }
        let t4 = now()
        return [("normalize", Double(t1 - t0) / 1000), ("tokenize", Double(t2 - t1) / 1000), ("chart", Double(t3 - t2) / 1000), ("cover", Double(t4 - t3) / 1000)]
    }

    public func tokens(_ question: String) -> [Token] { tokenizer.tokenize(normalizer.normalize(question)) }

    public func understand(_ question: String) -> Understanding {
        let tokens = self.tokens(question)
        let nodes = self.nodes(tokens)
        let b = baseUnitsAndTags(tokens, nodes: nodes)
        let (base, entries) = (b.units, b.sources)
        let s = chart.saturation(tokens: tokens, base: base, words: literalIDs(nodes), baseTags: b.tags)
        let units = s.units
        let (picked, uncovered) = chart.bestCoverIndices(tokens: tokens, units: units) { $0.tag != "num" && $0.tag != "quantity" }
        var slots: [Slot] = []
        var rules: [String] = []
        var sources: [LexiconSource] = []
        var coverTags = [String?].filled(nil, count: tokens.count)
        for i in picked where units[i].end == units[i].start + 1 && s.isBase(i) { coverTags[units[i].start] = units[i].tag }
        for i in picked {
            let u = units[i]
            let id = Int(s.info[i].tag)
            // (Every UnitTag has a number: a unit without one means nothing to the plan.)
            QuestionParser.appendSlots(of: u, tag: id >= 0 ? unitTagOfID[id] : nil, to: &slots)
            if s.isBase(i) {
                if let e = QuestionParser.entry(at: i, base: base, entries: entries) { sources.append(LexiconSource(surface: tokens[u.start].surface, entry: e)) }
            } else {
                rules += s.rules(of: i)
            }
        }
        var result = Understanding(tokens: tokens, slots: slots, unknown: uncovered.map { tokens[$0].surface }, unknownPositions: uncovered,
                                   rules: rules, lexiconSources: sources)
        result.coverTags = coverTags
        return result
    }

    /// The lexicon entry behind base unit `i` (the chart keeps the base units first, in
    /// order): the last of the equal units. Equal units come from one token, and the base
    /// units are in token order, so they are `i` and the units after it with its start.
    static func entry(at i: Int, base: [Unit], entries: [LexEntry?]) -> LexEntry? {
        var found: LexEntry?
        var j = i
        while j < base.count, base[j].start == base[i].start {
            if let e = entries[j], j == i || base[j] == base[i] { found = e }
            j += 1
        }
        return found
    }

    /// Units straight from the tokens: numbers, content phrases and every lexicon meaning,
    /// each with the lexicon entry it came from (nil for numbers and phrases).
    func baseUnits(_ tokens: [Token], nodes: [Int?]) -> ([Unit], [LexEntry?]) {
        let b = baseUnitsAndTags(tokens, nodes: nodes)
        return (b.units, b.sources)
    }

    /// The same, with each unit's tag as the chart numbers it.
    func baseUnitsAndTags(_ tokens: [Token], nodes: [Int?]) -> (units: [Unit], sources: [LexEntry?], tags: [Int]) {
        var base: [Unit] = []
        var sourceOf: [LexEntry?] = []
        var tags: [Int] = []
        base.reserveCapacity(2 * tokens.count)
        sourceOf.reserveCapacity(2 * tokens.count)
        tags.reserveCapacity(2 * tokens.count)
        for (i, t) in tokens.enumerated() {
            switch t.kind {
            case .number(let n): base.append(Unit(start: i, end: i + 1, tag: "num", sem: .num(n), rules: [])); tags.append(fixedTags.num)
            case .content: base.append(Unit(start: i, end: i + 1, tag: "content", sem: .text(t.surface), rules: [])); tags.append(fixedTags.content)
            case .decimal(let x): base.append(Unit(start: i, end: i + 1, tag: "quantity", sem: .quantity(.number(x)), rules: [])); tags.append(fixedTags.quantity)
            case .percent(let x): base.append(Unit(start: i, end: i + 1, tag: "quantity", sem: .quantity(.ratio(x)), rules: [])); tags.append(fixedTags.quantity)
            case .word, .latin:
                guard let n = nodes[i], lexOfNode[n] >= 0 else { continue }
                let entry = lexicon[Int(lexOfNode[n])]
                for k in entry.entries.indices {
                    base.append(Unit(start: i, end: i + 1, tag: entry.entries[k].tag, sem: entry.sems[k], rules: []))
                    sourceOf.append(entry.entries[k])
                    tags.append(entry.tags[k])
                }
            case .unknownPlace: base.append(Unit(start: i, end: i + 1, tag: "place", sem: .text(t.surface), rules: [])); tags.append(fixedTags.place)
            case .unknown: break
            }
            while sourceOf.count < base.count { sourceOf.append(nil) }
        }
        return (base, sourceOf, tags)
    }

    /// Appends the plan meaning of one top-level unit (at most two slots, or a rule's list);
    /// `tag` is its tag as the chart numbers it (no match on the tag's name per unit).
    static func appendSlots(of u: Unit, tag: UnitTag?, to out: inout [Slot]) {
        if tag == .slot {
            if case .slots(let s) = u.sem { out += s }
            return
        }
        guard let tag else { return }
        let (a, b) = slotPair(of: u, tag: tag)
        if let a { out.append(a) }
        if let b { out.append(b) }
    }

    /// The one or two slots of a unit (nil: none), without an array per unit.
    static func slotPair(of u: Unit, tag: UnitTag) -> (Slot?, Slot?) {
        let v = u.sem.text ?? ""
        switch tag {
        case .time: return (u.sem.timeExpr.map { .time($0) }, nil)
        case .content: return (.content(v), nil)
        case .kind, .category, .subcategory, .channel, .department:
            return (Dimension(rawValue: u.tag).map { .filter($0, v) }, nil)
        case .place: return (.place(v), nil)
        case .dim: return (Dimension(rawValue: v).map { .group($0) }, nil)
        case .metric: return (Metric(rawValue: v).map { .metric($0) }, nil)
        case .count: return v == "items" ? (.countWord, .subject) : (.countWord, nil)
        case .subject: return (.subject, nil)
        case .flag: return (Flag(rawValue: v).map { .flag($0) }, nil)
        case .grain: return (Grain(rawValue: v).map { .grain($0) }, nil)
        case .shape:
            switch v {
            case "trend": return (.trend, nil)
            case "share": return (.share, nil)
            case "list": return (.list, nil)
            case "previous": return (.compare(.previous), nil)
            case "last_year": return (.compare(.lastYear), nil)
            case "same_period": return (.samePeriodLastYear, nil)
            case "spike": return (.spike, nil)
            case "repeat": return (.repeatCallers, nil)
            case "warnings": return (.warnings, nil)
            default: return (nil, nil)
            }
        case .order: return v == "-" ? (.rankWord, nil) : (.order(ascending: v == "asc"), nil)
        case .top: return v == "-" ? (.top, nil) : (.top, .order(ascending: v == "asc"))
        case .followup: return (.followup, nil)
        case .replace: return (.replace, nil)
        case .refuse: return (.refuse(v), nil)
        case .city: return (.wholeCity, nil)
        case .notime: return (.noTime, nil)
        case .vs: return (.versus, nil)
        case .measures:
            switch v {
            case "report": return (.metrics(Metric.report, note: nil), nil)
            case "three_rates": return (.metrics([.resolveRate, .satisfactionRate], note: "三率中的响应率需要联系时间，工单库没有这一字段，只列出解决率和满意率"), nil)
            default: return (nil, nil)
            }
        case .change:
            let p = v.split(separator: "_")
            guard p.count == 2, let o = ChangeOrder(rawValue: String(p[0])) else { return (nil, nil) }
            return (.change(o, ascending: p[1] == "asc"), nil)
        case .split: return (.shareSplit, nil)
        case .own_group: return (.ownGroup, nil)
        case .joiner: return (.joiner, nil)
        case .position: return v == "top_bottom" ? (.topBottom(nil), nil) : (.rankPosition, nil)
        default: return (nil, nil)
        }
    }
}

/// A token and the lexicon entry that explained it.
public struct LexiconSource: Sendable, Hashable {
    public let surface: String
    public let entry: LexEntry

    /// "西湖区→place:西湖区 (Lexicon/places.tsv:3)".
    public var text: String { "\(surface)→\(entry.tag):\(entry.value) (\(entry.source))" }
}

/// The tags a top-level unit can carry that mean something to the plan (a unit of another
/// tag, such as num, adds no slot).
enum UnitTag: String, CaseIterable {
    case time, content, kind, category, subcategory, channel, department, place, dim, metric, count, subject, flag, grain
    case shape, order, top, followup, replace, refuse, city, notime, vs, measures, change, split, own_group, joiner, position, slot
}
