import Foundation

/// Rows of recent statements, keyed by the raw SQL and its parameters (which hold every
/// resolved time bound, and `now` where a measure depends on it) and valid only for the
/// store state they were read from. Bounded; shared by the engines over one store.
/// `WENSHU_RESULT_CACHE=0` switches it off (the throughput figures are measured both ways).
final class ResultCache: @unchecked Sendable {
    typealias Rows = (columns: [String], rows: [[DBValue]], truncated: Bool)
    struct Key: Hashable {
        let sql: String
        let params: [DBValue]
        let rowCap: Int?
    }
    private struct Entry {
        let fingerprint: StoreFingerprint
        let rows: Rows
        let source: String
    }

    let capacity: Int
    private var entries: [Key: Entry] = [:]
    private var order: [Key] = []
    private var head = 0
    private let lock = NSLock()

    init(capacity: Int) {
        self.capacity = capacity
    }

    static func fromEnvironment() -> ResultCache? {
        let n = ProcessInfo.processInfo.environment["WENSHU_RESULT_CACHE"].flatMap { Int($0) } ?? 4096
        return n > 0 ? ResultCache(capacity: min(n, 1_000_000)) : nil
    }

    func get(_ k: Key, at fp: StoreFingerprint) -> (Rows, String)? {
        lock.lock()
        defer { lock.unlock() }
        guard let e = entries[k], e.fingerprint == fp else { return nil }
        return (e.rows, e.source)
    }

    func put(_ k: Key, at fp: StoreFingerprint, _ rows: Rows, source: String) {
        // A list of a thousand tickets is not worth keeping.
        guard rows.rows.count <= 200 else { return }
        lock.lock()
        defer { lock.unlock() }
        if entries[k] == nil {
            // Oldest first out: a ring of keys.
            if order.count < capacity { order.append(k) } else {
                entries[order[head]] = nil
                order[head] = k
                head = (head + 1) % capacity
            }
        }
        entries[k] = Entry(fingerprint: fp, rows: rows, source: source)
    }
}
