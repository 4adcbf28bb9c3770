import Foundation
import WenshuCore

/// The built-in demo store in the user's data directory, created on first use.
enum DemoStore {
    static let defaultCount = 200_000

    static var path: String { UserDirectories.data.appendingPathComponent("demo.db").path }

    /// The demo store's path, generating it (Hangzhou, now = the current time) when missing.
    static func ensure(now: Now?) throws -> String {
        let p = path
        if FileManager.default.fileExists(atPath: p) { return p }
        try FileManager.default.createDirectory(atPath: (p as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        let resources = try Resources.load()
        let city = try CityFile.load("hangzhou", resources: resources.root)
        note("首次使用：正在生成演示工单库 \(p)（杭州，\(defaultCount) 条，截至当前时间）…")
        try generate(out: p, city: city, options: .init(count: defaultCount, seed: 1, now: Now.wallClock()))
        return p
    }

    /// Writes a store to a temporary name first, so an interrupted run leaves no half store.
    static func generate(out: String, city: CityFile, options: Seeder.Options) throws {
        let tmp = out + ".partial"
        try? FileManager.default.removeItem(atPath: tmp)
        let seeder = Seeder(city: city, options: options)
        let t0 = Date()
        let progress = Progress(total: options.count)
        do {
            try seeder.write(to: tmp, progress: { done, total in progress.update(done, total) },
                             phase: { line in progress.finish(); note(line) })
        } catch {
            try? FileManager.default.removeItem(atPath: tmp)
            throw error
        }
        progress.finish()
        try FileManager.default.moveItem(atPath: tmp, toPath: out)
        let incidents = seeder.incidents.map { "\($0.first.iso) \($0.street) \($0.subcategory) ×\($0.days)天" }.joined(separator: "；")
        note(String(format: "已生成 %@：%d 条工单，用时 %.1f 秒。注入事件：%@", out, options.count, Date().timeIntervalSince(t0), incidents))
    }

    static func note(_ s: String) { FileHandle.standardError.write(Data((s + "\n").utf8)) }
}

/// A progress bar on a terminal, plain lines otherwise.
final class Progress {
    let total: Int
    let tty = isatty(2) != 0
    var lastLine = -1

    init(total: Int) { self.total = total }

    func update(_ done: Int, _ total: Int) {
        let pct = total > 0 ? min(100, done * 100 / total) : 100
        if tty {
            let filled = pct / 4
            let bar = String(repeating: "█", count: filled) + String(repeating: "░", count: 25 - filled)
            FileHandle.standardError.write(Data("\r生成中 \(bar) \(pct)% (\(done)/\(total))".utf8))
        } else if pct / 10 != lastLine {
            lastLine = pct / 10
            FileHandle.standardError.write(Data("生成中：\(done)/\(total)（\(pct)%）\n".utf8))
        }
    }

    func finish() { if tty { FileHandle.standardError.write(Data("\n".utf8)) } }
}
