import Foundation

/// Signed requests seen within their validity window. A (timestamp, signature) pair is
/// accepted once: a captured request cannot be sent again while its timestamp is still fresh,
/// and after the window the timestamp check refuses it anyway. Bounded: entries expire with
/// the window, and past `capacity` the oldest are dropped (they are the nearest to expiry).
final class ReplayCache: @unchecked Sendable {
    private var seen: [String: Double] = [:]
    private var order: [(String, Double)] = []
    private var head = 0
    private let lock = NSLock()
    let window: Double
    let capacity: Int

    init(window: Double, capacity: Int = 100_000) {
        self.window = window
        self.capacity = capacity
    }

    /// True the first time a key is offered within the window; false for a replay.
    func firstUse(_ key: String, now: Double = Date().timeIntervalSince1970) -> Bool {
        lock.lock(); defer { lock.unlock() }
        while head < order.count, order[head].1 < now - window || order.count - head > capacity {
            let (k, t) = order[head]
            if seen[k] == t { seen[k] = nil }
            head += 1
        }
        if head > 4096, head * 2 > order.count { order.removeFirst(head); head = 0 }
        if let t = seen[key], t >= now - window { return false }
        seen[key] = now
        order.append((key, now))
        return true
    }
}

/// Timestamps from headers, parsed with bounds: digits only, at most 13 of them (so no
/// arithmetic on them can overflow), and within `window` seconds of now.
enum SignedTimestamp {
    static func seconds(_ raw: String, milliseconds: Bool) -> Double? {
        let t = raw.trimmingCharacters(in: .whitespaces)
        guard !t.isEmpty, t.utf8.count <= 13, t.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }), let v = Int64(t) else { return nil }
        return milliseconds ? Double(v) / 1000 : Double(v)
    }

    static func fresh(_ raw: String, milliseconds: Bool, window: Double, now: Double = Date().timeIntervalSince1970) -> Bool {
        guard let s = seconds(raw, milliseconds: milliseconds) else { return false }
        return abs(now - s) <= window
    }
}

/// Messages per key in a clock minute (bots: per user and per chat), with old minutes dropped.
final class MinuteCounter: @unchecked Sendable {
    private var minute = 0
    private var counts: [String: Int] = [:]
    private let lock = NSLock()
    let perMinute: Int

    init(perMinute: Int) { self.perMinute = perMinute }

    func allow(_ key: String, now: Date = Date()) -> Bool {
        let m = Int(now.timeIntervalSince1970 / 60)
        lock.lock(); defer { lock.unlock() }
        if m != minute { minute = m; counts = [:] }
        let n = counts[key, default: 0]
        guard n < perMinute else { return false }
        counts[key] = n + 1
        return true
    }
}
