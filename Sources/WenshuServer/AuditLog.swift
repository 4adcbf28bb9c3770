import Foundation
import WenshuCore

/// One JSON line per question: time, token name, question, status, SQL, row count, milliseconds.
final class AuditLog: @unchecked Sendable {
    private let handle: FileHandle?
    private let lock = NSLock()

    init(path: String?) throws {
        guard let path else { handle = nil; return }
        if !FileManager.default.fileExists(atPath: path) { FileManager.default.createFile(atPath: path, contents: nil) }
        guard let h = FileHandle(forWritingAtPath: path) else { throw ConfigError("无法写审计日志 \(path)") }
        h.seekToEndOfFile()
        handle = h
    }

    func record(token: String, channel: String, question: String, answer: Answer, milliseconds: Double) {
        guard let handle else { return }
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
        handle.write(Data(line.utf8))
    }
}
