/// Applies grammar rules bottom-up over the tokens until nothing new appears (a chart,
/// in the manner of duckling), then picks the best cover of the whole question.
struct ChartParser: Sendable {
    let rules: [Rule]
    /// Rules indexed by what their first required element can be: "w:<literal>" or "t:<tag>".
    let index: [String: [Int]]

    init(rules: [Rule]) {
        self.rules = rules
        var idx: [String: [Int]] = [:]
        for (i, r) in rules.enumerated() {
            for el in r.pattern {
                switch el.match {
                case .literal(let ws): for w in ws { idx["w:" + w, default: []].append(i) }
                case .tag(let t, _): idx["t:" + t, default: []].append(i)
                }
                if !el.optional { break }
            }
        }
        index = idx.mapValues { Array(Set($0)).sorted() }
    }

    /// All units the rules can build on top of `base`.
    func saturate(tokens: [Token], base: [Unit]) -> [Unit] {
        var units = base
        var seen = Set(base.map { UnitKey($0) })
        var byStart = [[Int]](repeating: [], count: tokens.count + 1)
        for (i, u) in units.enumerated() { byStart[u.start].append(i) }
        var frontier = Array(units.indices)
        var rounds = 0
        while !frontier.isEmpty, rounds < 6 {
            rounds += 1
            // Candidate rules: every required element can be met by a word or a unit present now.
            let surfaces = Set(tokens.map(\.surface))
            let tags = Set(units.map(\.tag))
            var candidates = Set<Int>()
            for t in surfaces { if let rs = index["w:" + t] { candidates.formUnion(rs) } }
            for tag in tags { if let rs = index["t:" + tag] { candidates.formUnion(rs) } }
            candidates = candidates.filter { ri in
                rules[ri].pattern.allSatisfy { el in
                    if el.optional { return true }
                    switch el.match {
                    case .literal(let ws): return !ws.isDisjoint(with: surfaces)
                    case .tag(let t, _): return tags.contains(t)
                    }
                }
            }
            var added: [Int] = []
            for ri in candidates.sorted() {
                let rule = rules[ri]
                for start in 0..<tokens.count {
                    for (end, caps, used) in match(rule.pattern, 0, start, tokens, units, byStart) {
                        var args: [Sem?] = []
                        for a in rule.args {
                            if a.hasPrefix("$"), let n = Int(a.dropFirst()) { args.append(caps[n - 1]) }
                            else if let n = Int(a) { args.append(.num(n)) }
                            else { args.append(.text(a)) }
                        }
                        guard let sem = RuleProductions.run(rule.ctor, args) else { continue }
                        let u = Unit(start: start, end: end, tag: rule.output, sem: sem, rules: used + [rule.name])
                        let key = UnitKey(u)
                        if seen.contains(key) { continue }
                        seen.insert(key)
                        units.append(u)
                        byStart[start].append(units.count - 1)
                        added.append(units.count - 1)
                    }
                }
            }
            frontier = added
        }
        return units
    }

    /// Every way `pattern[k...]` matches from token position `pos`: (end, captures, sub-rule names).
    private func match(_ pattern: [PatternElement], _ k: Int, _ pos: Int, _ tokens: [Token], _ units: [Unit],
                       _ byStart: [[Int]]) -> [(Int, [Sem?], [String])] {
        if k == pattern.count { return [(pos, [], [])] }
        let el = pattern[k]
        var results: [(Int, [Sem?], [String])] = []
        if el.optional {
            for (e, caps, used) in match(pattern, k + 1, pos, tokens, units, byStart) {
                results.append((e, [nil] + caps, used))
            }
        }
        guard pos < tokens.count else { return results }
        switch el.match {
        case .literal(let words):
            if words.contains(tokens[pos].surface), tokens[pos].kind != .content {
                for (e, caps, used) in match(pattern, k + 1, pos + 1, tokens, units, byStart) {
                    results.append((e, [.text(tokens[pos].surface)] + caps, used))
                }
            }
        case .tag(let tag, let value):
            for ui in byStart[pos] {
                let u = units[ui]
                guard u.tag == tag else { continue }
                if let value, u.sem.text != value { continue }
                for (e, caps, used) in match(pattern, k + 1, u.end, tokens, units, byStart) {
                    results.append((e, [u.sem] + caps, u.rules + used))
                }
            }
        }
        return results
    }

    /// The best sequence of units covering tokens [0, n): fewest uncovered tokens, then
    /// fewest units (bigger rules win), then earliest-defined meaning. `uncovered` lists
    /// the positions no unit explains.
    func bestCover(tokens: [Token], units: [Unit], usable: (Unit) -> Bool) -> (units: [Unit], uncovered: [Int]) {
        let n = tokens.count
        var byStart = [[Int]](repeating: [], count: n + 1)
        for (i, u) in units.enumerated() where usable(u) { byStart[u.start].append(i) }
        // cost = uncovered * 100 + units; best[i] is for tokens[i...]
        var best = [Int](repeating: Int.max, count: n + 1)
        var choice = [Int](repeating: -1, count: n + 1)  // unit index, or -1 for "skip token"
        best[n] = 0
        for i in stride(from: n - 1, through: 0, by: -1) {
            best[i] = 100 + best[i + 1]
            choice[i] = -1
            for ui in byStart[i] {
                let u = units[ui]
                let c = 1 + best[u.end]
                if c < best[i] { best[i] = c; choice[i] = ui }
            }
        }
        var picked: [Unit] = []
        var uncovered: [Int] = []
        var i = 0
        while i < n {
            if choice[i] < 0 { uncovered.append(i); i += 1 }
            else { let u = units[choice[i]]; picked.append(u); i = u.end }
        }
        return (picked, uncovered)
    }
}

private struct UnitKey: Hashable {
    let start: Int, end: Int, tag: String, sem: Sem
    init(_ u: Unit) { start = u.start; end = u.end; tag = u.tag; sem = u.sem }
}
