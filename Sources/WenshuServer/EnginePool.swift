import Foundation
import WenshuCore

/// One engine (one read-only connection) per worker; a request borrows one for the length
/// of its query, so no connection is ever used by two threads at once.
final class EnginePool: @unchecked Sendable {
    private var free: [Engine]
    private let lock = NSLock()
    private let available: DispatchSemaphore
    let first: Engine

    init(first: Engine, size: Int, policy: SQLPolicy) throws {
        var engines = [first]
        for _ in 1..<max(1, size) { engines.append(try Engine(sharing: first, policy: policy)) }
        free = engines
        available = DispatchSemaphore(value: engines.count)
        self.first = first
    }

    /// An engine if one is free right now, else nil (never waits: safe on an event loop).
    func withFree<T>(_ body: (Engine) throws -> T) rethrows -> T? {
        guard available.wait(timeout: .now()) == .success else { return nil }
        let e = take()
        defer { giveBack(e) }
        return try body(e)
    }

    /// Blocks until an engine is free: call from a thread-pool thread, never an event loop.
    func with<T>(_ body: (Engine) throws -> T) rethrows -> T {
        available.wait()
        let e = take()
        defer { giveBack(e) }
        return try body(e)
    }

    /// One of the free engines (the semaphore has been passed: there is one).
    private func take() -> Engine {
        lock.lock()
        defer { lock.unlock() }
        return free.removeLast()
    }

    private func giveBack(_ e: Engine) {
        lock.lock()
        free.append(e)
        lock.unlock()
        available.signal()
    }
}
