/// A short plain-Chinese summary whose numbers are exactly those of the rows.
enum Summary {
    static func make(_ p: QueryPlan, rows: [[DBValue]], now: Now) -> String {
        let when = p.time.map { $0.label + "，" } ?? ""
        let subject = Describe.subject(p)
        let m = p.metric
        let partial = p.time.map { $0.isPartial(at: now) } ?? false
        let partialNote = partial ? "（\(p.time!.label)尚未结束，数据截至目前）" : ""
        switch p.shape {
        case .value:
            guard let v = rows.first?.first else { return "\(when)没有数据。" }
            if m.isCount { return "\(when)\(subject)共\(Describe.value(v, m))。" }
            if v == .null { return "\(when)\(subject)没有可计算\(m.label)的工单（分母为0）。" }
            return "\(when)\(subject)的\(m.label)为\(Describe.value(v, m))。"
        case .group(let d):
            guard let first = rows.first else { return "\(when)\(subject)没有符合条件的数据。" }
            let name = first[0].description
            // Counts read "数量最多", other measures "满意率最高".
            let (hiWord, loWord) = m.isCount ? ("最多", "最少") : ("最高", "最低")
            let what = m.isCount ? "数量" : m.label
            let topWord = p.ascending ? loWord : hiWord
            let bottomWord = p.ascending ? hiWord : loWord
            if rows.count == 1 {
                return "\(when)\(subject)\(what)\(topWord)的\(d.label)是\(name)（\(Describe.value(first[1], m))）。"
            }
            let last = rows[rows.count - 1]
            return "\(when)\(subject)按\(d.label)共列出\(rows.count)\(d.unitWord)，\(what)\(topWord)的是\(name)（\(Describe.value(first[1], m))），\(bottomWord)的是\(last[0].description)（\(Describe.value(last[1], m))）。"
        case .periodRank:
            guard let first = rows.first else { return "\(when)\(subject)没有数据。" }
            let word = p.ascending ? (m.isCount ? "最少" : "最低") : (m.isCount ? "最多" : "最高")
            return "\(when)\(subject)\(m.isCount ? "数量" : m.label)\(word)的是\(first[0].description)（\(Describe.value(first[1], m))）。"
        case .trend(let g):
            guard let first = rows.first, let last = rows.last else { return "\(when)\(subject)没有数据。" }
            let valued = rows.filter { $0[1].doubleValue != nil }
            guard let hi = valued.max(by: { $0[1].doubleValue! < $1[1].doubleValue! }),
                  let lo = valued.min(by: { $0[1].doubleValue! < $1[1].doubleValue! }) else { return "\(when)\(subject)没有可计算的数据。" }
            var s = "\(when)\(subject)\(g.label)共\(rows.count)个时间点，\(m.label)最高的是\(hi[0].description)（\(Describe.value(hi[1], m))），最低的是\(lo[0].description)（\(Describe.value(lo[1], m))）"
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
            let cur = Describe.value(r[0], m), prev = Describe.value(r[1], m)
            var s = "\(p.time?.label ?? "本期")\(subject)\(m.isCount ? "" : "的" + m.label)为\(cur)，\(prevLabel)为\(prev)"
            if let delta = r[2].doubleValue {
                let up = delta > 0, flat = delta == 0
                let amount = m.isRate ? String(format: "%.1f个百分点", abs(delta) * 100) : Describe.value(.real(abs(delta)), m)
                s += flat ? "，持平" : "，\(up ? "增加" : "减少")\(amount)"
                if let rate = r[3].doubleValue { s += "（\(rate >= 0 ? "+" : "")\(Describe.percent(rate))）" }
            }
            return s + "。" + partialNote
        case .groupCompare(let d, _) where p.byGrowth:
            guard let first = rows.first, let delta = first[3].doubleValue else { return "\(when)\(subject)没有数据。" }
            return "\(when)与\(p.previous?.label ?? "上期")相比，\(subject)增加最多的\(d.label)是\(first[0].description)：\(Describe.value(first[1], m))，上期\(Describe.value(first[2], m))，增加\(Describe.value(.real(delta), m))。" + partialNote
        case .groupCompare(let d, _):
            guard let first = rows.first else { return "\(when)\(subject)没有数据。" }
            return "\(when)\(subject)按\(d.label)对比\(p.previous?.label ?? "上期")，本期\(m.label)最高的是\(first[0].description)（\(Describe.value(first[1], m))，上期\(Describe.value(first[2], m))）。" + partialNote
        case .share(let d?):
            guard let first = rows.first else { return "\(when)\(subject)没有数据。" }
            return "\(when)\(subject)按\(d.label)分布，占比最高的是\(first[0].description)：\(Describe.integer(first[1].doubleValue ?? 0))件，占\(first[2].doubleValue.map(Describe.percent) ?? "—")。"
        case .share(nil):
            guard let r = rows.first, r.count >= 3 else { return "没有数据。" }
            return "\(when)\(subject)中，\(r[0].description)共\(Describe.integer(r[1].doubleValue ?? 0))件，占\(r[2].doubleValue.map(Describe.percent) ?? "—（没有工单）")。"
        case .list:
            if rows.isEmpty { return "\(when)没有符合条件的\(subject)。" }
            let capped = rows.count >= (p.limit ?? 20) ? "（按受理时间从新到旧，最多\(p.limit ?? 20)条）" : "（按受理时间从新到旧）"
            return "\(when)列出\(subject)\(rows.count)条\(capped)。"
        case .repeatCallers(let n):
            let v = rows.first?.first ?? .integer(0)
            return "\(when)\(subject)中来电\(n)次及以上的来电人共\(Describe.value(v, .count, countUnit: "人"))。"
        }
    }
}

import Foundation
