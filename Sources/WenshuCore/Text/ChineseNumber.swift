/// Chinese numerals to integers: 三 → 3, 十二 → 12, 二十五 → 25, 一百零八 → 108,
/// 二〇二五 → 2025 (digit by digit when there is no unit), 两 → 2.
/// Numbers come from users, so parsing is bounded: anything above `limit` is not a
/// number wenshu can use (nil), never an overflow.
public enum ChineseNumber {
    static let digits: [Character: Int] = [
        "零": 0, "〇": 0, "○": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5,
        "六": 6, "七": 7, "八": 8, "九": 9,
    ]
    static let units: [Character: Int] = ["十": 10, "百": 100, "千": 1000, "万": 10000]

    /// The largest number a question may carry (a count, a top-N, a year, a threshold).
    public static let limit = 1_000_000_000_000

    public static func isNumeral(_ c: Character) -> Bool { digits[c] != nil || units[c] != nil }

    public static func parse(_ s: String) -> Int? {
        if s.isEmpty || s.count > 24 { return nil }
        if s.allSatisfy({ $0.isASCII && $0.isNumber }) {
            guard let n = Int(s), n <= limit else { return nil }
            return n
        }
        guard s.allSatisfy(isNumeral) else { return nil }
        if !s.contains(where: { units[$0] != nil }) {
            // 二〇二五: positional digits.
            var n = 0
            for c in s {
                guard let d = digits[c] else { return nil }
                n = n * 10 + d
                if n > limit { return nil }
            }
            return n
        }
        var total = 0, section = 0, current = 0
        for c in s {
            if let d = digits[c] {
                current = d
            } else if let u = units[c] {
                if u == 10000 {
                    section = (section + current) * u
                    total += section
                    section = 0
                } else {
                    section += (current == 0 ? 1 : current) * u
                }
                current = 0
            }
            // Every step stays far below Int.max while the parts are ≤ limit.
            if total > limit || section > limit { return nil }
        }
        let n = total + section + current
        return n <= limit ? n : nil
    }
}
