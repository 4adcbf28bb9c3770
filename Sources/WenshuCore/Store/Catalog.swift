/// The values a store holds, learned when it opens: places (with their parents),
/// departments, categories, channels, kinds. This is what lets one binary answer for
/// any city: nothing about places is hard-coded.
public struct Catalog: Sendable, Codable {
    public struct Place: Hashable, Sendable, Codable {
        public let level: Dimension
        public let name: String
        public init(level: Dimension, name: String) {
            self.level = level
            self.name = name
        }
    }

    /// Every way a place can be written (full name, bare name) → the places it may mean.
    public private(set) var placeIndex: [String: [Place]] = [:]
    /// Parents: street → districts, community → (street, district).
    public private(set) var districtsOfStreet: [String: Set<String>] = [:]
    public private(set) var districtsOfCommunity: [String: Set<String>] = [:]
    public private(set) var streetsOfCommunity: [String: Set<String>] = [:]
    /// Ticket counts per value of each dimension (for help, schema and suggestions).
    public private(set) var counts: [Dimension: [String: Int]] = [:]
    public private(set) var subcategoryParent: [String: String] = [:]
    public private(set) var total = 0

    enum CodingKeys: String, CodingKey {
        case placeIndex, districtsOfStreet, districtsOfCommunity, streetsOfCommunity, counts, subcategoryParent, total
    }

    static let suffixes: [Dimension: [String]] = [
        .district: ["新区", "区", "县", "市"],
        .street: ["街道", "镇", "乡"],
        .community: ["社区", "村委会", "居委会", "村"],
    ]

    public init() {}

    /// Learning is not a question: it has its own time budget, not the per-question cap.
    static let learnSeconds = 900.0

    /// `source` names the table holding some dimensions and how to count its rows
    /// (`tickets`/COUNT(*), or a rollup of the analytics cache and its summed count).
    public static func learn(from db: TicketStore, source: (_ dims: [String]) -> (table: String, count: String)? = { _ in ("tickets", "COUNT(*)") }) throws -> Catalog {
        func from(_ dims: [String]) throws -> (table: String, count: String) {
            guard let s = source(dims) else { throw StoreError(.notATicketStore, "no table holds \(dims)") }
            return s
        }
        // Another store (PostgreSQL) caps time per connection: learn on a connection of its own
        // under the learning budget (with the question cap, a 10,000,000-ticket table could
        // not be learned, and every question would fail at open).
        var learner: TicketStore?
        func rows(_ sql: String) throws -> [[DBValue]] {
            if let sqlite = db as? Database { return try sqlite.query(sql, [], rowCap: 10_000_000, timeCap: learnSeconds).rows }
            if learner == nil {
                var policy = SQLPolicy.tickets
                policy.timeCap = learnSeconds
                learner = try db.reopen(policy: policy)
            }
            return try (learner ?? db).query(sql, [], rowCap: 10_000_000).rows
        }
        var c = Catalog()
        let p = try from(["district", "street", "community"])
        let places = try rows("SELECT district, street, community, \(p.count) FROM \(p.table) GROUP BY district, street, community")
        for r in places {
            let d = r[0].stringValue, s = r[1].stringValue, m = r[2].stringValue
            let n = Int(r[3].doubleValue ?? 0)
            c.total += n
            if let d { c.counts[.district, default: [:]][d, default: 0] += n; c.addPlace(.district, d) }
            if let s {
                c.counts[.street, default: [:]][s, default: 0] += n
                c.addPlace(.street, s)
                if let d { c.districtsOfStreet[s, default: []].insert(d) }
            }
            if let m {
                c.counts[.community, default: [:]][m, default: 0] += n
                c.addPlace(.community, m)
                if let d { c.districtsOfCommunity[m, default: []].insert(d) }
                if let s { c.streetsOfCommunity[m, default: []].insert(s) }
            }
        }
        for dim in [Dimension.department, .channel, .kind] {
            let s = try from([dim.column])
            let found = try rows("SELECT \(dim.column), \(s.count) FROM \(s.table) GROUP BY \(dim.column)")
            for r in found { if let v = r[0].stringValue { c.counts[dim, default: [:]][v] = Int(r[1].doubleValue ?? 0) } }
        }
        let k = try from(["category", "subcategory"])
        let cats = try rows("SELECT category, subcategory, \(k.count) FROM \(k.table) GROUP BY category, subcategory")
        for r in cats {
            let n = Int(r[2].doubleValue ?? 0)
            if let cat = r[0].stringValue { c.counts[.category, default: [:]][cat, default: 0] += n }
            if let sub = r[1].stringValue {
                c.counts[.subcategory, default: [:]][sub, default: 0] += n
                if let cat = r[0].stringValue { c.subcategoryParent[sub] = cat }
            }
        }
        return c
    }

    mutating func addPlace(_ level: Dimension, _ name: String) {
        let p = Place(level: level, name: name)
        func put(_ key: String) {
            if placeIndex[key]?.contains(p) == true { return }
            placeIndex[key, default: []].append(p)
        }
        put(Lexicon.fold(name))
        for suf in Catalog.suffixes[level] ?? [] where name.hasSuffix(suf) {
            let bare = String(name.dropLast(suf.count))
            if bare.count >= 2 { put(Lexicon.fold(bare)) }
            break
        }
    }

    public func values(_ d: Dimension) -> [String] {
        (counts[d] ?? [:]).sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }.map(\.key)
    }

    /// Whether a place lies inside a scope place (same place, or one of its children).
    public func place(_ p: Place, isWithin scope: Place) -> Bool {
        if p.level == scope.level { return p.name == scope.name }
        switch (scope.level, p.level) {
        case (.district, .street): return districtsOfStreet[p.name]?.contains(scope.name) == true
        case (.district, .community): return districtsOfCommunity[p.name]?.contains(scope.name) == true
        case (.street, .community): return streetsOfCommunity[p.name]?.contains(scope.name) == true
        default: return false
        }
    }
}
