import Crypto
import Foundation

/// Phone and ID numbers in free text, masked before they are stored (contract §9.2):
/// mobiles 138****5678, landlines 0571-8*****67, 18-digit IDs as the first 6 and last 4
/// digits with `*` between.
enum PrivacyMask {
    struct Counts { var phones = 0, ids = 0 }

    static func mask(_ s: String, counts: inout Counts) -> String {
        // Quick exit: fewer than 7 ASCII digits cannot hold a number worth masking.
        var digits = 0
        for b in s.utf8 where b >= 0x30 && b <= 0x39 { digits += 1; if digits >= 7 { break } }
        if digits < 7 { return s }
        let chars = Array(s)
        var out = ""
        out.reserveCapacity(s.utf8.count)
        var i = 0
        while i < chars.count {
            guard chars[i].isASCII, chars[i].isNumber else { out.append(chars[i]); i += 1; continue }
            // A run of digits, with at most one '-' or space inside (0571-87654321, 138 1234 5678).
            var j = i
            var run: [Character] = []
            var seps = 0
            while j < chars.count {
                let c = chars[j]
                if c.isASCII && c.isNumber { run.append(c); j += 1; continue }
                if (c == "X" || c == "x") && run.count == 17 { run.append("X"); j += 1; break }
                if (c == "-" || c == " ") && seps == 0 && j + 1 < chars.count && chars[j + 1].isASCII && chars[j + 1].isNumber && !run.isEmpty {
                    seps += 1; j += 1; continue
                }
                break
            }
            let text = String(chars[i..<j])
            if let masked = maskNumber(run, sepText: text, counts: &counts) {
                out += masked
            } else {
                out += text
            }
            i = j
        }
        return out
    }

    private static func maskNumber(_ d: [Character], sepText: String, counts: inout Counts) -> String? {
        let s = String(d)
        if d.count == 18 {
            counts.ids += 1
            return String(d.prefix(6)) + String(repeating: "*", count: 8) + String(d.suffix(4))
        }
        if d.count == 11, d[0] == "1", "3456789".contains(d[1]) {
            counts.phones += 1
            return String(d.prefix(3)) + "****" + String(d.suffix(4))
        }
        // Landlines: area code 0AA or 0AAA, then a 7- or 8-digit local number.
        if d.first == "0", d.count >= 10, d.count <= 12 {
            let parts = sepText.split(whereSeparator: { $0 == "-" || $0 == " " })
            let area: Int
            if parts.count == 2, (3...4).contains(parts[0].count) { area = parts[0].count } else if d[1] == "1" || d[1] == "2" { area = 3 } else { area = 4 }
            let local = d.count - area
            guard (7...8).contains(local) else { return nil }
            counts.phones += 1
            return String(d.prefix(area)) + "-" + String(d[area]) + String(repeating: "*", count: local - 3) + String(s.suffix(2))
        }
        return nil
    }
}

/// Callers are stored only as salted hashes: same number (in any spelling) → same value.
struct CallerHasher {
    let salt: String

    func hash(_ raw: String?, ticketID: String) -> String {
        guard let raw, let key = Self.normalize(raw) else {
            // No caller given: a value of its own per ticket, so unknown callers never count as repeat callers.
            return digest("unknown\u{1F}" + ticketID)
        }
        return digest(key)
    }

    private func digest(_ s: String) -> String {
        let d = SHA256.hash(data: Data((salt + "\u{1F}" + s).utf8))
        let hex = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(16)
        for b in d.prefix(8) { out.append(hex[Int(b >> 4)]); out.append(hex[Int(b & 15)]) }
        return String(decoding: out, as: UTF8.self)
    }

    /// Phone-like values reduce to their digits without +86/0086; anything else is trimmed text.
    static func normalize(_ raw: String) -> String? {
        let t = TextCleaner.foldWidth(raw)
        if t.isEmpty { return nil }
        let digits = t.filter { $0.isASCII && $0.isNumber }
        let nonPhone = t.contains { !($0.isASCII && ($0.isNumber || $0 == "-" || $0 == " " || $0 == "+" || $0 == "(" || $0 == ")")) }
        if !nonPhone, digits.count >= 7 {
            var d = Substring(digits)
            if d.hasPrefix("0086") { d = d.dropFirst(4) } else if d.hasPrefix("86"), d.count == 13 { d = d.dropFirst(2) }
            return "tel:" + d
        }
        return "name:" + t
    }

    /// The per-user salt (`$XDG_DATA_HOME/wenshu/import-salt`), made once from random bytes, so
    /// that later appends hash the same caller the same way without the salt living in any store.
    static func userSalt(directory: URL) throws -> String {
        let file = directory.appendingPathComponent("import-salt")
        if let d = FileManager.default.contents(atPath: file.path), let s = String(data: d, encoding: .utf8), s.count >= 16 {
            return s.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        var bytes = [UInt8](repeating: 0, count: 24)
        var rng = SystemRandomNumberGenerator()
        for i in bytes.indices { bytes[i] = UInt8.random(in: 0...255, using: &rng) }
        let salt = bytes.map { String(format: "%02x", $0) }.joined()
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            try Data((salt + "\n").utf8).write(to: file, options: .atomic)
            _ = chmod(file.path, 0o600)
        } catch {
            throw ImportError(.store, "无法保存来电人哈希盐 \(file.path)：\(error.localizedDescription)。可用 --salt 指定。")
        }
        return salt
    }
}
