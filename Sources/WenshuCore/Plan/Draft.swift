/// The slots of one question, sorted by kind, before they meet a conversation.
struct Draft {
    var time: TimeExpr?
    var noTime = false
    var compare: CompareSpec?
    var filters: [(Dimension, String)] = []
    var places: [String] = []
    var flags: [Flag] = []
    /// Measures in the order named (满意率和解决率).
    var metrics: [Metric] = []
    var metricNotes: [String] = []
    var groups: [Dimension] = []
    var grain: Grain?
    var trend = false
    var share = false
    var list = false
    var limit: Int?
    var ascending: Bool?
    var top = false
    var content: [String] = []
    var callThreshold: (Int, Bool)?
    var repeatCallers = false
    var countWord = false
    var followup = false
    var replace = false
    var rowRef: (Int, Dimension?)?
    var wholeCity = false
    var samePeriod = false
    var versus = false
    var spike = false
    var thresholds: [(Comparison, Quantity)] = []
    var rankPosition = false
    var topBottom: Int??
    var change: (ChangeOrder, Bool)?
    var ownGroup = false
    var warnings = false
    var subject = false
    var rankWord = false
    var refusals: [String] = []
    /// Conditions in question order, with the share split (占/在) and joiners (和/与/、) between them.
    enum Condition { case filter(Dimension, String), place(String), flag(Flag), split, joiner }
    var conditions: [Condition] = []
    var conditionsBeforeShare: Int?

    init(_ slots: [Slot]) {
        for s in slots {
            switch s {
            case .time(let t): if time == nil { time = t } else if compare == nil { compare = .to(t) }
            case .compareTo(let t): compare = .to(t)
            case .compare(let k): compare = k == .previous ? .previous : .lastYear
            case .filter(let d, let v): filters.append((d, v)); conditions.append(.filter(d, v))
            case .place(let p): places.append(p); conditions.append(.place(p))
            case .flag(let f): flags.append(f); conditions.append(.flag(f))
            case .metric(let m): if !metrics.contains(m) { metrics.append(m) }
            case .metrics(let ms, let note):
                for m in ms where !metrics.contains(m) { metrics.append(m) }
                if let note { metricNotes.append(note) }
            case .group(let d): if !groups.contains(d) { groups.append(d) }
            case .grain(let g): grain = g
            case .trend: trend = true
            case .share: share = true; if conditionsBeforeShare == nil { conditionsBeforeShare = conditions.count }
            case .list: list = true
            case .limit(let n): limit = n
            case .order(let asc): ascending = asc
            case .top: top = true
            case .content(let c): if !content.contains(c) { content.append(c) }
            case .callThreshold(let n, let strict): callThreshold = (n, strict)
            case .repeatCallers: repeatCallers = true
            case .countWord: countWord = true
            case .followup: followup = true
            case .replace: replace = true
            case .rowRef(let n, let d): rowRef = (n, d)
            case .thisRef(let d): rowRef = (1, d)
            case .wholeCity: wholeCity = true
            case .noTime: noTime = true
            case .samePeriodLastYear: samePeriod = true
            case .versus: versus = true
            case .spike: spike = true
            case .threshold(let c, let q): thresholds.append((c, q))
            case .rankPosition: rankPosition = true
            case .topBottom(let n): topBottom = .some(n)
            case .change(let o, let asc): change = (o, asc)
            case .shareSplit: conditions.append(.split)
            case .ownGroup: ownGroup = true
            case .joiner: conditions.append(.joiner)
            case .warnings: warnings = true
            case .subject: subject = true
            case .rankWord: rankWord = true
            case .refuse(let why): refusals.append(why)
            }
        }
    }

    var asksMeasure: Bool {
        !metrics.isEmpty || countWord || list || share || repeatCallers || callThreshold != nil || spike
            || !thresholds.isEmpty || rankPosition || topBottom != nil || change != nil || warnings
    }

    /// Asks for a layout or an order, even without a measure word (各区排名, 趋势, 前五).
    var asksShape: Bool {
        !groups.isEmpty || grain != nil || trend || compare != nil || limit != nil || top || ascending != nil || samePeriod
    }

    var isFollowupShaped: Bool {
        followup || replace || rowRef != nil || (time == nil && !asksMeasure && content.isEmpty)
    }

    var isEmpty: Bool {
        time == nil && compare == nil && filters.isEmpty && places.isEmpty && flags.isEmpty && metrics.isEmpty
            && groups.isEmpty && grain == nil && !trend && !share && !list && limit == nil && !top && content.isEmpty
            && callThreshold == nil && !repeatCallers && !countWord && rowRef == nil && ascending == nil && !samePeriod && !spike
            && thresholds.isEmpty && !rankPosition && topBottom == nil && change == nil && !warnings
    }

    /// Whether a joiner (和/与/及/、) stands between two conditions of the question.
    func joined(_ a: Int, _ b: Int) -> Bool {
        guard a < b else { return false }
        return conditions[(a + 1)..<b].contains { if case .joiner = $0 { return true }; return false }
    }
}
