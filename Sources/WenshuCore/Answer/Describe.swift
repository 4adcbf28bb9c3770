/// Words for a plan: the interpretation line and the phrases summaries are built from.
enum Describe {
    /// "西湖区供水类投诉" — the tickets a plan counts, without time.
    static func subject(_ p: QueryPlan) -> String {
        var s = ""
        if let sc = p.scope, p.filter(sc.level) == nil { s += sc.name }
        for lvl in [Dimension.district, .street, .community] { if let v = p.filter(lvl) { s += v } }
        if let v = p.filter(.department) { s += v + "承办的" }
        if let v = p.filter(.channel) { s += v + "渠道" }
        if let v = p.filter(.subcategory) ?? p.filter(.category) { s += v + "类" }
        for f in p.flags { s += f.label }
        if !p.content.isEmpty { s += "提到“" + p.content.joined(separator: "”“") + "”的" }
        s += p.filter(.kind) ?? "工单"
        return s
    }

    static func interpretation(_ p: QueryPlan, notes: [String]) -> String {
        var parts: [String] = [p.time?.label ?? "全部时间"]
        if let sc = p.scope { parts.append("权限：\(sc.name)") }
        for lvl in [Dimension.district, .street, .community, .department, .channel, .category, .subcategory, .kind] {
            if let v = p.filter(lvl) { parts.append(v) }
        }
        for f in p.flags { parts.append(f.label) }
        for c in p.content { parts.append("内容含“\(c)”") }
        switch p.shape {
        case .value: parts.append(p.metric.label)
        case .group(let d):
            parts.append("按\(d.label)")
            if let h = p.having { parts.append((h.strict ? "超过" : "至少") + "\(h.value)") }
            parts.append(p.metric.label)
            if let n = p.limit { parts.append(p.ascending ? "最低\(n)个" : (n == 1 ? "最高" : "前\(n)")) } else { parts.append(p.ascending ? "升序" : "排名") }
        case .trend(let g): parts.append(p.metric.label); parts.append(g.label + "趋势")
        case .periodRank(let g):
            parts.append(p.metric.label)
            parts.append(g.label + (p.limit.map { $0 == 1 ? (p.ascending ? "最低" : "最高") : "前\($0)" } ?? "排名"))
        case .compare(let spec): parts.append(p.metric.label); parts.append(compareWord(spec) + "（对比\(p.previous?.label ?? "")）")
        case .groupCompare(let d, let spec):
            parts.append("按\(d.label)"); parts.append(p.metric.label); parts.append(compareWord(spec) + "（对比\(p.previous?.label ?? "")）")
            if p.byGrowth { parts.append("增量最大" + (p.limit.map { $0 == 1 ? "" : "前\($0)" } ?? "")) }
        case .share(let d?):
            parts.append("按\(d.label)")
            parts.append("占比" + (p.limit.map { $0 == 1 ? (p.ascending ? "最低" : "最高") : "前\($0)" } ?? ""))
        case .share(nil):
            switch p.shareOf {
            case .filter(_, let v)?: parts.append("\(v)占比")
            case .flag(let f)?: parts.append("\(f.label)占比")
            case nil: parts.append("占比")
            }
        case .list: parts.append("工单明细（最新\(p.limit ?? 20)条）")
        case .repeatCallers(let n): parts.append("来电\(n)次及以上的来电人数")
        }
        parts += notes
        return parts.joined(separator: " · ")
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
        return integer(d) + countUnit
    }

    static func percent(_ d: Double) -> String { String(format: "%.1f%%", d * 100) }

    static func integer(_ d: Double) -> String {
        d == d.rounded() && abs(d) < 1e15 ? String(Int64(d)) : String(format: "%.2f", d)
    }
}

import Foundation
