import Foundation
import WenshuCore

/// Conversations by (token, session id), bounded in number and age.
final class SessionStore: @unchecked Sendable {
    private var items: [String: (Conversation, Date)] = [:]
    private let lock = NSLock()
    let capacity: Int
    let maxAge: TimeInterval

    init(capacity: Int, maxAge: TimeInterval) {
        self.capacity = capacity
        self.maxAge = maxAge
    }

    func get(_ key: String) -> Conversation {
        lock.lock(); defer { lock.unlock() }
        guard let (c, t) = items[key], Date().timeIntervalSince(t) < maxAge else { return Conversation() }
        return c
    }

    func put(_ key: String, _ c: Conversation) {
        lock.lock(); defer { lock.unlock() }
        items[key] = (c, Date())
        if items.count > capacity {
            let now = Date()
            items = items.filter { now.timeIntervalSince($0.value.1) < maxAge }
            while items.count > capacity, let oldest = items.min(by: { $0.value.1 < $1.value.1 })?.key { items[oldest] = nil }
        }
    }

    var count: Int { lock.lock(); defer { lock.unlock() }; return items.count }
}

/// A fixed window per token: at most `perMinute` requests in any clock minute.
final class RateLimiter: @unchecked Sendable {
    private var windows: [String: (Int, Int)] = [:]  // name → (minute, count)
    private let lock = NSLock()
    let perMinute: Int

    init(perMinute: Int) { self.perMinute = perMinute }

    func allow(_ name: String, now: Date = Date()) -> Bool {
        let minute = Int(now.timeIntervalSince1970 / 60)
        lock.lock(); defer { lock.unlock() }
        var (m, n) = windows[name] ?? (minute, 0)
        if m != minute { (m, n) = (minute, 0) }
        guard n < perMinute else { return false }
        windows[name] = (m, n + 1)
        return true
    }
}
