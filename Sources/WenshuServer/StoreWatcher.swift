import Foundation
import WenshuCore
#if canImport(Glibc)
import Glibc
#endif

/// Notices when the store file under a running server is deleted or replaced (a new inode
/// at the path, e.g. a nightly export moved into place) or changed in place (mtime).
/// A replaced file is reopened; a deleted one is reported and the open connections keep
/// answering from the data they already hold until a file reappears at the path.
final class StoreWatcher: @unchecked Sendable {
    enum Change: Equatable { case none, replaced, missing, modified }

    struct Identity: Equatable {
        let dev: UInt64
        let ino: UInt64
        let mtime: Int
        let mtimeNanos: Int
    }

    let path: String
    private var known: Identity?
    private var reportedMissing = false
    private var lastCheck: UInt64 = 0
    private let lock = NSLock()
    /// How often, at most, the file is looked at (a stat per request would be wasted work).
    let interval: UInt64

    init(path: String, intervalSeconds: Double = 1) {
        self.path = path
        interval = UInt64(max(0, intervalSeconds) * 1e9)
        known = StoreWatcher.identity(path)
    }

    static func identity(_ path: String) -> Identity? {
        var st = stat()
        guard stat(path, &st) == 0 else { return nil }
        return Identity(dev: UInt64(st.st_dev), ino: UInt64(st.st_ino), mtime: st.st_mtim.tv_sec, mtimeNanos: st.st_mtim.tv_nsec)
    }

    /// Whether `check` would look at the file now (the interval has passed).
    var isDue: Bool {
        let now = DispatchTime.now().uptimeNanoseconds
        lock.lock(); defer { lock.unlock() }
        return lastCheck == 0 || now &- lastCheck >= interval
    }

    /// What changed since the last look (throttled); `replaced` is reported once per new file.
    func check() -> Change {
        let now = DispatchTime.now().uptimeNanoseconds
        lock.lock(); defer { lock.unlock() }
        guard now &- lastCheck >= interval || lastCheck == 0 else { return .none }
        lastCheck = now
        guard let id = StoreWatcher.identity(path) else {
            if reportedMissing { return .none }
            reportedMissing = true
            return .missing
        }
        reportedMissing = false
        guard let old = known else { known = id; return .replaced }
        if old.dev != id.dev || old.ino != id.ino { known = id; return .replaced }
        if old.mtime != id.mtime || old.mtimeNanos != id.mtimeNanos { known = id; return .modified }
        return .none
    }
}
