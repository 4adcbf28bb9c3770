import ArgumentParser
import Foundation
import WenshuCore
import WenshuServer

struct WatchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "watch",
        abstract: "未诉先办：列出某天（或近 N 天）突增的街道、社区 × 分类预警。")

    enum Format: String, ExpressibleByArgument, CaseIterable { case table, json }

    @Option(name: .long, help: "工单库 SQLite 文件（不指定则使用内置演示库）。")
    var db: String?

    @Option(name: .long, help: "参考时间 now，'YYYY-MM-DD HH:MM:SS'（默认为系统时间）。")
    var now: String?

    @Option(name: .long, help: "列出前 N 天及今天触发过的预警，默认 1（昨天和今天：早间清单）。")
    var days: Int = 1

    @Option(name: .long, help: "只看某地：district=西湖区 或 street=北山街道。")
    var scope: String?

    @Option(name: .long, help: "输出格式：table | json。")
    var format: Format = .table

    @Option(name: .long, help: "每条预警附带的示例工单数（已脱敏），默认 2。")
    var examples: Int = 2

    @Option(name: .long, help: "对照事件文件（incidents.json）给出查准率、查全率与提前天数。")
    var score: String?

    @ArgumentParser.Flag(name: .long, help: "按 --config 的 watch 配置推送一次到群机器人（供 cron 使用）。")
    var push = false

    @Option(name: .long, help: "serve.json（--push 时读取其中的 watch 一节）。")
    var config: String?

    @Option(name: .long, help: .hidden)
    var param: [String] = []

    func run() throws {
        guard days >= 1, days <= Watch.maxDays else { throw ValidationError("--days 需要 1 到 \(Watch.maxDays) 之间的整数。") }
        guard examples >= 0, examples <= 20 else { throw ValidationError("--examples 需要 0 到 20 之间的整数。") }
        var parameters = Detector.Parameters()
        for p in param {
            let kv = p.split(separator: "=", maxSplits: 1).map(String.init)
            guard kv.count == 2, parameters.set(kv[0], kv[1]) else { throw ValidationError("--param 无效：\(p)") }
        }
        let watchScope: Watch.Scope?
        if let scope {
            guard let s = Watch.Scope(parsing: scope) else { throw ValidationError("--scope 需要 district=名称 或 street=名称，收到：\(scope)") }
            watchScope = s
        } else { watchScope = nil }
        let reference: Now
        if let now {
            guard let n = Now(now) else { throw ValidationError("--now 需要 'YYYY-MM-DD HH:MM:SS' 格式，收到：\(now)") }
            reference = n
        } else { reference = Now.wallClock() }
        if push { return try pushOnce(now: reference) }
        let report: Watch.Report
        do {
            let path = try db ?? DemoStore.ensure(now: reference)
            let database = try Watch.open(path: path)
            report = try Watch.warnings(db: database, now: reference, days: days, scope: watchScope,
                                        parameters: parameters, examples: score == nil ? examples : 0)
        } catch let e as StoreError {
            FileHandle.standardError.write(Data("wenshu: \(e.message)\n".utf8))
            throw ExitCode(1)
        }
        if let score {
            let incidents: [WatchScore.Incident]
            do { incidents = try WatchScore.loadIncidents(path: score) } catch {
                FileHandle.standardError.write(Data("wenshu: 无法读取事件文件 \(score)：\(error)\n".utf8))
                throw ExitCode(1)
            }
            let r = WatchScore.score(warnings: report.warnings, incidents: incidents,
                                     from: report.evaluableFrom, to: reference.day)
            switch format {
            case .json: print(WatchScore.json(r).render())
            case .table:
                print(String(format: "incidents %d, found %d (recall %.1f%%), within 2 days %d; small %d, found %d, within 2 days %d",
                             r.incidents, r.found, r.recall * 100, r.within2Days, r.smallIncidents, r.smallFound, r.smallWithin2Days))
                print(String(format: "warnings %d, matching an incident %d (precision %.1f%%)", r.warnings, r.matchedWarnings, r.precision * 100))
            }
            return
        }
        switch format {
        case .json: print(WatchRender.json(report).render())
        case .table: print(WatchRender.text(report), terminator: "")
        }
    }

    /// `--push`: one round to the configured robots, then exit (1 when a target failed).
    func pushOnce(now: Now) throws {
        guard let config else { throw ValidationError("--push 需要 --config serve.json。") }
        let cfg: WatchPushConfig
        do {
            guard let c = try WatchPushConfig.load(serveConfigPath: config) else { throw ValidationError("\(config) 里没有 watch 一节。") }
            cfg = c
        } catch let e as ConfigError { throw ValidationError("配置文件有误：\(e)") }
        let path = try db ?? DemoStore.ensure(now: now)
        let pusher = WatchPusher(config: cfg, dbPath: path)
        let done = DispatchSemaphore(value: 0)
        nonisolated(unsafe) var outcomes: [WatchPusher.Outcome] = []
        Task {
            outcomes = await pusher.pushOnce(now: now)
            done.signal()
        }
        done.wait()
        for o in outcomes {
            print("\(o.target)：" + (o.error.map { "失败（\(o.attempts) 次）：\($0)" } ?? "推送 \(o.sent) 条"))
        }
        if outcomes.contains(where: { $0.error != nil }) { throw ExitCode(1) }
    }
}
