import WenshuCore

/// Dates in the forms real exports use, to the contract's 'YYYY-MM-DD HH:MM:SS' (local time).
/// Every number is read with a bounded width, so no input can overflow.
public enum DateParser {
    /// The form a value was recognised in, counted in the import report.
    public enum Form: String, CaseIterable, Sendable {
        case iso = "ISO 2024-01-08 15:03:00"
        case slash = "斜杠 2024/1/8 15:03"
        case dot = "点号 2024.1.8"
        case chinese = "中文 2024年1月8日下午3时"
        case excel = "Excel 序列号 45299.627"
        case compact = "紧凑 20240108153000"
        case epoch = "Unix 时间戳"
        case monthFirst = "月/日/年 1/8/2024 3:03 PM"
    }

    /// Parses one value; nil when it is not a date this parser knows.
    public static func parse(_ raw: String, utcOffsetHours: Int = 8) -> (String, Form)? {
        let utf8 = Array(raw.utf8)
        if let fast = isoFast(utf8) { return (fast, .iso) }
        let s = TextCleaner.foldWidth(raw)
        if s.isEmpty || s.utf8.count > 64 { return nil }
        if let n = numeric(s, utcOffsetHours: utcOffsetHours) { return n }
        return fields(s)
    }

    /// The exact contract form: returned as is, without building anything.
    private static func isoFast(_ b: [UInt8]) -> String? {
        guard b.count == 19, b[4] == 0x2D, b[7] == 0x2D, b[10] == 0x20, b[13] == 0x3A, b[16] == 0x3A else { return nil }
        func d(_ i: Int) -> Int? { b[i] >= 0x30 && b[i] <= 0x39 ? Int(b[i] - 0x30) : nil }
        func n(_ i: Int, _ len: Int) -> Int? {
            var v = 0
            for k in i..<(i + len) { guard let x = d(k) else { return nil }; v = v * 10 + x }
            return v
        }
        guard let y = n(0, 4), let m = n(5, 2), let dd = n(8, 2), let h = n(11, 2), let mi = n(14, 2), let se = n(17, 2),
              Day.isValid(y, m, dd), h < 24, mi < 60, se < 60 else { return nil }
        return String(decoding: b, as: UTF8.self)
    }

    /// A value that is only a number: an Excel serial day, YYYYMMDD[HHMM[SS]], or a Unix time.
    private static func numeric(_ s: String, utcOffsetHours: Int) -> (String, Form)? {
        var intDigits = 0, fracDigits = 0, dots = 0
        for b in s.utf8 {
            if b == 0x2E { dots += 1 } else if b >= 0x30 && b <= 0x39 { if dots == 0 { intDigits += 1 } else { fracDigits += 1 } } else { return nil }
        }
        guard dots <= 1, intDigits > 0 else { return nil }
        let intPart = String(s.prefix(intDigits))
        if dots == 0 {
            switch intDigits {
            case 8, 12, 14:
                let b = Array(intPart.utf8).map { Int($0 - 0x30) }
                func n(_ i: Int, _ len: Int) -> Int { b[i..<(i + len)].reduce(0) { $0 * 10 + $1 } }
                let y = n(0, 4), m = n(4, 2), d = n(6, 2)
                let h = intDigits >= 12 ? n(8, 2) : 0, mi = intDigits >= 12 ? n(10, 2) : 0, se = intDigits == 14 ? n(12, 2) : 0
                return stamp(y, m, d, h, mi, se).map { ($0, .compact) }
            case 10, 13:
                guard let v = Int64(intPart) else { return nil }
                let seconds = (intDigits == 13 ? v / 1000 : v) + Int64(utcOffsetHours) * 3600
                let day = Int(seconds >= 0 ? seconds / 86400 : (seconds - 86399) / 86400)
                let sec = Int(seconds - Int64(day) * 86400)
                let d = Day(ordinal: day)
                return stamp(d.year, d.month, d.day, sec / 3600, (sec / 60) % 60, sec % 60).map { ($0, .epoch) }
            default: break
            }
        }
        // Excel's serial day (1900 date system, day 0 = 1899-12-30 because of its 1900 leap-year bug).
        guard intDigits <= 6, let whole = Int(intPart), whole >= 1, whole < 2_958_466 else { return nil }
        var seconds = 0
        if fracDigits > 0, let frac = Double("0." + s.dropFirst(intDigits + 1).prefix(9)) {
            seconds = min(86_399, Int((frac * 86_400).rounded()))
        }
        let d = Day(ordinal: Day(1899, 12, 30).ordinal + whole)
        return stamp(d.year, d.month, d.day, seconds / 3600, (seconds / 60) % 60, seconds % 60).map { ($0, .excel) }
    }

    /// A value with separators: the digit groups in order, plus the words that move the hour.
    private static func fields(_ s: String) -> (String, Form)? {
        var groups: [Int] = []
        var widths: [Int] = []
        var current = 0, width = 0
        var sawYearMark = false, sawSlash = false, sawDot = false, sawDash = false
        var pm = false, am = false, noon = false
        var afterSecondsDot = false
        let scalars = Array(s.unicodeScalars)
        var i = 0
        func flush() {
            if width > 0 {
                if !afterSecondsDot { groups.append(current); widths.append(width) }
                current = 0; width = 0
            }
        }
        while i < scalars.count {
            let u = scalars[i]
            if u.value >= 0x30 && u.value <= 0x39 {
                guard width < 4 else { return nil }  // no group wider than a year
                current = current * 10 + Int(u.value - 0x30)
                width += 1
                i += 1
                continue
            }
            flush()
            let next = i + 1 < scalars.count ? scalars[i + 1] : " "
            switch u {
            case "年": sawYearMark = true
            case "/": sawSlash = true
            case "-": sawDash = true
            case ".":
                // After hours, minutes and seconds a dot starts fractional seconds: ignored.
                if groups.count >= 6 { afterSecondsDot = true } else { sawDot = true }
            case "上" where next == "午", "早" where next == "上", "凌" where next == "晨": am = true; i += 1
            case "下" where next == "午", "晚" where next == "上", "傍" where next == "晚": pm = true; i += 1
            case "中" where next == "午": noon = true; i += 1
            case "A" where next == "M" || next == "m", "a" where next == "M" || next == "m": am = true; i += 1
            case "P" where next == "M" || next == "m", "p" where next == "M" || next == "m": pm = true; i += 1
            case "月", "日", "号", "时", "点", "分", "秒", ":", " ", "T", "Z", ",", "：": break
            default: return nil
            }
            i += 1
        }
        flush()
        guard groups.count >= 3, groups.count <= 6 else { return nil }
        var y = groups[0], m = groups[1], d = groups[2]
        var form: Form = sawYearMark ? .chinese : sawSlash ? .slash : sawDot ? .dot : sawDash ? .iso : .iso
        if widths[0] != 4 {
            // M/D/YYYY, the only other order seen in exports (Excel with a US locale).
            guard widths[2] == 4, sawSlash else { return nil }
            (y, m, d) = (groups[2], groups[0], groups[1])
            form = .monthFirst
        }
        var h = groups.count > 3 ? groups[3] : 0
        let mi = groups.count > 4 ? groups[4] : 0
        let se = groups.count > 5 ? min(groups[5], 59) : 0
        if pm && h < 12 { h += 12 }
        if am && h == 12 { h = 0 }
        if noon && h < 6 { h += 12 }
        return stamp(y, m, d, h, mi, se).map { ($0, form) }
    }

    static func stamp(_ y: Int, _ m: Int, _ d: Int, _ h: Int, _ mi: Int, _ se: Int) -> String? {
        guard Day.isValid(y, m, d), (0..<24).contains(h), (0..<60).contains(mi), (0..<60).contains(se) else { return nil }
        return Day(y, m, d).iso + " " + two(h) + ":" + two(mi) + ":" + two(se)
    }

    private static func two(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }
}
