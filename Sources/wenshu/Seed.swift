import ArgumentParser
import Foundation
import WenshuCore

struct Seed: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "生成一个可复现的演示工单库（同样的参数 → 同样的数据）。")

    @Option(name: .long, help: "输出的 SQLite 文件（不能已存在）。")
    var out: String

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
        guard count > 0, count <= 50_000_000 else { throw ValidationError("--count 需要在 1 到 50000000 之间。") }
        if FileManager.default.fileExists(atPath: out) { throw ValidationError("\(out) 已存在：为免覆盖数据，请换一个路径或先删除它。") }
    }

    func run() throws {
        let resources = try Resources.load()
        let n: Now
        if let now { guard let x = Now(now) else { throw ValidationError("--now 需要 'YYYY-MM-DD HH:MM:SS'。") }; n = x } else { n = Now.wallClock() }
        var startDay: Day? = nil
        if let start { guard let d = Day(parsing: start) else { throw ValidationError("--start 需要 YYYY-MM-DD。") }; startDay = d }
        let cityFile = try CityFile.load(city, resources: resources.root)
        try DemoStore.generate(out: out, city: cityFile, options: .init(count: count, seed: seed, now: n, start: startDay))
    }
}
