import ArgumentParser
import Foundation
import WenshuCore
import WenshuPostgres

struct Seed: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "生成一个可复现的演示工单库（同样的参数 → 同样的数据）。")

    @Option(name: .long, help: "输出的 SQLite 文件（不能已存在）。")
    var out: String?

    @Option(name: .long, help: "写入 PostgreSQL：postgres://用户@主机:端口/库名（库中不能已有 tickets 表；用可写角色）。")
    var to: String?

    @Option(name: .long, help: "与 --to 同用：载入这个已有的 SQLite 工单库，而不是生成新数据。")
    var from: String?

    @ArgumentParser.Flag(name: .long, help: "与 --to 同用：created_at 用 BRIN 索引（大表、按时间追加时更小）。")
    var brin = false

    @Option(name: .long, help: "城市：Lexicon/cities/ 下的名字（hangzhou、chengdu）或一个 JSON 文件路径。")
    var city: String = "hangzhou"

    @Option(name: .long, help: "工单条数。")
    var count: Int = 200_000

    @Option(name: .long, help: "随机种子。")
    var seed: UInt64 = 1

    @Option(name: .long, help: "数据截止时间 now（默认为当前时间）。")
    var now: String?

    @Option(name: .long, help: "数据起始日期 YYYY-MM-DD（默认为两年多以前的月初）。")
    var start: String?

    func validate() throws {
        guard (out == nil) != (to == nil) else { throw ValidationError("请用 --out 指定 SQLite 文件，或用 --to 指定 PostgreSQL 库（二选一）。") }
        if let to, !PostgresURL.isPostgres(to) { throw ValidationError("--to 需要 postgres://… 地址。") }
        if from != nil && to == nil { throw ValidationError("--from 只与 --to 同用。") }
        guard count > 0, count <= 50_000_000 else { throw ValidationError("--count 需要在 1 到 50000000 之间。") }
        if let out, FileManager.default.fileExists(atPath: out) { throw ValidationError("\(out) 已存在：为免覆盖数据，请换一个路径或先删除它。") }
    }

    func run() throws {
        if let to { return try seedPostgres(to) }
        guard let out else { return }
        let resources = try Resources.load()
        let n: Now
        if let now { guard let x = Now(now) else { throw ValidationError("--now 需要 'YYYY-MM-DD HH:MM:SS'。") }; n = x } else { n = Now.wallClock() }
        var startDay: Day? = nil
        if let start { guard let d = Day(parsing: start) else { throw ValidationError("--start 需要 YYYY-MM-DD。") }; startDay = d }
        let cityFile = try CityFile.load(city, resources: resources.root)
        try DemoStore.generate(out: out, city: cityFile, options: .init(count: count, seed: seed, now: n, start: startDay))
    }

    /// Generates (or takes --from) a SQLite store, then copies it into PostgreSQL with COPY.
    func seedPostgres(_ target: String) throws {
        let url: PostgresURL
        do { url = try PostgresURL(parsing: target) } catch let e as PostgresURL.Invalid { throw ValidationError(e.description) }
        var source = from
        var tmp: String?
        if source == nil {
            let t = NSTemporaryDirectory() + "wenshu-seed-\(getpid())-\(UUID().uuidString).db"
            let resources = try Resources.load()
            let n: Now
            if let now { guard let x = Now(now) else { throw ValidationError("--now 需要 'YYYY-MM-DD HH:MM:SS'。") }; n = x } else { n = Now.wallClock() }
            var startDay: Day? = nil
            if let start { guard let d = Day(parsing: start) else { throw ValidationError("--start 需要 YYYY-MM-DD。") }; startDay = d }
            try DemoStore.generate(out: t, city: try CityFile.load(city, resources: resources.root), options: .init(count: count, seed: seed, now: n, start: startDay))
            source = t
            tmp = t
        }
        defer { if let tmp { try? FileManager.default.removeItem(atPath: tmp) } }
        guard let source else { return }
        let t0 = Date()
        do {
            let n = try PostgresLoader.load(from: source, to: url, brin: brin) { done in
                FileHandle.standardError.write(Data("写入中：\(done) 条\n".utf8))
            }
            DemoStore.note(String(format: "已写入 %@：%d 条工单（COPY），索引已建，用时 %.1f 秒。", url.label, n, Date().timeIntervalSince(t0)))
        } catch let e as StoreError {
            FileHandle.standardError.write(Data("wenshu: \(e.message)\n".utf8))
            throw ExitCode(1)
        }
    }
}
