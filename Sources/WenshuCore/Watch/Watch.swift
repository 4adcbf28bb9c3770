import Foundation

/// 未诉先办: the warnings of a day, for `wenshu watch`, the morning push and (later) the
/// question 「今天有什么预警」. Reads the store with plain aggregated SQL; never writes.
public enum Watch {
    /// Limits a list to one district or street (a district office sees its own places).
    public struct Scope: Sendable, Hashable {
        public let district: String?
        public let street: String?

        public init(district: String? = nil, street: String? = nil) {
            self.district = district
            self.street = street
        }

        /// `district=西湖区` or `street=北山街道`.
        public init?(parsing s: String) {
            let p = s.split(separator: "=", maxSplits: 1).map { String($0).trimmingCharacters(in: .whitespaces) }
            guard p.count == 2, !p[1].isEmpty else { return nil }
            switch p[0] {
            case "district": self.init(district: p[1])
            case "street": self.init(street: p[1])
            default: return nil
            }
        }

        func contains(_ place: WatchPlace) -> Bool {
            (district == nil || district == place.district) && (street == nil || street == place.street)
        }
    }

    /// The list, structured and as a table (columns + rows of DBValue, like an answer).
    public struct Report: Sendable {
        public let day: Day
        public let days: Int
        /// The first listed day the detector could judge (it needs some history first).
        public let evaluableFrom: Day
        public let warnings: [Warning]
        public let columns: [String]
        public let rows: [[DBValue]]
        public let summary: String
        /// The statement the counts came from, and its parameters.
        public var sql: String = DailyCounts.sql
        public var params: [DBValue] = []

        /// The same report narrowed to some of its warnings (e.g. those not pushed yet).
        public func only(_ subset: [Warning]) -> Report {
            let t = WatchRender.table(subset)
            return Report(day: day, days: days, evaluableFrom: evaluableFrom, warnings: subset, columns: t.columns, rows: t.rows,
                          summary: WatchRender.summary(subset, day: day, days: days), sql: sql, params: params)
        }
    }

    public static let maxDays = 3660
    /// Evaluated before the listed days, so an ongoing warning keeps the day it first fired.
    static let carryDays = 30

    /// Opens a store read-only for watching: one statement at a time, nothing but `tickets`.
    public static func open(path: String, queryTimeLimit: Double = 60) throws -> Database {
        let db = try Database.openReadOnly(path)
        try TicketSchema.validate(db)
        var policy = SQLPolicy.tickets
        policy.timeCap = queryTimeLimit
        db.install(policy: policy)
        return db
    }

    /// The warnings that fired in the `days` days before `now`'s day or on it so far
    /// (1 = the morning list: yesterday and today).
    /// `db` must carry a SQL guard (`Watch.open`, or an engine's connection).
    public static func warnings(db: Database, now: Now, days: Int = 1, scope: Scope? = nil,
                                parameters: Detector.Parameters = .init(), examples: Int = 2) throws -> Report {
        let days = min(max(days, 1), maxDays)
        let detector = Detector(parameters: parameters)
        // A morning list must show what fired on the last complete day, so the listed
        // days are the `days` days before today plus today so far.
        let listFrom = now.day.adding(days: -days)
        let evalFrom = listFrom.adding(days: -carryDays)
        let readFrom = evalFrom.adding(days: -detector.lookback)
        let dayCount = now.day.ordinal - readFrom.ordinal + 1
        let counts = try DailyCounts.read(db: db, first: readFrom, dayCount: dayCount, before: now.timestamp)
        let episodes = detector.episodes(counts, from: evalFrom.ordinal - readFrom.ordinal, to: dayCount - 1)
        var list = WarningMerger.merge(episodes, communityShare: parameters.communityShare, maxGap: parameters.maxGap)
            .filter { $0.lastDay >= listFrom && (scope?.contains($0.place) ?? true) }
        list.sort { a, b in
            if a.lastDay != b.lastDay { return a.lastDay > b.lastDay }
            if a.pValue != b.pValue { return a.pValue < b.pValue }
            return (a.place.name, a.subcategory) < (b.place.name, b.subcategory)
        }
        for i in list.indices {
            list[i].question = Warning.question(place: list[i].place, subcategory: list[i].subcategory, since: list[i].since, now: now.day)
            if examples > 0 { list[i].examples = try exampleTickets(db: db, list[i], now: now, limit: examples) }
        }
        let table = WatchRender.table(list)
        let p = parameters
        let judged = counts.firstDataDay.map { $0.adding(days: p.minBaselineDays + max(p.guardDays, p.windows) - 1) } ?? now.day
        return Report(day: now.day, days: days, evaluableFrom: max(listFrom, judged), warnings: list, columns: table.columns, rows: table.rows,
                      summary: WatchRender.summary(list, day: now.day, days: days),
                      params: DailyCounts.params(first: readFrom, dayCount: dayCount, before: now.timestamp))
    }

    /// The newest tickets behind a warning, masked.
    static func exampleTickets(db: Database, _ w: Warning, now: Now, limit: Int) throws -> [Warning.Example] {
        var sql = "SELECT id, created_at, content FROM tickets WHERE district = ? AND street = ? AND subcategory = ? AND created_at >= ? AND created_at < ?"
        let end = min(w.lastDay.adding(days: 1).timestamp, now.timestamp)
        var params: [DBValue] = [.text(w.district), .text(w.street), .text(w.subcategory), .text(w.since.timestamp), .text(end)]
        if let c = w.community {
            sql += " AND community = ?"
            params.append(.text(c))
        }
        sql += " ORDER BY created_at DESC LIMIT \(min(max(limit, 1), 20))"
        return try db.query(sql, params).rows.compactMap { r in
            guard r.count == 3, let id = r[0].stringValue, let at = r[1].stringValue, let text = r[2].stringValue else { return nil }
            return Warning.Example(id: id, createdAt: at, content: Masking.mask(text))
        }
    }
}
