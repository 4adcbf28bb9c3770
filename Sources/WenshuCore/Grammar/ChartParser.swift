/// Applies grammar rules bottom-up over the tokens until nothing new appears (a chart,
/// in the manner of duckling), then picks the best cover of the whole question.
///
/// Rules are compiled once: literal words and tags become small integers, so the inner loop
/// compares integers instead of hashing Chinese strings (which cost more than half the parse).
struct ChartParser: Sendable {
    let rules: [Rule]
    private let compiled: [CompiledRule]
    /// Literal words and tags of the grammar, numbered.
    let wordIDs: [String: Int]
    private let tagIDs: [String: Int]
    /// Rules whose first required element can be this word / this tag.
    private let byWord: [[Int]]
    private let byTag: [[Int]]
    /// Per-rule arrays a saturation starts from (copied: one memcpy, not a fill per question).
    private let noCandidates: [Bool]
    private let neverEvaluated: [Int]
    private let ruleNames: [String]
    private let noWords: [UInt64]

    /// `extraTags`: tags no rule names that should still have a number (units of them are
    /// then told apart by number, not by name).
    init(rules: [Rule], extraTags: [String] = []) {
        self.rules = rules
        var words: [String: Int] = [:]
        var tags: [String: Int] = [:]
        func tagID(_ t: String) -> Int {
            if let id = tags[t] { return id }
            tags[t] = tags.count
            return tags.count - 1
        }
        var compiled: [CompiledRule] = []
        for r in rules {
            let pattern = r.pattern.map { el -> CompiledElement in
                switch el.match {
                case .literal(let ws):
                    let ids = ws.map { w -> Int in
                        if let id = words[w] { return id }
                        words[w] = words.count
                        return words.count - 1
                    }
                    return CompiledElement(optional: el.optional, words: WordSet(ids), tag: -1, value: nil)
                case .tag(let t, let v):
                    return CompiledElement(optional: el.optional, words: WordSet([]), tag: tagID(t), value: v)
                }
            }
            let args = r.args.map { a -> CompiledArg in
                if a.hasPrefix("$"), let n = Int(a.dropFirst()), n >= 1 { return .capture(n - 1) }
                if let n = Int(a) { return .value(.num(n)) }
                return .value(.text(a))
            }
            let used = Array(Set(pattern.map(\.tag).filter { $0 >= 0 })).sorted()
            compiled.append(CompiledRule(pattern: pattern, output: tagID(r.output), args: args, tags: used,
                                         ctor: RuleProductions.ctor(named: r.ctor), name: r.name, outputTag: r.output))
        }
        for t in extraTags { _ = tagID(t) }
        var byWord = [[Int]](repeating: [], count: words.count)
        var byTag = [[Int]](repeating: [], count: tags.count)
        for (i, r) in compiled.enumerated() {
            for el in r.pattern {
                if el.tag >= 0 { if byTag[el.tag].last != i { byTag[el.tag].append(i) } }
                else { for w in el.words.members where byWord[w].last != i { byWord[w].append(i) } }
                if !el.optional { break }
            }
        }
        self.compiled = compiled
        wordIDs = words
        tagIDs = tags
        self.byWord = byWord
        self.byTag = byTag
        noCandidates = [Bool](repeating: false, count: compiled.count)
        neverEvaluated = [Int](repeating: -1, count: compiled.count)
        ruleNames = compiled.map(\.name)
        noWords = [UInt64](repeating: 0, count: (words.count + 63) / 64)
    }

    /// Each token's literal-word id (-1: not a grammar literal, or a content phrase).
    func literalIDs(_ tokens: [Token]) -> [Int] {
        tokens.map { $0.kind == .content ? -1 : (wordIDs[$0.surface] ?? -1) }
    }

    /// All units the rules can build on top of `base`; `words` are the tokens' literal-word
    /// ids (`literalIDs`, or the same found faster through the tokenizer's trie).
    /// The number of a tag (-1: no rule names it).
    func tagID(_ tag: String) -> Int { tagIDs[tag] ?? -1 }

    /// Each tag number's name.
    var tagNames: [String] {
        var names = [String](repeating: "", count: tagIDs.count)
        for (t, id) in tagIDs { names[id] = t }
        return names
    }

    func saturate(tokens: [Token], base: [Unit], words: [Int]? = nil, baseTags: [Int]? = nil) -> [Unit] {
        let s = saturation(tokens: tokens, base: base, words: words, baseTags: baseTags)
        return s.units.indices.map { i in
            let u = s.units[i]
            return s.isBase(i) ? u : Unit(start: u.start, end: u.end, tag: u.tag, sem: u.sem, rules: s.rules(of: i))
        }
    }

    /// The same units, each derived one with how it was built (its rule and parts) rather
    /// than its list of rule names: most units are never picked, and building a list for
    /// each was a tenth of parsing.
    func saturation(tokens: [Token], base: [Unit], words: [Int]? = nil, baseTags: [Int]? = nil) -> Saturation {
        var chart = Chart(tokens: tokens, tokenWords: words ?? literalIDs(tokens), tagCount: tagIDs.count)
        for (i, u) in base.enumerated() { chart.add(u, tag: baseTags?[i] ?? tagID(u.tag), always: true) }
        // The grammar words the question has, as bits (a rule's word element is met when its
        // set meets this one: no scan of the tokens per element).
        var presentWords = noWords
        for w in chart.tokenWords where w >= 0 { presentWords[w >> 6] |= 1 << UInt64(w & 63) }
        var candidate = noCandidates
        var frontier = !base.isEmpty
        var rounds = 0
        var found: [Match] = []
        var caps: [Int32] = []
        var pool: [Int32] = []
        // units.count when each rule last began matching: a match made only of older units was
        // found then, so a rule none of whose tags gained a unit since has nothing new to give.
        var evaluatedFrom = neverEvaluated
        while frontier, rounds < 6 {
            rounds += 1
            // Candidate rules: every required element can be met by a word or a unit present at
            // the start of the round (units found during the round feed the next one).
            let tagsNow = chart.tagPresent
            if rounds > 1 { for i in candidate.indices { candidate[i] = false } }
            for w in chart.tokenWords where w >= 0 { for r in byWord[w] { candidate[r] = true } }
            for (t, present) in tagsNow.enumerated() where present { for r in byTag[t] { candidate[r] = true } }
            frontier = false
            for ri in compiled.indices where candidate[ri] {
                let rule = compiled[ri]
                guard rule.pattern.allSatisfy({ el in
                    el.optional || (el.tag >= 0 ? tagsNow[el.tag] : el.words.intersects(presentWords))
                }) else { continue }
                if evaluatedFrom[ri] >= 0, !chart.hasUnit(since: evaluatedFrom[ri], taggedAnyOf: rule.tags) { continue }
                evaluatedFrom[ri] = chart.units.count
                // A required first element rules out most starts before any matching begins.
                let firstRequired = rule.pattern.first.map { !$0.optional } ?? false
                let firstTag = rule.pattern.first?.tag ?? -1
                for start in 0..<tokens.count {
                    if firstRequired {
                        if firstTag < 0 ? !rule.pattern[0].words.contains(chart.tokenWords[start]) : !chart.hasUnit(at: start, tag: firstTag) { continue }
                    }
                    // Every match from this start is found before any is added, as units added now
                    // must not feed the same rule at the same start in this round.
                    found.removeAll(keepingCapacity: true)
                    caps.removeAll(keepingCapacity: true)
                    pool.removeAll(keepingCapacity: true)
                    chart.match(rule.pattern, 0, start, &caps, into: &found, pool: &pool)
                    for m in found {
                        let captured = pool[m.caps]
                        var args: [Sem?] = []
                        args.reserveCapacity(rule.args.count)
                        for a in rule.args {
                            switch a {
                            case .capture(let n): args.append(n < captured.count ? chart.captured(captured[captured.startIndex + n]) : nil)
                            case .value(let s): args.append(s)
                            }
                        }
                        guard let sem = rule.ctor?(args) else { continue }
                        let u = Unit(start: start, end: m.end, tag: rule.outputTag, sem: sem, rules: [])
                        if chart.add(u, tag: rule.output, rule: Int32(ri), parts: captured) { frontier = true }
                    }
                }
            }
        }
        return Saturation(units: chart.units, info: chart.info, parts: chart.parts, names: ruleNames)
    }

    /// The best sequence of units covering tokens [0, n): fewest uncovered tokens, then
    /// fewest units (bigger rules win), then earliest-defined meaning. `uncovered` lists
    /// the positions no unit explains.
    func bestCover(tokens: [Token], units: [Unit], usable: (Unit) -> Bool) -> (units: [Unit], uncovered: [Int]) {
        let c = bestCoverIndices(tokens: tokens, units: units, usable: usable)
        return (c.picked.map { units[$0] }, c.uncovered)
    }

    /// The same cover, as indices into `units`.
    func bestCoverIndices(tokens: [Token], units: [Unit], usable: (Unit) -> Bool) -> (picked: [Int], uncovered: [Int]) {
        let n = tokens.count
        // Per position: the first usable unit starting there (a list threaded through
        // `nextAt`, in the order the units were found), the best cost of tokens[i...]
        // (uncovered * 100 + units) and the unit that gives it (-1: skip the token).
        var at = [(head: Int, best: Int, choice: Int)].filled((-1, Int.max, -1), count: n + 1)
        var nextAt = [Int].filled(-1, count: units.count)
        for i in units.indices.reversed() where usable(units[i]) {
            nextAt[i] = at[units[i].start].head
            at[units[i].start].head = i
        }
        at[n].best = 0
        for i in stride(from: n - 1, through: 0, by: -1) {
            at[i].best = 100 + at[i + 1].best
            at[i].choice = -1
            var ui = at[i].head
            while ui >= 0 {
                let c = 1 + at[units[ui].end].best
                if c < at[i].best { at[i].best = c; at[i].choice = ui }
                ui = nextAt[ui]
            }
        }
        var picked: [Int] = []
        var uncovered: [Int] = []
        var i = 0
        while i < n {
            let c = at[i].choice
            if c < 0 { uncovered.append(i); i += 1 } else { picked.append(c); i = units[c].end }
        }
        return (picked, uncovered)
    }
}

private struct CompiledElement: Sendable {
    let optional: Bool
    /// Literal word ids (when `tag` is -1).
    let words: WordSet
    let tag: Int
    let value: String?
}

private enum CompiledArg: Sendable {
    case capture(Int)
    case value(Sem)
}

private struct CompiledRule: Sendable {
    let pattern: [CompiledElement]
    let output: Int
    let args: [CompiledArg]
    /// The tags its pattern matches.
    let tags: [Int]
    let ctor: RuleProductions.Ctor?
    let name: String
    let outputTag: String
}

/// The units of a saturated chart; a derived unit's `rules` is empty, and `rules(of:)`
/// gives it: the rules of the units it is made of, in order, then its own.
struct Saturation {
    let units: [Unit]
    /// How each unit was built: its rule (-1: a base unit, straight from a token) and its
    /// captures, a range of `parts` (a unit index, or negative: a word or nothing).
    let info: [UnitInfo]
    let parts: [Int32]
    let names: [String]

    func isBase(_ i: Int) -> Bool { info[i].rule < 0 }

    func rules(of i: Int) -> [String] {
        var out: [String] = []
        collect(i, into: &out)
        return out
    }

    private func collect(_ i: Int, into out: inout [String]) {
        let u = info[i]
        guard u.rule >= 0 else { return }
        for k in u.partsStart..<u.partsEnd where parts[Int(k)] >= 0 { collect(Int(parts[Int(k)]), into: &out) }
        out.append(names[Int(u.rule)])
    }
}

/// What a chart keeps of a unit besides the unit: its tag's number, its end, the next unit
/// at the same start (-1: none), the rule that built it (-1: a base unit) and its captures
/// (a range of the chart's `parts`).
struct UnitInfo {
    let tag: Int32
    let end: Int32
    var next: Int32
    let rule: Int32
    let partsStart: Int32
    let partsEnd: Int32
}

/// One way a pattern matched: where it ended, and its captures (a range of the saturation's
/// capture pool, so a match allocates nothing of its own).
private struct Match {
    let end: Int
    let caps: Range<Int>
}

/// The units found so far for one question, indexed by start position and tag.
private struct Chart {
    let tokens: [Token]
    /// Each token's literal-word id (-1: not a grammar literal, or a content phrase).
    let tokenWords: [Int]
    private(set) var units: [Unit] = []
    /// What the chart keeps of each unit besides the unit itself, in one array (one
    /// allocation per question, not one per field).
    private(set) var info: [UnitInfo] = []
    /// The units at each start, in the order they were added: a list threaded through
    /// `info[i].next` from `at[pos].first` to `at[pos].last`.
    private var at: [(first: Int32, last: Int32)]
    private(set) var tagPresent: [Bool]
    private(set) var parts: [Int32] = []

    init(tokens: [Token], tokenWords: [Int], tagCount: Int) {
        self.tokens = tokens
        self.tokenWords = tokenWords
        // Room for the units a question usually has (growing the arrays copied every unit).
        let room = 4 * tokens.count + 16
        units.reserveCapacity(room)
        info.reserveCapacity(room)
        parts.reserveCapacity(2 * room)
        at = [(first: Int32, last: Int32)].filled((-1, -1), count: tokens.count + 1)
        tagPresent = [Bool].filled(false, count: tagCount)
    }

    /// Adds a unit unless the same span, tag and meaning is already there (`always`: the
    /// tokens' own units, kept even when two lexicon entries mean the same).
    @discardableResult
    mutating func add(_ u: Unit, tag: Int, always: Bool = false, rule: Int32 = -1, parts captured: ArraySlice<Int32> = []) -> Bool {
        // A repeat: the same span, tag and meaning (the units at one start are few: a scan
        // costs less than hashing a key).
        if !always {
            var i = Int(at[u.start].first)
            while i >= 0 {
                if Int(info[i].end) == u.end && Int(info[i].tag) == tag && units[i].sem == u.sem && units[i].tag == u.tag { return false }
                i = Int(info[i].next)
            }
        }
        let id = Int32(truncatingIfNeeded: units.count)
        units.append(u)
        let first = Int32(truncatingIfNeeded: parts.count)
        parts.append(contentsOf: captured)
        info.append(UnitInfo(tag: Int32(truncatingIfNeeded: tag), end: Int32(truncatingIfNeeded: u.end), next: -1, rule: rule,
                             partsStart: first, partsEnd: Int32(truncatingIfNeeded: parts.count)))
        let last = at[u.start].last
        if last >= 0 { info[Int(last)].next = id } else { at[u.start].first = id }
        at[u.start].last = id
        if tag >= 0 { tagPresent[tag] = true }
        return true
    }

    /// Whether a unit of this tag starts at `pos`.
    func hasUnit(at pos: Int, tag: Int) -> Bool {
        var i = Int(at[pos].first)
        while i >= 0 {
            if Int(info[i].tag) == tag { return true }
            i = Int(info[i].next)
        }
        return false
    }

    func hasUnit(since first: Int, taggedAnyOf tags: [Int]) -> Bool {
        guard first < units.count else { return false }
        for i in first..<units.count where tags.contains(Int(info[i].tag)) { return true }
        return false
    }

    /// Every way `pattern[k...]` matches from token position `pos`, in the grammar's order
    /// (an optional element skipped before it is taken).
    /// A capture of a match: a unit (its index), a literal token (-2 - position), or an
    /// optional element left out (-1).
    func captured(_ c: Int32) -> Sem? {
        if c >= 0 { return units[Int(c)].sem }
        if c == -1 { return nil }
        return .text(tokens[Int(-2 - c)].surface)
    }

    func match(_ pattern: [CompiledElement], _ k: Int, _ pos: Int, _ caps: inout [Int32], into out: inout [Match], pool: inout [Int32]) {
        if k == pattern.count {
            let first = pool.count
            pool.append(contentsOf: caps)
            out.append(Match(end: pos, caps: first..<pool.count))
            return
        }
        let el = pattern[k]
        if el.optional {
            caps.append(-1)
            match(pattern, k + 1, pos, &caps, into: &out, pool: &pool)
            caps.removeLast()
        }
        guard pos < tokens.count else { return }
        if el.tag < 0 {
            let w = tokenWords[pos]
            guard w >= 0, el.words.contains(w) else { return }
            caps.append(Int32(-2 - pos))
            match(pattern, k + 1, pos + 1, &caps, into: &out, pool: &pool)
            caps.removeLast()
        } else {
            var ui = Int(at[pos].first)
            while ui >= 0 {
                defer { ui = Int(info[ui].next) }
                guard Int(info[ui].tag) == el.tag else { continue }
                if let value = el.value, units[ui].sem.text != value { continue }
                caps.append(Int32(ui))
                match(pattern, k + 1, Int(info[ui].end), &caps, into: &out, pool: &pool)
                caps.removeLast()
            }
        }
    }
}


/// A set of literal-word ids as bits: the chart asks "is this token one of the words" for
/// every element it tries, and hashing an Int each time was a fifth of the chart's work.
struct WordSet: Sendable {
    private var bits: [UInt64] = []
    let members: [Int]

    init(_ ids: [Int]) {
        members = ids
        for id in ids where id >= 0 {
            let w = id >> 6
            if bits.count <= w { bits += [UInt64](repeating: 0, count: w + 1 - bits.count) }
            bits[w] |= 1 << UInt64(id & 63)
        }
    }

    /// Whether any member is set in `other` (a set of the same numbering, as bits).
    @inline(__always)
    func intersects(_ other: [UInt64]) -> Bool {
        for i in 0..<Swift.min(bits.count, other.count) where bits[i] & other[i] != 0 { return true }
        return false
    }

    @inline(__always)
    func contains(_ id: Int) -> Bool {
        let w = id >> 6
        return id >= 0 && w < bits.count && bits[w] & (1 << UInt64(id & 63)) != 0
    }
}
