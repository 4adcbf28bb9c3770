import Foundation
import WenshuCore
#if canImport(Glibc)
import Glibc
#endif

/// One JSON line per question: time, token name, question, status, SQL, row count, milliseconds.
///
/// Written with plain `open`/`write` so that a full disk, a deleted file or a missing
/// permission is an error value, never a trap (Foundation's FileHandle.write traps on
/// failure). A failure is reported on stderr (once per change of state) and in /metrics;
/// the next record reopens the file, so the log heals when the disk does. A file deleted
/// or replaced under the server is noticed (inode check) and reopened at its path.
final class AuditLog: @unchecked Sendable {
    let path: String?
    private var fd: Int32 = -1
    private var inode: (dev: UInt64, ino: UInt64)?
    private var failing = false
    private let lock = NSLock()
    private let metrics: Metrics
    private let report: @Sendable (String) -> Void

    init(path: String?, metrics: Metrics, report: @escaping @Sendable (String) -> Void = WenshuAPI.reportToStderr) {
        self.path = path
        self.metrics = metrics
        self.report = report
        lock.lock(); defer { lock.unlock() }
        if path != nil { _ = reopenLocked() }
    }

    deinit { if fd >= 0 { close(fd) } }

    /// False while the log is configured but cannot even be opened (after retrying the open).
    /// A log that opens but fails on write (a full disk) is found out by `record`.
    var canOpen: Bool {
        lock.lock(); defer { lock.unlock() }
        guard path != nil else { return true }
        return ensureOpenLocked()
    }

    /// Appends one record; false when it could not be written (already reported).
    @discardableResult
    func record(token: String, channel: String, question: String, answer: Answer, milliseconds: Double) -> Bool {
        guard path != nil else { return true }
        let line = JSONValue.object([
            ("time", .string(ISO8601DateFormatter().string(from: Date()))),
            ("token", .string(token)),
            ("channel", .string(channel)),
            ("question", .string(question)),
            ("status", .string(answer.status.rawValue)),
            ("sql", answer.sql.map { .string($0) } ?? .null),
            ("rows", .int(Int64(answer.rows.count))),
            ("ms", .double((milliseconds * 10).rounded() / 10)),
        ]).render() + "\n"
        lock.lock(); defer { lock.unlock() }
        guard ensureOpenLocked() else { return false }
        if let err = writeAll(Array(line.utf8)) {
            failed("审计日志写入失败（\(err)）：\(path ?? "")；问题照常回答与否取决于 audit_required，之后每次提问都会重试。")
            // Close so the next record reopens (a replaced disk, a freed one, a new file).
            close(fd)
            fd = -1
            return false
        }
        recovered()
        return true
    }

    // MARK: - under the lock

    private func ensureOpenLocked() -> Bool {
        if fd >= 0, let path {
            // Deleted or replaced: reopen at the path so the log is not written into a ghost.
            var st = stat()
            if stat(path, &st) != 0 || inode.map({ $0.dev != UInt64(st.st_dev) || $0.ino != UInt64(st.st_ino) }) == true {
                report("审计日志 \(path) 已被删除或替换，重新打开。")
                close(fd)
                fd = -1
            }
        }
        return fd >= 0 || reopenLocked()
    }

    private func reopenLocked() -> Bool {
        guard let path else { return false }
        let f = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o640)
        guard f >= 0 else {
            failed("无法打开审计日志 \(path)（\(String(cString: strerror(errno)))）。")
            return false
        }
        var st = stat()
        if fstat(f, &st) == 0 { inode = (UInt64(st.st_dev), UInt64(st.st_ino)) }
        fd = f
        return true
    }

    private func writeAll(_ bytes: [UInt8]) -> String? {
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeBufferPointer { buf in
                write(fd, buf.baseAddress.map { $0 + offset }, bytes.count - offset)
            }
            if n < 0 {
                if errno == EINTR { continue }
                return String(cString: strerror(errno))
            }
            if n == 0 { return "写入 0 字节" }
            offset += n
        }
        return nil
    }

    private func failed(_ message: String) {
        metrics.audit(ok: false)
        if !failing { report(message) }
        failing = true
    }

    private func recovered() {
        if failing { report("审计日志 \(path ?? "") 恢复写入。") }
        failing = false
        metrics.audit(ok: true)
    }
}
