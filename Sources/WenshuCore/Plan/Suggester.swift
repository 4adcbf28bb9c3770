/// Questions back (contract §9.1): what was not understood, what was, and complete questions
/// built from the closest known words — places by shared characters and edit distance,
/// measures and categories by the hint words of `Lexicon/hints.tsv`.
struct Suggester: Sendable {
    /// Every place name the store holds (full and bare), with its full name.
    let places: [(key: String, name: String)]
    /// Hint words → the known words they point at (水 → 供水, 率 → 满意率…).
    let hints: [(key: String, words: [String])]
    /// Known words of meaning (subcategories, categories, kinds, measures) for near matches.
    let words: [String]
    let examples: [String]

    init(catalog: Catalog, lexicon: Lexicon, examples: [String]) {
        var ps: [(String, String)] = []
        // Only names that point at one place: a suggestion must not be ambiguous itself.
        for (key, list) in catalog.placeIndex where list.count == 1 {
            for p in list where catalog.placeIndex[Lexicon.fold(p.name)]?.count == 1 { ps.append((key, p.name)) }
        }
        places = ps.sorted { $0.0 < $1.0 }
        var hs: [(String, [String])] = []
        var ws = Set<String>()
        for (key, entries) in lexicon.entries {
            for e in entries {
                switch e.tag {
                case "hint": hs.append((key, e.value.split(separator: "|").map(String.init)))
                case "subcategory", "category", "kind", "metric": ws.insert(key)
                default: break
                }
            }
        }
        for d in [Dimension.subcategory, .category, .kind] { ws.formUnion(catalog.values(d)) }
        hints = hs.sorted { $0.0.count != $1.0.count ? $0.0.count > $1.0.count : $0.0 < $1.0 }
        words = ws.sorted()
        self.examples = examples
    }

    /// A question with words nobody understood: quote them, restate what was understood,
    /// and offer the question again with each unknown run replaced by a close known word.
    func unknownWords(_ u: Understanding, question: String, understood: String) -> Reading {
        let runs = unknownRuns(u)
        let quoted = runs.map { "“\($0)”" }.joined(separator: "、")
        let base = question.contains(runs.first ?? "\u{0}") ? question : u.tokens.map(\.surface).joined()
        var suggestions: [String] = []
        for run in runs {
            for w in candidates(for: run) {
                let s = base.replacingOccurrences(of: run, with: w)
                if s != base, !suggestions.contains(s) { suggestions.append(s) }
            }
        }
        // Backups from what was understood (the engine keeps only suggestions that are answered).
        suggestions += measureQuestions(understood)
        let known = understood.isEmpty ? "" : "已理解：\(understood)。"
        return .clarify("没有看懂\(quoted)，为避免给出错误的数字，先不作答。\(known)您想问的是不是：", suggestions: suggestions)
    }

    /// A place the store does not hold: the nearest names it does.
    func unknownPlace(_ key: String) -> Reading {
        let near = nearestPlaces(key, count: 3)
        return .clarify("工单库里没有“\(key)”这个地点。" + (near.isEmpty ? "" : "您是不是指：\(near.joined(separator: "、"))？"),
                        suggestions: near.map { "上个月\($0)工单量" })
    }

    /// 「西湖区怎么样」: nothing to count was named.
    func nothingCounted(_ d: Draft, understood: String) -> Reading {
        let subject = understood.replacingOccurrences(of: "、", with: "")
        let s = subject.isEmpty ? "上个月" : subject
        return .clarify("想了解\(understood.isEmpty ? "" : understood + "的")什么？请说出要看的指标，例如工单量、满意率或各项指标。",
                        suggestions: measureQuestions(s))
    }

    /// Complete questions about what was understood: its volume, satisfaction and report row.
    func measureQuestions(_ understood: String) -> [String] {
        let s = understood.replacingOccurrences(of: "、", with: "")
        let subject = s.isEmpty ? "上个月" : s
        return ["\(subject)工单量是多少", "\(subject)满意率是多少", "\(subject)的各项指标", "\(subject)工单量最多的二级分类"]
    }

    /// Tags of single characters that may belong to an unknown word beside them.
    static let weakTags: Set<String> = ["filler", "subject", "order", "top", "count", "joiner", "place", "dim"]

    /// Particles never quoted as part of an unknown word.
    static let particles: Set<String> = ["的", "了", "在", "是", "和", "与", "及", "有", "都", "也", "就", "又", "吗", "呢", "吧", "啊", "那", "这"]

    /// Unknown words as the user wrote them, in question order: runs of unknown tokens, joined
    /// across single characters the lexicon only knows as weak words (共享单车 is one word, not
    /// “享”; 人大代表 is not “大代表”), never taking a particle (的) into the quote.
    func unknownRuns(_ u: Understanding) -> [String] {
        let unknown = Set(u.unknownPositions)
        let t = u.tokens
        func weak(_ i: Int) -> Bool {
            guard i >= 0, i < t.count, !unknown.contains(i) else { return false }
            if case .unknownPlace = t[i].kind { return true }
            guard i < u.coverTags.count, let tag = u.coverTags[i], Suggester.weakTags.contains(tag) else { return false }
            return t[i].surface.count == 1 && !Suggester.particles.contains(t[i].surface) && t[i].kind == .word
        }
        var spans: [(Int, Int)] = []
        var i = 0
        while i < t.count {
            guard unknown.contains(i) else { i += 1; continue }
            var a = i, b = i
            while b + 1 < t.count, unknown.contains(b + 1) || (weak(b + 1) && unknown.contains(b + 2)) { b += 1 }
            if weak(a - 1) { a -= 1 }
            if weak(b + 1), b + 2 >= t.count || !weak(b + 2) { b += 1 }
            spans.append((a, b))
            i = b + 1
        }
        let runs = spans.map { s in t[s.0...s.1].map(\.surface).joined() }
        return runs.isEmpty ? u.unknown : runs
    }

    /// Known words close to an unknown run: hint words first, then places, then near words.
    func candidates(for run: String) -> [String] {
        var out: [String] = []
        for h in hints where run.contains(h.key) { for w in h.words where !out.contains(w) { out.append(w) } }
        if out.count < 3 { for p in nearestPlaces(run, count: 3) where !out.contains(p) { out.append(p) } }
        if out.count < 3 {
            var scored: [(word: String, score: Double)] = []
            for w in words {
                let s = similarity(run, w)
                if s >= 0.5 { scored.append((w, s)) }
            }
            scored.sort { a, b in a.score != b.score ? a.score > b.score : a.word < b.word }
            for c in scored.prefix(3) where !out.contains(c.word) { out.append(c.word) }
        }
        return Array(out.prefix(4))
    }

    func nearestPlaces(_ key: String, count: Int) -> [String] {
        var best: [String: Double] = [:]
        for p in places {
            let s = similarity(key, p.key)
            if s >= 0.34 { best[p.name] = max(best[p.name] ?? 0, s) }
        }
        return best.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }.prefix(count).map(\.key)
    }

    /// Shared characters and edit distance, in [0, 1].
    func similarity(_ a: String, _ b: String) -> Double {
        let x = Array(a), y = Array(b)
        guard !x.isEmpty, !y.isEmpty, x.count <= 40, y.count <= 40 else { return 0 }
        let shared = Set(x).intersection(Set(y)).count
        guard shared > 0 else { return 0 }
        var prev = Array(0...y.count)
        for i in 1...x.count {
            var cur = [i] + Array(repeating: 0, count: y.count)
            for j in 1...y.count {
                let subst: Int = prev[j - 1] + (x[i - 1] == y[j - 1] ? 0 : 1)
                cur[j] = Swift.min(prev[j] + 1, cur[j - 1] + 1, subst)
            }
            prev = cur
        }
        let longest = Double(Swift.max(x.count, y.count))
        return 0.5 * Double(shared) / Double(Swift.min(x.count, y.count)) + 0.5 * (1 - Double(prev[y.count]) / longest)
    }
}
