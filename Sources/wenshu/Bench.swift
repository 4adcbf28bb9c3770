import ArgumentParser
import Foundation
import WenshuCore

struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "基准：问题→SQL 的耗时（p50/p99，微秒）与端到端 ask 耗时。")

    @OptionGroup var store: StoreOptions

    @Option(name: .long, help: "每个问题重复解析的次数。")
    var repeats: Int = 200

    @Option(name: .long, help: "分析缓存对比所用的问题文件（每行一个；默认内置问题）。")
    var questions: String?

    @ArgumentParser.Flag(name: .long, help: "逐题列出直接查询与分析缓存的耗时。")
    var each = false

    @ArgumentParser.Flag(name: .long, help: "只测问题→SQL（不跑 ask 与分析缓存），便于剖析解析器；与 --questions 同用时测该文件中的问题。")
    var parseOnly = false

    @Option(name: .long, help: "只用分析缓存把问题组合回答这么多遍（不与直接查询对比），报告每题耗时，便于剖析回答路径。")
    var cachedRounds: Int?

    @ArgumentParser.Flag(name: .long, help: "再启动 wenshu serve，用 wrk 和问题组合压测（有/无分析缓存各一次）。")
    var serve = false

    @Option(name: .long, help: "压测所用的 wrk 脚本。")
    var mix = "scripts/load/mix.lua"

    @Option(name: .long, help: "压测的并发连接数，可用逗号给出几个（如 16,32），各压测一次。")
    var connections = "16"

    /// The connection counts asked for, each 1…10000.
    var connectionCounts: [Int]? {
        let parts = connections.split(separator: ",", omittingEmptySubsequences: false).map { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard !parts.isEmpty, parts.count <= 8, parts.allSatisfy({ $0.map { (1...10_000).contains($0) } ?? false }) else { return nil }
        return parts.compactMap { $0 }
    }

    @Option(name: .long, help: "每次压测的秒数。")
    var seconds = 20

    func validate() throws {
        guard (1...100_000).contains(repeats) else { throw ValidationError("--repeats 需要 1…100000。") }
        guard connectionCounts != nil else { throw ValidationError("--connections 需要 1…10000 的整数，至多 8 个，用逗号分开。") }
        if let r = cachedRounds { guard (1...1_000).contains(r) else { throw ValidationError("--cached-rounds 需要 1…1000。") } }
        guard (1...3_600).contains(seconds) else { throw ValidationError("--seconds 需要 1…3600。") }
    }

    func run() throws {
        // The raw path: the SQL's own time is subtracted below (the cache is measured after).
        let engine = try store.openEngine(analytics: nil)
        let now = try store.parsedNow() ?? Now.wallClock()
        // With --parse-only, --questions names the questions to time (to profile a few).
        let questions = parseOnly && self.questions != nil ? try CacheBench.mix(self.questions).filter { !$0.isEmpty } : BenchQuestions.all
        var samples: [Double] = []
        var perQuestion = [[Double]](repeating: [], count: questions.count)
        for _ in 0..<repeats {
            for (i, q) in questions.enumerated() {
                let t0 = DispatchTime.now().uptimeNanoseconds
                let (_, reading) = engine.read(q, conversation: nil, now: now)
                if case .plan(let p, _) = reading { _ = SQLCompiler(dialect: engine.dialect, now: now).compile(p) }
                let t = Double(DispatchTime.now().uptimeNanoseconds - t0) / 1000
                samples.append(t)
                perQuestion[i].append(t)
            }
        }
        for (i, q) in questions.enumerated() where each {
            let v = perQuestion[i].sorted()
            print(String(format: "  %6.1f µs  %@", v[v.count / 2], q))
        }
        samples.sort()
        // Where the parse time goes, stage by stage.
        var stageTimes: [String: [Double]] = [:]
        for _ in 0..<max(1, repeats / 4) {
            for q in questions {
                for (name, t) in engine.parser.stageTimes(q) { stageTimes[name, default: []].append(t) }
            }
        }
        for name in ["normalize", "tokenize", "chart", "cover"] {
            let v = (stageTimes[name] ?? [0]).sorted()
            print(String(format: "  %@ p50 %.1f µs", name, v[v.count / 2]))
        }
        func pct(_ p: Double) -> Double { samples[min(samples.count - 1, Int(Double(samples.count) * p))] }
        print(String(format: "question → SQL: %d samples over %d questions: p50 %.1f µs, p99 %.1f µs", samples.count, questions.count, pct(0.5), pct(0.99)))
        if parseOnly { return }
        if let rounds = cachedRounds {
            try CacheBench.runCachedRounds(store: store, now: now, questionsFile: self.questions, rounds: rounds, each: each)
            return
        }
        var ask: [Double] = []
        var overhead: [Double] = []
        for q in questions {
            var conv = Conversation()
            let t0 = DispatchTime.now().uptimeNanoseconds
            let a = engine.ask(q, conversation: &conv, now: now)
            let t1 = DispatchTime.now().uptimeNanoseconds
            if let sql = a.sql { _ = try? engine.store.query(sql, a.params, rowCap: nil) }
            let t2 = DispatchTime.now().uptimeNanoseconds
            ask.append(Double(t1 - t0) / 1e6)
            overhead.append(Double(Int64(t1 - t0) - Int64(t2 - t1)) / 1e6)
        }
        ask.sort()
        overhead.sort()
        print(String(format: "ask end to end: %d questions: p50 %.1f ms, p99 %.1f ms; ask minus the SQL's own time: p50 %.2f ms, max %.2f ms",
                     ask.count, ask[ask.count / 2], ask[min(ask.count - 1, Int(Double(ask.count) * 0.99))], overhead[overhead.count / 2], overhead.last!))
        try CacheBench.run(store: store, now: now, questionsFile: self.questions, each: each)
        if serve {
            ServeBench.run(.init(db: store.db ?? DemoStore.path, now: store.now, mix: mix, questions: self.questions,
                                 connections: connectionCounts ?? [16], seconds: seconds))
        }
    }
}

enum BenchQuestions {
    static let all = [
        "上个月工单量", "今年投诉最多的前五个街道", "近30天哪个部门承办的工单最多", "今年每个月的工单量",
        "上个月工单量环比变化多少", "今年各渠道来源占比", "列出昨天的紧急工单", "今年全市满意率是多少",
        "去年的按时办结率", "近三个月来电5次以上的来电人有几个", "本季度每周的工单量走势", "今年以来超期工单有多少",
        "上个月评价不满意的工单具体是哪些", "10月份供水投诉同比增长多少", "从9月到10月市场监管类的举报多少",
    ]
}
