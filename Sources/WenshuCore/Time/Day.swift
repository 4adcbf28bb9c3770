/// A calendar day, proleptic Gregorian, no time zone (the contract's local time).
public struct Day: Hashable, Comparable, Sendable {
    public let year: Int, month: Int, day: Int

    public init(_ year: Int, _ month: Int, _ day: Int) {
        self.year = year; self.month = month; self.day = day
    }

    /// 1 January: where a year row of the analytics cache starts.
    public var isNewYear: Bool { month == 1 && day == 1 }

    /// Days since 1970-01-01 (Howard Hinnant's civil-from-days algorithm).
    public var ordinal: Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146097 + doe - 719468
    }

    public init(ordinal z0: Int) {
        let z = z0 + 719468
        let era = (z >= 0 ? z : z - 146096) / 146097
        let doe = z - era * 146097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        self.init(yoe + era * 400 + (m <= 2 ? 1 : 0), m, d)
    }

    public static func < (a: Day, b: Day) -> Bool { a.ordinal < b.ordinal }

    public func adding(days n: Int) -> Day { Day(ordinal: ordinal + n) }

    /// Adds months, clamping the day to the target month's length (Mar 31 − 1 month = Feb 28/29).
    public func adding(months n: Int) -> Day {
        let total = year * 12 + (month - 1) + n
        let y = total >= 0 ? total / 12 : (total - 11) / 12
        let m = total - y * 12 + 1
        return Day(y, m, min(day, Day.length(of: m, in: y)))
    }

    /// ISO weekday, Monday = 1 … Sunday = 7.
    public var weekday: Int { ((ordinal % 7) + 7 + 3) % 7 + 1 }

    public var monday: Day { adding(days: 1 - weekday) }
    public var firstOfMonth: Day { Day(year, month, 1) }

    public static func length(of month: Int, in year: Int) -> Int {
        switch month {
        case 2: return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    public static func isValid(_ y: Int, _ m: Int, _ d: Int) -> Bool {
        (1...12).contains(m) && d >= 1 && d <= length(of: m, in: y) && (1900...2200).contains(y)
    }

    /// 'YYYY-MM-DD'
    public var iso: String {
        digits(withTime: false) ?? String(format4(year)) + "-" + pad2(month) + "-" + pad2(day)
    }

    /// 'YYYY-MM-DD 00:00:00', the contract's timestamp form.
    public var timestamp: String { digits(withTime: true) ?? iso + " 00:00:00" }

    /// The same text written digit by digit (every statement binds two of these: building
    /// them from pieces was a tenth of compiling one); nil outside years 0…9999 and months
    /// and days 0…99.
    private func digits(withTime: Bool) -> String? {
        guard (0...9999).contains(year), (0...99).contains(month), (0...99).contains(day) else { return nil }
        let n = withTime ? 19 : 10
        return String(unsafeUninitializedCapacity: n) { b in
            func put(_ i: Int, _ v: Int) { b[i] = UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: v) }
            put(0, year / 1000); put(1, year / 100 % 10); put(2, year / 10 % 10); put(3, year % 10)
            b[4] = UInt8(ascii: "-"); put(5, month / 10); put(6, month % 10)
            b[7] = UInt8(ascii: "-"); put(8, day / 10); put(9, day % 10)
            if withTime {
                b[10] = UInt8(ascii: " ")
                for i in 11..<19 { b[i] = i == 13 || i == 16 ? UInt8(ascii: ":") : UInt8(ascii: "0") }
            }
            return n
        }
    }

    /// Parses 'YYYY-MM-DD' or 'YYYY-MM-DD HH:MM:SS' (time ignored).
    public init?(parsing s: String) {
        let parts = s.prefix(10).split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, parts.allSatisfy({ p in !p.isEmpty && p.allSatisfy { $0.isASCII && $0.isNumber } }),
              let y = Int(parts[0]), let m = Int(parts[1]), let d = Int(parts[2]),
              (1...9999).contains(y), Day.isValid(y, m, d) else { return nil }
        self.init(y, m, d)
    }
}

func pad2(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }
func format4(_ n: Int) -> String { n < 1000 ? String(repeating: "0", count: 4 - String(n).count) + "\(n)" : "\(n)" }

/// The reference time `now`: a day and a wall-clock time, local.
public struct Now: Sendable, Hashable {
    public let day: Day
    public let timestamp: String

    public init?(_ s: String) {
        let t = s.trimmingCharacters(in: .whitespaces)
        guard let d = Day(parsing: t) else { return nil }
        day = d
        if t.count == 10 {
            timestamp = d.iso + " 00:00:00"
        } else {
            let time = t.dropFirst(11)
            // Digits only: "-1:-1" or "+5:00" is not a time.
            let parts = time.split(separator: ":", omittingEmptySubsequences: false)
            guard parts.allSatisfy({ p in (1...2).contains(p.count) && p.allSatisfy { $0.isASCII && $0.isNumber } }) else { return nil }
            let hms = parts.compactMap { Int($0) }
            guard t.count >= 16, hms.count >= 2, hms.count <= 3, hms.allSatisfy({ $0 >= 0 }), hms[0] < 24, hms[1] < 60, (hms.count < 3 || hms[2] < 60) else { return nil }
            timestamp = d.iso + " " + pad2(hms[0]) + ":" + pad2(hms[1]) + ":" + pad2(hms.count == 3 ? hms[2] : 0)
        }
    }

    /// The wall clock, local time.
    public static func wallClock() -> Now {
        var t = time(nil)
        var tmv = tm()
        localtime_r(&t, &tmv)
        let s = "\(format4(Int(tmv.tm_year) + 1900))-\(pad2(Int(tmv.tm_mon) + 1))-\(pad2(Int(tmv.tm_mday))) \(pad2(Int(tmv.tm_hour))):\(pad2(Int(tmv.tm_min))):\(pad2(Int(tmv.tm_sec)))"
        return Now(s)!
    }
}

import Foundation
