import Foundation

/// Scores warnings against an `incidents.json` (the generator's ground truth): the centre's
/// review of the detector. Used only to judge, never as an input to detection.
public struct WatchScore: Sendable {
    public struct Incident: Sendable, Hashable {
        public let name: String
        public let subcategory: String
        public let district: String
        public let street: String
        public let community: String?
        public let start: Day
        public let end: Day
        public let extra: Int
        /// The generator's small local incidents (局部事件) versus the large planted ones.
        public var small: Bool { name == "局部事件" }
    }

    public struct Result: Sendable {
        public var incidents = 0, found = 0, within2Days = 0
        public var smallIncidents = 0, smallFound = 0, smallWithin2Days = 0
        public var warnings = 0, matchedWarnings = 0
        public var leadDays: [Int] = []
        public var missed: [Incident] = []
        public var falseWarnings: [Warning] = []

        public var recall: Double { incidents > 0 ? Double(found) / Double(incidents) : 0 }
        public var precision: Double { warnings > 0 ? Double(matchedWarnings) / Double(warnings) : 1 }
    }

    /// A warning shows an incident when subcategory and street agree, communities do not
    /// contradict, and its days overlap the incident's (up to two days after it ends).
    public static func matches(_ w: Warning, _ i: Incident) -> Bool {
        guard w.subcategory == i.subcategory, w.district == i.district, w.street == i.street else { return false }
        if let wc = w.community, let ic = i.community, wc != ic { return false }
        return w.firstDay.ordinal <= i.end.ordinal + 2 && w.lastDay >= i.start
    }

    public static func loadIncidents(path: String) throws -> [Incident] {
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        guard let root = try JSONSerialization.jsonObject(with: data) as? [String: Any],
              let list = root["incidents"] as? [[String: Any]] else {
            throw StoreError(.cannotOpen, "\(path) 不是事件文件：缺少 incidents 数组。")
        }
        return list.compactMap { o in
            guard let sub = o["subcategory"] as? String, let d = o["district"] as? String, let s = o["street"] as? String,
                  let a = (o["start"] as? String).flatMap(Day.init(parsing:)),
                  let b = (o["end_inclusive"] as? String).flatMap(Day.init(parsing:)) else { return nil }
            return Incident(name: o["name"] as? String ?? "", subcategory: sub, district: d, street: s,
                            community: o["community"] as? String, start: a, end: b, extra: o["extra_tickets"] as? Int ?? 0)
        }
    }

    /// Scores the warnings of a period against the incidents that start inside it.
    public static func score(warnings: [Warning], incidents: [Incident], from: Day, to: Day) -> Result {
        var r = Result()
        let inPeriod = incidents.filter { $0.start >= from && $0.start <= to }
        r.incidents = inPeriod.count
        r.warnings = warnings.count
        for w in warnings {
            if incidents.contains(where: { matches(w, $0) }) { r.matchedWarnings += 1 } else { r.falseWarnings.append(w) }
        }
        for i in inPeriod {
            if i.small { r.smallIncidents += 1 }
            guard let first = warnings.filter({ matches($0, i) }).map(\.firstDay).min() else { r.missed.append(i); continue }
            let lead = first.ordinal - i.start.ordinal
            r.found += 1
            r.leadDays.append(lead)
            if lead <= 2 { r.within2Days += 1 }
            if i.small {
                r.smallFound += 1
                if lead <= 2 { r.smallWithin2Days += 1 }
            }
        }
        return r
    }

    public static func json(_ r: Result) -> JSONValue {
        .object([
            ("incidents", .int(Int64(r.incidents))), ("found", .int(Int64(r.found))),
            ("within_2_days", .int(Int64(r.within2Days))),
            ("small_incidents", .int(Int64(r.smallIncidents))), ("small_found", .int(Int64(r.smallFound))),
            ("small_within_2_days", .int(Int64(r.smallWithin2Days))),
            ("warnings", .int(Int64(r.warnings))), ("matched_warnings", .int(Int64(r.matchedWarnings))),
            ("recall", .double(r.recall)), ("precision", .double(r.precision)),
            ("lead_days", .array(r.leadDays.map { .int(Int64($0)) })),
            ("missed", .array(r.missed.map { i in
                .object([("name", .string(i.name)), ("subcategory", .string(i.subcategory)), ("street", .string(i.street)),
                         ("community", i.community.map { .string($0) } ?? .null), ("start", .string(i.start.iso)),
                         ("end", .string(i.end.iso)), ("extra", .int(Int64(i.extra)))])
            })),
            ("false_warnings", .array(r.falseWarnings.map(WatchRender.json))),
        ])
    }
}
