import Foundation
import WenshuCore

/// The built-in demo store in the user's data directory, created on first use.
enum DemoStore {
    static var path: String {
        let env = ProcessInfo.processInfo.environment
        let base = env["XDG_DATA_HOME"].map { URL(fileURLWithPath: $0) }
            ?? URL(fileURLWithPath: env["HOME"] ?? NSTemporaryDirectory()).appendingPathComponent(".local/share")
        return base.appendingPathComponent("wenshu/demo.db").path
    }

    static func ensure(now: Now?) throws -> String {
        let p = path
        if FileManager.default.fileExists(atPath: p) { return p }
        throw StoreFailure(message: "还没有演示库 \(p)：请用 --db 指定工单库。")
    }
}
