import Foundation
/// A short plain-Chinese summary whose numbers are exactly those of the rows, and that
/// never claims more than the SQL filtered.
enum Summary {
    static func make(_ p: QueryPlan, rows: [[DBValue]], now: Now) -> String {
        let body = text(p, rows: rows, now: now)
        let notes = p.notes.isEmpty ? "" : p.notes.map { "（\($0)。）" }.joined()
        var running = ""
        if let t = p.time, t.isPartial(at: now), !ByteSearch.occurs("尚未结束", in: body) { running = "（\(t.label)尚未结束，数据截至目前。）" }
        return body + notes + running
    }

    private static func text(_ p: QueryPlan, rows: [[DBValue]], now: Now) -> String {
        let when = p.time.map { $0.label + "，" } ?? ""
        let subject = Describe.subject(p)
        let m = p.metric
        let (hiWord, loWord) = m.isCount ? ("最多", "最少") : ("最高", "最低")
        let what = m.isCount ? "数量" : m.label
        switch p.shape {
        case .value:
            guard let r = rows.first, !r.isEmpty else { return "\(when)没有数据。" }
            if p.measures.count > 1 { return "\(when)\(subject)：" + measuresText(p.measures, r[...]) + "。" }
            let v = r[0]
            if m == .repeatCallers { return "\(when)\(subject)中有\(p.callerMin)件及以上工单的来电人共\(Describe.value(v, m))。" }
            if m.isCount { return "\(when)\(subject)共\(Describe.value(v, m))。" }
            if v == .null { return "\(when)\(subject)没有可计算\(m.label)的工单（分母为0）。" }
            if let div = p.divisor, m == .perDay || m == .perMonth {
                return "\(when)\(subject)\(m.label)为\(Describe.value(v, m))（按\(div)\(m == .perDay ? "天" : "个月")计）。"
            }
            return "\(when)\(subject)的\(m.label)为\(Describe.value(v, m))。"
        case .group(let d):
            guard let first = rows.first, first.count >= 2 else { return "\(when)\(subject)没有符合条件的\(d.label)。" }
            let cond = p.having.filter { $0.comparison != .notNull }.map { "\($0.metric.label)\($0.comparison.word)\(Describe.quantity($0.value, $0.metric))" }.joined(separator: "、")
            let head = cond.isEmpty ? "\(when)\(subject)" : "\(when)\(subject)\(cond)的\(d.label)"
            if p.namedOrder || p.measures.count > 1 {
                let items = rows.prefix(8).map { r in "\(r[0].description)\(p.measures.count > 1 ? "：" : "") \(measuresText(p.measures, r.dropFirst()))" }
                return "\(head)\(cond.isEmpty ? "按\(d.label)" : "")共\(rows.count)\(d.unitWord)：" + items.joined(separator: "；") + (rows.count > 8 ? "等" : "") + "。"
            }
            let topWord = p.ascending ? loWord : hiWord
            let bottomWord = p.ascending ? hiWord : loWord
            var s: String
            if rows.count == 1 {
                s = cond.isEmpty ? "\(when)\(subject)\(what)\(topWord)的\(d.label)是\(first[0].description)（\(Describe.value(first[1], m))）。"
                    : "\(head)只有\(first[0].description)（\(Describe.value(first[1], m))）。"
            } else {
                let last = rows[rows.count - 1]
                s = "\(head)\(cond.isEmpty ? "按\(d.label)" : "")共列出\(rows.count)\(d.unitWord)，\(what)\(topWord)的是\(first[0].description)（\(Describe.value(first[1], m))），\(bottomWord)的是\(last[0].description)（\(Describe.value(last[1], m))）。"
            }
            // A rate from a handful of ratings says little: name such groups.
            if m.isRate, first.count >= 3 {
                let thin = rows.filter { ($0[2].doubleValue ?? 0) < 10 }.map { $0[0].description }
                if !thin.isEmpty { s += "其中\(thin.prefix(5).joined(separator: "、"))\(thin.count > 5 ? "等" : "")的样本不足10件，比率仅供参考。" }
            }
            return s
        case .periodRank:
            guard let first = rows.first else { return "\(when)\(subject)没有数据。" }
            return "\(when)\(subject)\(what)\(p.ascending ? loWord : hiWord)的是\(first[0].description)（\(Describe.value(first[1], m))）。"
        case .trend(let g):
            guard let first = rows.first, let last = rows.last else { return "\(when)\(subject)没有数据。" }
            let valued = rows.filter { $0.count > 1 && $0[1].doubleValue != nil }
            guard let hi = valued.max(by: { ($0[1].doubleValue ?? 0) < ($1[1].doubleValue ?? 0) }),
                  let lo = valued.min(by: { ($0[1].doubleValue ?? 0) < ($1[1].doubleValue ?? 0) }) else { return "\(when)\(subject)没有可计算的数据。" }
            var s = "\(when)\(subject)\(g.label)共\(rows.count)个时间点，\(m.label)最高的是\(hi[0].description)（\(Describe.value(hi[1], m))），最低的是\(lo[0].description)（\(Describe.value(lo[1], m))）"
            let partial = p.time.map { $0.isPartial(at: now) } ?? false
            // A running last period is not complete: judge the direction up to the one before it.
            let end = partial && rows.count > 2 ? rows[rows.count - 2] : last
            if let a = first[1].doubleValue, let b = end[1].doubleValue, rows.count > 1 {
                let dir = b > a * 1.05 ? "上升" : (b < a * 0.95 ? "下降" : "基本持平")
                s += "；从\(first[0].description)到\(end[0].description)整体\(dir)"
            }
            return s + "。" + (partial ? "\(last[0].description)尚未结束，数据截至目前。" : "")
        case .compare:
            guard let r = rows.first, r.count >= 4 else { return "没有数据。" }
            let prevLabel = p.previous?.label ?? "上期"
            var s = "\(p.time?.label ?? "本期")\(subject)\(m.isCount ? "" : "的" + m.label)为\(Describe.value(r[0], m))，\(prevLabel)为\(Describe.value(r[1], m))"
            if let delta = r[2].doubleValue {
                s += "，" + Describe.change(delta, m)
                if let rate = r[3].doubleValue, delta != 0 { s += "（\(rate >= 0 ? "+" : "")\(Describe.percent(rate))）" }
            }
            return s + "。"
        case .groupCompare(let d, _):
            guard let first = rows.first, first.count >= 5 else { return "\(when)\(subject)没有数据。" }
            let vs = "与\(p.previous?.label ?? "上期")相比，"
            if let c = p.change {
                let word = c == .delta ? (p.ascending ? "减少最多" : "增加最多") : (p.ascending ? "降幅最大" : "增幅最大")
                var s = "\(when)\(vs)\(subject)\(m.isCount ? "" : m.label)\(word)的\(d.label)是\(first[0].description)：本期\(Describe.value(first[1], m))，上期\(Describe.value(first[2], m))"
                if let delta = first[3].doubleValue { s += "，" + Describe.change(delta, m) }
                if let rate = first[4].doubleValue { s += "（\(rate >= 0 ? "+" : "")\(Describe.percent(rate))）" }
                return s + "。"
            }
            return "\(when)\(subject)按\(d.label)对比\(p.previous?.label ?? "上期")，本期\(m.label)\(p.ascending ? "最低" : "最高")的是\(first[0].description)（\(Describe.value(first[1], m))，上期\(Describe.value(first[2], m))）。"
        case .share(let d?):
            guard let first = rows.first else { return "\(when)\(subject)没有数据。" }
            return "\(when)\(subject)按\(d.label)分布，占比\(p.ascending ? "最低" : "最高")的是\(first[0].description)：\(Describe.integer(first[1].doubleValue ?? 0))件，占\(first[2].doubleValue.map(Describe.percent) ?? "—")。"
        case .share(nil):
            guard let r = rows.first, r.count >= 3 else { return "没有数据。" }
            return "\(when)\(subject)中，\(r[0].description)共\(Describe.integer(r[1].doubleValue ?? 0))件，占\(r[2].doubleValue.map(Describe.percent) ?? "—（没有工单）")。"
        case .shareWithin(let d):
            guard let first = rows.first, first.count >= 4 else { return "\(when)\(subject)没有数据。" }
            let name = Describe.shareName(p)
            return "\(when)\(subject)中\(name)占本\(d.label)工单的比例，\(p.ascending ? "最低" : "最高")的是\(first[0].description)（\(Describe.integer(first[1].doubleValue ?? 0))件 / \(Describe.integer(first[2].doubleValue ?? 0))件，\(first[3].doubleValue.map(Describe.percent) ?? "—")）。"
        case .list:
            if rows.isEmpty { return "\(when)没有符合条件的\(subject)。" }
            let capped = rows.count >= (p.limit ?? 20) ? "（按受理时间从新到旧，最多\(p.limit ?? 20)条）" : "（按受理时间从新到旧）"
            return "\(when)列出\(subject)\(rows.count)条\(capped)。"
        case .rankPosition(let d):
            guard let r = rows.first, r.count >= 4, let rank = r[2].doubleValue, let n = r[3].doubleValue else {
                return "\(when)\(p.rankOf ?? "")没有\(subject)，不参与排名。"
            }
            return "\(when)\(p.rankOf ?? "")\(subject.hasPrefix("工单") ? "" : subject)\(m.label)为\(Describe.value(r[1], m))，在\(Describe.integer(n))\(d.unitWord)中排第\(Describe.integer(rank))（从高到低）。"
        case .topBottom(let d):
            guard !rows.isEmpty else { return "\(when)\(subject)没有数据。" }
            let n = p.limit ?? 5
            let top = rows.filter { $0.count >= 3 && $0[2].description == "前\(n)" }.map { $0[0].description }
            let bottom = rows.filter { $0.count >= 3 && $0[2].description == "后\(n)" }.map { $0[0].description }
            return "\(when)\(subject)各\(d.label)\(m.label)前\(n)名：\(top.joined(separator: "、"))；后\(n)名（从最低起）：\(bottom.joined(separator: "、"))。"
        case .warnings:
            return ""
        case .topPerGroup(let o, let i):
            guard !rows.isEmpty else { return "\(when)\(subject)没有数据。" }
            let groups = Set(rows.map { $0[0].description }).count
            return "\(when)\(subject)在\(groups)\(o.unitWord)中各列出\(what)\(p.ascending ? loWord : hiWord)的\(p.limit ?? 1)\(i.unitWord)，共\(rows.count)行。"
        }
    }

    /// 「工单量 312件、满意率 85.3%」 for several measures of one row.
    private static func measuresText(_ ms: [Metric], _ values: ArraySlice<DBValue>) -> String {
        zip(ms, values).map { m, v in ms.count > 1 ? "\(m.label) \(Describe.value(v, m))" : Describe.value(v, m) }.joined(separator: "、")
    }
}
