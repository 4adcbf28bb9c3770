import Foundation

/// Where a warning is: a street, or a community inside it.
public struct WatchPlace: Hashable, Sendable {
    public let district: String
    public let street: String
    /// nil for a street-level series.
    public let community: String?

    public init(district: String, street: String, community: String?) {
        self.district = district
        self.street = street
        self.community = community
    }

    public var name: String { community ?? street }
    public var streetLevel: WatchPlace { WatchPlace(district: district, street: street, community: nil) }
}

/// Ticket counts per day for every place × subcategory (streets and communities), the
/// subcategory's city total and each place's total, read with one aggregated pass.
/// Days are indices from `firstDay`; everything after is plain arithmetic on arrays.
public struct DailyCounts: Sendable {
    public let firstDay: Day
    public let dayCount: Int
    public private(set) var subcategories: [String] = []
    public private(set) var places: [WatchPlace] = []
    /// Prefix sums (length dayCount + 1): the subcategory's tickets in the whole city.
    private(set) var subTotal: [[Int]] = []
    /// Prefix sums: all tickets of a place (every subcategory), and of the city.
    private(set) var placeTotal: [[Int]] = []
    private(set) var cityTotal: [Int] = []
    /// Sparse series: (place index, subcategory index) → days with tickets and their counts.
    private(set) var series: [SeriesKey: SparseSeries] = [:]

    struct SeriesKey: Hashable, Sendable {
        let place: Int
        let sub: Int
    }

    /// Builds the table from (day, district, street, community, subcategory, tickets) rows.
    /// Rows outside [firstDay, firstDay + dayCount) are ignored.
    init(firstDay: Day, dayCount: Int, rows: [(day: Day, district: String?, street: String?, community: String?, subcategory: String?, count: Int)]) {
        self.firstDay = firstDay
        self.dayCount = max(0, dayCount)
        var subIndex: [String: Int] = [:]
        var placeIndex: [WatchPlace: Int] = [:]
        var subDaily: [[Int]] = []
        var placeDaily: [[Int]] = []
        var cityDaily = [Int](repeating: 0, count: self.dayCount)
        var cells: [SeriesKey: [Int: Int]] = [:]
        func place(_ p: WatchPlace) -> Int {
            if let i = placeIndex[p] { return i }
            placeIndex[p] = places.count
            places.append(p)
            placeDaily.append([Int](repeating: 0, count: self.dayCount))
            return places.count - 1
        }
        for r in rows {
            let d = r.day.ordinal - firstDay.ordinal
            guard d >= 0, d < self.dayCount, r.count > 0 else { continue }
            cityDaily[d] += r.count
            var placeIds: [Int] = []
            if let district = r.district, let street = r.street {
                placeIds.append(place(WatchPlace(district: district, street: street, community: nil)))
                if let c = r.community { placeIds.append(place(WatchPlace(district: district, street: street, community: c))) }
            }
            for p in placeIds { placeDaily[p][d] += r.count }
            guard let sub = r.subcategory else { continue }
            let s: Int
            if let i = subIndex[sub] { s = i } else {
                s = subcategories.count
                subIndex[sub] = s
                subcategories.append(sub)
                subDaily.append([Int](repeating: 0, count: self.dayCount))
            }
            subDaily[s][d] += r.count
            for p in placeIds { cells[SeriesKey(place: p, sub: s), default: [:]][d, default: 0] += r.count }
        }
        subTotal = subDaily.map(DailyCounts.prefix)
        placeTotal = placeDaily.map(DailyCounts.prefix)
        cityTotal = DailyCounts.prefix(cityDaily)
        series = cells.mapValues { SparseSeries($0) }
    }

    static func prefix(_ xs: [Int]) -> [Int] {
        var out = [Int](repeating: 0, count: xs.count + 1)
        for (i, x) in xs.enumerated() { out[i + 1] = out[i] + x }
        return out
    }

    /// Sum over days [lo, hi) of a prefix array, with the range clipped to the table.
    static func sum(_ prefix: [Int], _ lo: Int, _ hi: Int) -> Int {
        let a = min(max(lo, 0), prefix.count - 1), b = min(max(hi, 0), prefix.count - 1)
        return b > a ? prefix[b] - prefix[a] : 0
    }

    func day(_ index: Int) -> Day { firstDay.adding(days: index) }

    /// The first day that has any ticket (nil for an empty window).
    public var firstDataDay: Day? {
        guard let i = (0..<dayCount).first(where: { cityTotal[$0 + 1] > 0 }) else { return nil }
        return day(i)
    }
}

/// The days on which one place × subcategory had tickets, with prefix sums for range totals.
struct SparseSeries: Sendable {
    let days: [Int]
    let prefix: [Int]

    init(_ byDay: [Int: Int]) {
        let sorted = byDay.sorted { $0.key < $1.key }
        days = sorted.map(\.key)
        var p = [0]
        p.reserveCapacity(sorted.count + 1)
        for (_, c) in sorted { p.append(p[p.count - 1] + c) }
        prefix = p
    }

    /// First position whose day is ≥ d.
    private func lowerBound(_ d: Int) -> Int {
        var lo = 0, hi = days.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if days[mid] < d { lo = mid + 1 } else { hi = mid }
        }
        return lo
    }

    /// Tickets over days [lo, hi).
    func sum(_ lo: Int, _ hi: Int) -> Int {
        guard hi > lo else { return 0 }
        return prefix[lowerBound(hi)] - prefix[lowerBound(lo)]
    }

    func count(on d: Int) -> Int { sum(d, d + 1) }
}

extension DailyCounts {
    /// Reads the counts for days [first, first + dayCount), up to `before` (the reference
    /// time: no ticket at or after it is counted, so a partial today is partial everywhere).
    /// The one statement the detector reads (shown as an answer's SQL).
    public static let sql = """
        SELECT substr(created_at, 1, 10), district, street, community, subcategory, COUNT(*) \
        FROM tickets WHERE created_at >= ? AND created_at < ? \
        GROUP BY substr(created_at, 1, 10), district, street, community, subcategory
        """

    static func params(first: Day, dayCount: Int, before: String) -> [DBValue] {
        let end = first.adding(days: max(0, dayCount))
        return [.text(first.timestamp), .text(min(end.timestamp, before))]
    }

    public static func read(db: Database, first: Day, dayCount: Int, before: String) throws -> DailyCounts {
        let result = try db.query(sql, params(first: first, dayCount: dayCount, before: before), rowCap: 20_000_000)
        var rows: [(day: Day, district: String?, street: String?, community: String?, subcategory: String?, count: Int)] = []
        rows.reserveCapacity(result.rows.count)
        for r in result.rows where r.count == 6 {
            guard let s = r[0].stringValue, let d = Day(parsing: s), let n = r[5].doubleValue, n >= 0, n < 1e12 else { continue }
            rows.append((d, r[1].stringValue, r[2].stringValue, r[3].stringValue, r[4].stringValue, Int(n)))
        }
        return DailyCounts(firstDay: first, dayCount: dayCount, rows: rows)
    }
}
