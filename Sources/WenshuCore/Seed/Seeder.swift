import Foundation

/// Writes a realistic, deterministic demo ticket store (same arguments → same rows).
/// Streams day by day: memory does not grow with the count.
public struct Seeder {
    public struct Options: Sendable {
        public var count: Int
        public var seed: UInt64
        public var now: Now
        public var start: Day

        public init(count: Int, seed: UInt64, now: Now, start: Day? = nil) {
            self.count = count
            self.seed = seed
            self.now = now
            self.start = start ?? Day(now.day.year - 2, now.day.month, 1)
        }
    }

    /// A burst of one problem in one street (an outage, a cluster of complaints).
    public struct Incident: Sendable {
        public let district: String
        public let street: String
        public let subcategory: String
        public let first: Day
        public let days: Int
        public let perDay: Int
    }

    let city: CityFile
    let options: Options
    public private(set) var incidents: [Incident] = []

    // Precomputed tables.
    private let districtCum: [Double]
    private let streetCum: [[Double]]
    private let communityCum: [[[Double]]]
    private let channelCum = cumulative(Profiles.channelWeights)
    /// Profile weights by [district type][month][evening], and kind weights by profile.
    private let profileCum: [String: [[[Double]]]]
    private let kindCum: [[Double]]
    /// Per ticket these would cost more than the rest together: each community's name without
    /// 社区 (for estate names), the content templates split at their {slots}, `now` as a day number.
    private let communityBase: [[[String]]]
    private let templates: [String: [[TemplatePiece]]]
    private let fallbackTemplate: [[TemplatePiece]]
    private let nowOrd: Double

    public init(city: CityFile, options: Options) {
        self.city = city
        self.options = options
        districtCum = cumulative(city.districts.map(\.weight))
        // Uneven streets and communities: a stable per-name factor between 0.4 and 2.2.
        func busy(_ name: String) -> Double { 0.4 + Double(stableHash(name) % 1000) / 1000 * 1.8 }
        streetCum = city.districts.map { cumulative($0.streets.map { busy($0.name) }) }
        communityCum = city.districts.map { d in d.streets.map { cumulative($0.communities.map { busy($0) }) } }
        var tables: [String: [[[Double]]]] = [:]
        for type in Set(city.districts.map(\.type)) {
            let aff = Profiles.affinity[type] ?? [:]
            tables[type] = (0..<12).map { m in
                [false, true].map { evening in
                    cumulative(Profiles.all.map { p in p.weight * p.season[m] * (aff[p.sub] ?? 1) * (evening ? p.evening : 1) })
                }
            }
        }
        profileCum = tables
        kindCum = Profiles.all.map { p in cumulative(Profiles.kinds.enumerated().map { i, k in Profiles.kindBase[i] * (p.kindTilt[k] ?? 1) }) }
        communityBase = city.districts.map { d in d.streets.map { s in s.communities.map { $0.removingAll("社区") } } }
        templates = Templates.bySub.mapValues { $0.map(TemplatePiece.split) }
        fallbackTemplate = [TemplatePiece.split("{loc}有问题需要处理。")]
        nowOrd = Double(options.now.day.ordinal) + Double(options.now.secondsOfDay) / 86400
        var rng = SeedRandom(options.seed ^ 0xABCDEF)
        incidents = Seeder.planIncidents(city: city, options: options, rng: &rng)
    }

    static func planIncidents(city: CityFile, options: Options, rng: inout SeedRandom) -> [Incident] {
        let span = options.now.day.ordinal - options.start.ordinal
        guard span > 60, !city.districts.isEmpty else { return [] }
        let scale = max(1, options.count / 100_000)
        var out: [Incident] = []
        let plans: [(String, Int, Int, Int)] = [  // subcategory, days, per day, days before now (−1 = random)
            ("供水", 4, 25, -1), ("供电", 2, 30, -1), ("供暖", 6, 12, -1), ("电梯安全", 10, 4, -1),
            ("欠薪讨薪", 14, 5, -1), ("噪声扰民", 18, 6, 20),
        ]
        for (sub, days, perDay, before) in plans {
            let d = city.districts[rng.weighted(cumulative(city.districts.map(\.weight)))]
            guard !d.streets.isEmpty else { continue }
            let s = rng.pick(d.streets)
            let first = before >= 0 ? options.now.day.adding(days: -before)
                : options.start.adding(days: 30 + rng.int(max(1, span - 60)))
            out.append(Incident(district: d.name, street: s.name, subcategory: sub, first: first, days: days, perDay: perDay * scale))
        }
        return out
    }

    /// Writes the store to `path` (which must not exist). `progress` gets (done, total),
    /// `phase` a line when indexing starts and ends.
    public func write(to path: String, progress: (Int, Int) -> Void = { _, _ in }, phase: (String) -> Void = { _ in }) throws {
        let db = try Database.openForWriting(path)
        try db.execute("PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF; PRAGMA locking_mode = EXCLUSIVE;")
        try db.execute(TicketSchema.createSQL)
        // Indexes before the rows, not after: tickets are written in created_at order, so each
        // index only ever grows at the end of each key's range (a few hundred hot pages), where
        // building them afterwards means four more reads and sorts of the whole table (at
        // 10,000,000 rows that was 213 of 335 seconds).
        try db.execute("PRAGMA cache_size = -1048576;")
        for sql in TicketSchema.indexSQL { try db.execute(sql) }
        let writer = try RowWriter(db: db, sql: "INSERT INTO tickets VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
        try db.execute("BEGIN")
        var rng = SeedRandom(options.seed)
        // No ticket at or after now: today counts only when now is past midnight.
        let days = options.now.day.ordinal - options.start.ordinal + (options.now.secondsOfDay > 0 ? 1 : 0)
        guard days > 0 else { throw StoreError(.write, "--now 必须晚于起始日期 \(options.start.iso)。") }
        // Daily volume: weekdays busier, slow growth over time.
        var dayWeights: [Double] = []
        for i in 0..<days {
            let d = Day(ordinal: options.start.ordinal + i)
            let wd = d.weekday >= 6 ? 0.7 : 1.0
            let growth = 1.0 + 0.25 * Double(i) / Double(max(1, days))
            let partial = d == options.now.day ? Double(options.now.secondsOfDay) / 86400 : 1
            dayWeights.append(wd * growth * partial)
        }
        let totalW = dayWeights.reduce(0, +)
        let incidentExtra = incidents.reduce(0) { $0 + $1.days * $1.perDay }
        let base = max(0, options.count - incidentExtra)
        var carry = 0.0
        var written = 0
        var seq = 0
        let callers = CallerPool(count: options.count, seed: options.seed)
        for i in 0..<days {
            let day = Day(ordinal: options.start.ordinal + i)
            let idPrefix = city.id_prefix + day.compact
            let exact = Double(base) * dayWeights[i] / totalW + carry
            var n = Int(exact)
            carry = exact - Double(n)
            if i == days - 1 { n = max(0, base - (written - incidentsWritten(before: day))) }
            var plan: [(Double, Incident?)] = (0..<n).map { _ in (0, nil) }
            for inc in incidents where day >= inc.first && day.ordinal < inc.first.ordinal + inc.days {
                plan += [(Double, Incident?)](repeating: (0, inc), count: inc.perDay)
            }
            // Times of day, sorted so ids grow with created_at.
            let limitSeconds = day == options.now.day ? max(1, options.now.secondsOfDay) : 86400
            var times = plan.map { _ in rng.int(limitSeconds) }
            times.sort()
            for (k, p) in plan.enumerated() {
                seq += 1
                try writer.insert(ticket(day: day, idPrefix: idPrefix, second: times[k], seq: seq, incident: p.1, rng: &rng, callers: callers))
                written += 1
                if written % 20000 == 0 { progress(written, options.count) }
            }
        }
        let t0 = Date()
        try db.execute("COMMIT")
        progress(written, written)
        let t1 = Date()
        // Statistics from a sample of each index are enough for the planner (and a full
        // ANALYZE reads every index of a 10,000,000-row store again).
        try db.execute("PRAGMA analysis_limit = 2000; ANALYZE")
        phase(String(format: "提交 %.1f 秒，统计 %.1f 秒", t1.timeIntervalSince(t0), Date().timeIntervalSince(t1)))
    }

    private func incidentsWritten(before day: Day) -> Int {
        incidents.reduce(0) { acc, inc in
            let d = max(0, min(inc.days, day.ordinal - inc.first.ordinal))
            return acc + d * inc.perDay
        }
    }

    private func ticket(day: Day, idPrefix: String, second: Int, seq: Int, incident: Incident?, rng: inout SeedRandom, callers: CallerPool) -> [DBValue] {
        let month = day.month - 1
        let evening = second < 6 * 3600 || second >= 18 * 3600
        // Place.
        var di = rng.weighted(districtCum)
        if let inc = incident, let i = city.districts.firstIndex(where: { $0.name == inc.district }) { di = i }
        let d = city.districts[di]
        var si = d.streets.isEmpty ? -1 : rng.weighted(streetCum[di])
        if let inc = incident, let i = d.streets.firstIndex(where: { $0.name == inc.street }) { si = i }
        let street = si >= 0 ? d.streets[si] : nil
        let ci = street.flatMap { s in s.communities.isEmpty ? nil : rng.weighted(communityCum[di][si]) }
        let community = ci.map { d.streets[si].communities[$0] }
        // Problem.
        let pi: Int
        if let inc = incident, let p = Profiles.all.firstIndex(where: { $0.sub == inc.subcategory }) {
            pi = p
        } else {
            pi = rng.weighted(profileCum[d.type]![month][evening ? 1 : 0])
        }
        let profile = Profiles.all[pi]
        let kind = Profiles.kinds[rng.weighted(kindCum[pi])]
        let channel = Profiles.channels[rng.weighted(channelCum)]
        let urgent = rng.chance(incident != nil ? 0.4 : profile.urgentP)
        // Deadlines, handling, status.
        let created = day.timestamp(second: second)
        let dueDays = urgent ? 1 + rng.int(2) : profile.dueDays
        let dueDay = Seeder.addWorkingDays(day, dueDays)
        let due = dueDay.timestamp(second: 18 * 3600)
        let createdOrd = Double(day.ordinal) + Double(second) / 86400
        let dueOrd = Double(dueDay.ordinal) + 0.75
        var status = "已办结"
        var closedAt: String? = nil
        let overdue = rng.chance(0.08)
        let handle = overdue ? (dueOrd - createdOrd) + 0.2 + rng.unit() * 6 : (dueOrd - createdOrd) * (0.15 + rng.unit() * 0.8)
        let closeOrd = createdOrd + handle
        if closeOrd >= nowOrd {
            status = nowOrd - createdOrd < 0.05 ? "待派单" : "办理中"
        } else {
            closedAt = Seeder.timestamp(ordinal: closeOrd)
        }
        let department = status == "待派单" ? nil : departmentName(profile.dept, d, street, kind: kind, rng: &rng)
        // Follow-up rating: about two thirds of closed tickets, quality depends on the department.
        var satisfaction: String? = nil
        var resolved: DBValue = .null
        if closedAt != nil, rng.chance(0.65), let dep = department {
            let quality = 0.72 + Double(stableHash(dep) % 1000) / 1000 * 0.22 - (overdue ? 0.15 : 0)
            let r = rng.unit()
            satisfaction = r < quality * 0.7 ? "满意" : (r < quality ? "基本满意" : "不满意")
            resolved = .integer(satisfaction == "不满意" ? (rng.chance(0.8) ? 0 : 1) : (rng.chance(0.92) ? 1 : 0))
        }
        // Missing fields, as in real intake.
        let noPlace = incident == nil && rng.chance(0.04)
        let noSub = incident == nil && rng.chance(0.03)
        let road = d.roads.isEmpty ? "主干道" : rng.pick(d.roads)
        let loc = ci.map { rng.chance(0.5) ? d.streets[si].communities[$0] : communityBase[di][si][$0] + rng.pick(Templates.estates) } ?? rng.pick(Templates.estates)
        let content = self.content(profile.sub, loc: loc, road: road, rng: &rng)
        let address = noPlace ? nil : "\(d.name)\(street?.name ?? "")\(road)\(1 + rng.int(399))号"
        let id = idPrefix + String(seq % 1_000_000 + 1_000_000).dropFirst()
        return [
            .text(id), .text(created), .text(channel), .text(kind), .text(profile.category),
            noSub ? .null : .text(profile.sub),
            noPlace ? .null : .text(d.name), noPlace || street == nil ? .null : .text(street!.name),
            noPlace || community == nil ? .null : .text(community!), address.map { .text($0) } ?? .null,
            .text(content), department.map { .text($0) } ?? .null, .text(status), .integer(urgent ? 1 : 0),
            .text(due), closedAt.map { .text($0) } ?? .null, satisfaction.map { .text($0) } ?? .null, resolved,
            .text(callers.caller(seq: seq, rng: &rng)),
        ]
    }

    private func content(_ sub: String, loc: String, road: String, rng: inout SeedRandom) -> String {
        let template = rng.pick(templates[sub] ?? fallbackTemplate)
        let t = rng.pick(Templates.times), shop = rng.pick(Templates.shops)
        var s = ""
        for piece in template {
            switch piece {
            case .text(let x): s += x
            case .loc: s += loc
            case .road: s += road
            case .time: s += t
            case .shop: s += shop
            }
        }
        s += rng.pick(Templates.tails)
        if rng.chance(0.05) { s += "联系电话1\(3 + rng.int(6))\(String(100_000_000 + rng.int(899_999_999)).prefix(9))" }
        if rng.chance(0.03) { s = s.replacingAll("的", with: "得") }
        return s
    }

    private func departmentName(_ rule: String, _ d: CityFile.District, _ s: CityFile.Street?, kind: String, rng: inout SeedRandom) -> String {
        if kind == "咨询", rng.chance(0.3) { return city.department("hotline").first ?? "\(city.city)12345热线" }
        let dn = d.name
        let office = s.map { $0.name + ($0.name.hasSuffix("街道") ? "办事处" : "人民政府") } ?? "\(dn)政府"
        let r = rng.unit()
        switch rule {
        case "water": return d.type == "core" ? city.department("water")[0] : "\(dn)水务公司"
        case "power": return city.department("power")[0]
        case "gas": return d.type == "core" || r < 0.5 ? city.department("gas")[0] : "\(dn)天然气公司"
        case "heating": return r < 0.7 ? "\(dn)住建局" : office
        case "telecom": return rng.pick(city.department("telecom"))
        case "urban": return r < 0.6 ? "\(dn)城管局" : office
        case "noise": return r < 0.45 ? "\(dn)城管局" : (r < 0.75 ? "\(dn)公安分局" : office)
        case "garden": return r < 0.7 ? "\(dn)城管局" : city.department("garden")[0]
        case "property", "housing": return r < 0.6 ? "\(dn)住建局" : office
        case "elevator", "market": return "\(dn)市场监管局"
        case "housing_market": return city.department("housing_market")[0]
        case "road": return r < 0.6 ? "\(dn)城管局" : city.department("transport")[0]
        case "bus": return city.department("bus")[0]
        case "transport": return city.department("transport")[0]
        case "parking": return r < 0.5 ? city.department("traffic_police")[0] : "\(dn)城管局"
        case "ecology": return "\(city.department("ecology")[0])\(dn)分局"
        case "labor": return "\(dn)人力社保局"
        case "social_security": return r < 0.4 ? city.department("social_security")[0] : "\(dn)人力社保局"
        case "education": return "\(dn)教育局"
        case "health": return "\(dn)卫生健康局"
        case "medical_insurance": return city.department("medical_insurance")[0]
        case "cdc": return city.department("cdc")[0]
        case "fire": return "\(dn)消防救援大队"
        case "police": return "\(dn)公安分局"
        default: return office
        }
    }

    static func addWorkingDays(_ d: Day, _ n: Int) -> Day {
        var day = d
        var left = n
        while left > 0 {
            day = day.adding(days: 1)
            if day.weekday < 6 { left -= 1 }
        }
        return day
    }

    static func timestamp(ordinal x: Double) -> String {
        let day = Int(x.rounded(.down))
        let sec = min(86399, Int((x - Double(day)) * 86400))
        return Day(ordinal: day).timestamp(second: sec)
    }
}

/// Callers: most call once; about 10% of tickets come from a pool of repeat callers, a
/// few of whom call 5–20 times.
struct CallerPool {
    let poolSize: Int
    let seed: UInt64

    /// FNV-1a state after "<seed>-": the caller's number is hashed on from there.
    let prefixHash: UInt64

    init(count: Int, seed: UInt64) {
        poolSize = max(10, count / 40)
        self.seed = seed
        var h: UInt64 = 0xCBF2_9CE4_8422_2325
        for b in "\(seed)-".utf8 { h = (h ^ UInt64(b)) &* 0x100_0000_01B3 }
        prefixHash = h
    }

    func caller(seq: Int, rng: inout SeedRandom) -> String {
        let n: UInt64
        if rng.chance(0.10) {
            // Skewed toward the low end of the pool: a few very frequent callers.
            let u = rng.unit()
            n = 1_000_000_000 + UInt64(Double(poolSize) * u * u * u)
        } else {
            n = UInt64(seq)
        }
        // = stableHash("\(seed)-\(n)"), without building the string.
        var digits: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8,
                     UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) = (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        var count = 0, x = n
        withUnsafeMutableBytes(of: &digits) { buf in
            repeat { buf[count] = UInt8(48 + x % 10); x /= 10; count += 1 } while x > 0
        }
        var h = prefixHash
        withUnsafeBytes(of: &digits) { buf in
            for i in stride(from: count - 1, through: 0, by: -1) { h = (h ^ UInt64(buf[i])) &* 0x100_0000_01B3 }
        }
        return String(h & 0xFFFF_FFFF_FFFF, radix: 16)
    }
}

/// A content template split once at its slots ({loc}, {road}, {t}, {shop}; an unknown slot
/// writes nothing, as the one-pass reading it replaces did).
enum TemplatePiece {
    case text(String), loc, road, time, shop

    static func split(_ template: String) -> [TemplatePiece] {
        var out: [TemplatePiece] = []
        var lit = "", name = ""
        var inName = false
        for ch in template {
            if ch == "{" { inName = true; name = ""; continue }
            if ch == "}" {
                inName = false
                if !lit.isEmpty { out.append(.text(lit)); lit = "" }
                switch name {
                case "loc": out.append(.loc)
                case "road": out.append(.road)
                case "t": out.append(.time)
                case "shop": out.append(.shop)
                default: break
                }
                continue
            }
            if inName { name.append(ch) } else { lit.append(ch) }
        }
        if !lit.isEmpty { out.append(.text(lit)) }
        return out
    }
}

extension String {
    /// Every occurrence of `needle` replaced, byte for byte (Foundation's version is slow
    /// at millions of calls).
    func replacingAll(_ needle: String, with replacement: String) -> String {
        let h = Array(utf8), n = Array(needle.utf8), r = Array(replacement.utf8)
        guard !n.isEmpty, h.count >= n.count else { return self }
        var out: [UInt8] = []
        out.reserveCapacity(h.count)
        var i = 0
        while i < h.count {
            if i + n.count <= h.count, h[i..<(i + n.count)].elementsEqual(n) {
                out += r
                i += n.count
            } else {
                out.append(h[i])
                i += 1
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    func removingAll(_ needle: String) -> String { replacingAll(needle, with: "") }
}

extension Day {
    /// 'YYYY-MM-DD HH:MM:SS' for a second of this day, written digit by digit.
    func timestamp(second s: Int) -> String {
        guard (1000...9999).contains(year), (0..<86400).contains(s) else {
            return iso + " " + pad2(s / 3600) + ":" + pad2((s / 60) % 60) + ":" + pad2(s % 60)
        }
        let (y, m, d) = (year, month, day)
        return String(unsafeUninitializedCapacity: 19) { b in
            func put2(_ i: Int, _ v: Int) { b[i] = UInt8(48 + v / 10); b[i + 1] = UInt8(48 + v % 10) }
            put2(0, y / 100); put2(2, y % 100); b[4] = 45; put2(5, m); b[7] = 45; put2(8, d); b[10] = 32
            put2(11, s / 3600); b[13] = 58; put2(14, (s / 60) % 60); b[16] = 58; put2(17, s % 60)
            return 19
        }
    }
    var compact: String { format4(year) + pad2(month) + pad2(day) }
}

extension Now {
    var secondsOfDay: Int {
        let parts = timestamp.dropFirst(11).split(separator: ":").compactMap { Int($0) }
        return parts.count == 3 ? parts[0] * 3600 + parts[1] * 60 + parts[2] : 0
    }
}
