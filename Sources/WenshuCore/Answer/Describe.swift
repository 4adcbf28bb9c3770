/// Words for a plan: the interpretation line and the phrases summaries are built from.
/// The interpretation lists every condition the SQL applies, and nothing else.
enum Describe {
    /// "西湖区供水类投诉" — the tickets a plan counts, without time.
    static func subject(_ p: QueryPlan) -> String {
        var s = ""
        if let sc = p.scope, p.values(sc.level).isEmpty { s += sc.name }
        for lvl in [Dimension.district, .street, .community] { s += joined(p.values(lvl)) }
        if !p.values(.department).isEmpty { s += joined(p.values(.department)) + "承办的" }
        if !p.values(.channel).isEmpty { s += joined(p.values(.channel)) + "渠道" }
        let cats = p.values(.subcategory).isEmpty ? p.values(.category) : p.values(.subcategory)
        if !cats.isEmpty { s += joined(cats) + "类" }
        for f in p.flags { s += f.label }
        if !p.content.isEmpty { s += "提到“" + p.content.joined(separator: "”“") + "”的" }
        s += p.values(.kind).isEmpty ? "工单" : joined(p.values(.kind))
        return s
    }

    static func joined(_ vs: [String]) -> String { vs.joined(separator: "、") }

    static func interpretation(_ p: QueryPlan, notes: [String]) -> String {
        var parts: [String] = [p.time?.label ?? "全部时间"]
        if let sc = p.scope { parts.append("权限：\(sc.name)") }
        for lvl in [Dimension.district, .street, .community, .department, .channel, .category, .subcategory, .kind] {
            let vs = p.values(lvl)
            if vs.count == 1 { parts.append(vs[0]) } else if vs.count > 1 { parts.append("\(lvl.label)为\(vs.joined(separator: "、"))") }
        }
        for f in p.flags { parts.append(f == .repeatCaller ? "来电人有\(p.callerMin)件及以上" : f.label) }
        for c in p.content { parts.append("内容含“\(c)”") }
        let measures = p.measures.map { $0 == .repeatCallers ? "来电\(p.callerMin)次及以上的来电人数" : $0.label }.joined(separator: "、")
        let having = p.having.filter { $0.comparison != .notNull }.map { "\($0.metric.label)\($0.comparison.word)\(quantity($0.value, $0.metric))" }
        func order(_ n: Int?) -> String {
            if let n { return p.ascending ? (n == 1 ? "最低" : "最低\(n)个") : (n == 1 ? "最高" : "前\(n)") }
            return p.ascending ? "从低到高" : (p.explicitOrder ? "从高到低" : "排名")
        }
        switch p.shape {
        case .value: parts.append(measures)
        case .group(let d):
            parts.append("按\(d.label)")
            parts += having
            parts.append(measures)
            parts.append(p.namedOrder ? "按所列顺序" : order(p.limit))
        case .trend(let g): parts.append(measures); parts.append(g.label + "趋势")
        case .periodRank(let g):
            parts.append(measures)
            parts += having
            parts.append(g.label + order(p.limit))
        case .compare(let spec): parts.append(measures); parts.append(compareWord(spec) + "（对比\(p.previous?.label ?? "")）")
        case .groupCompare(let d, let spec):
            parts.append("按\(d.label)"); parts.append(measures); parts.append(compareWord(spec) + "（对比\(p.previous?.label ?? "")）")
            if let c = p.change {
                let word = c == .delta ? (p.ascending ? "减少最多" : "增加最多") : (p.ascending ? "降幅最大" : "增幅最大")
                parts.append(word + (p.limit.map { $0 == 1 ? "" : "的\($0)个" } ?? ""))
            }
        case .share(let d?):
            parts.append("按\(d.label)")
            parts.append("占比" + (p.limit.map { $0 == 1 ? (p.ascending ? "最低" : "最高") : "前\($0)" } ?? ""))
        case .share(nil):
            parts.append("\(shareName(p))占比")
        case .shareWithin(let d):
            parts.append("按\(d.label)"); parts.append("\(shareName(p))占本\(d.label)工单的比例")
        case .list: parts.append("工单明细（最新\(p.limit ?? 20)条）")
        case .rankPosition(let d):
            parts.append(measures); parts.append("\(p.rankOf ?? "")在各\(d.label)中的排名")
        case .topBottom(let d):
            parts.append("按\(d.label)"); parts.append(measures); parts.append("前\(p.limit ?? 5)名和后\(p.limit ?? 5)名")
        case .warnings:
            parts.append("未诉先办预警（街道/社区 × 二级分类）")
        case .topPerGroup(let o, let i):
            parts.append("每个\(o.label)"); parts.append(measures); parts.append((p.ascending ? "最低的" : "最高的") + "\(p.limit ?? 1)\(i.unitWord)")
        }
        parts += notes
        return parts.joined(separator: " · ")
    }

    static func shareName(_ p: QueryPlan) -> String {
        p.shareOf.map { t -> String in
            switch t {
            case .filter(_, let v): return v
            case .flag(let f): return f.label
            }
        }.joined()
    }

    static func quantity(_ v: Double, _ m: Metric) -> String {
        switch m.kind {
        case .rate: return percent(v)
        case .hours: return v.truncatingRemainder(dividingBy: 24) == 0 ? "\(integer(v / 24))天" : "\(integer(v))小时"
        default: return integer(v)
        }
    }

    static func compareWord(_ s: CompareSpec) -> String {
        switch s {
        case .previous: return "环比"
        case .lastYear: return "同比"
        case .to: return "对比"
        }
    }

    /// A metric value in words: 312件, 85.3%, 36.5小时（约1.5天）.
    static func value(_ v: DBValue, _ m: Metric, countUnit: String = "件") -> String {
        guard let d = v.doubleValue else { return "无数据" }
        if m.isRate { return percent(d) }
        if m == .avgHours { return String(format: "%.1f小时（约%.1f天）", d, d / 24) }
        if m == .perDay || m == .perMonth { return String(format: "%.1f件", d) }
        if m == .repeatCallers { return integer(d) + "人" }
        return integer(d) + countUnit
    }

    /// A change in words, never "增加-9件": 增加9件 / 减少9件 / 持平; rates in percentage points.
    static func change(_ delta: Double, _ m: Metric) -> String {
        if delta == 0 { return "持平" }
        let amount = m.isRate ? String(format: "%.1f个百分点", abs(delta) * 100) : value(.real(abs(delta)), m)
        return (delta > 0 ? "增加" : "减少") + amount
    }

    static func percent(_ d: Double) -> String { String(format: "%.1f%%", d * 100) }

    static func integer(_ d: Double) -> String {
        d == d.rounded() && abs(d) < 1e15 ? String(Int64(d)) : String(format: "%.2f", d)
    }
}
