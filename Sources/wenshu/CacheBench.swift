import Foundation
import WenshuCore

/// `wenshu bench`, second part: the same questions answered from the raw store and through
/// the analytics cache (result cache off, so every answer runs its statement), with the
/// cache's build time and size.
enum CacheBench {
    static func run(store: StoreOptions, now: Now, questionsFile: String?, each: Bool) throws {
        setenv("WENSHU_RESULT_CACHE", "0", 1)
        let t0 = Date()
        let cached = try store.openEngine(analytics: .build)
        let openSeconds = Date().timeIntervalSince(t0)
        guard let cache = cached.analytics, cache.isReady else {
            // No cache (PostgreSQL stores, WENSHU_ANALYTICS=off, a cache that could not be
            // built): the mix is still measured, on the raw path alone.
            let why = cached.store is Database ? (cached.analytics?.lastProblem ?? "switched off") : "SQLite stores only; \(cached.store.label) answers every question with its own SQL"
            print("analytics cache: not available (\(why))")
            try runRaw(cached, now: now, questionsFile: questionsFile, each: each)
            return
        }
        let bytes = (try? FileManager.default.attributesOfItem(atPath: cache.file)[.size] as? NSNumber)?.intValue ?? 0
        let rows = cache.tables.reduce(0) { $0 + $1.rows }
        print(String(format: "analytics cache: %d tables, %d rows, %.1f MB (%@); open (building if needed) %.1f s",
                     cache.tables.count, rows, Double(bytes) / 1e6, cache.file, openSeconds))
        for t in cache.tables.sorted(by: { $0.name < $1.name }) where each { print("  \(t.name): \(t.rows) rows [\(t.dims.joined(separator: ","))]") }
        let raw = try store.openEngine(analytics: nil)
        let questions = try mix(questionsFile)
        var rawMs: [Double] = [], cacheMs: [Double] = [], routed = 0, mismatches = 0
        for q in questions where !q.isEmpty {
            var c1 = Conversation(), c2 = Conversation()
            let a0 = DispatchTime.now().uptimeNanoseconds
            let a = raw.ask(q, conversation: &c1, now: now)
            let a1 = DispatchTime.now().uptimeNanoseconds
            let b = cached.ask(q, conversation: &c2, now: now)
            let b1 = DispatchTime.now().uptimeNanoseconds
            guard a.status == .answered else { continue }
            let r = Double(a1 - a0) / 1e6, c = Double(b1 - a1) / 1e6
            rawMs.append(r); cacheMs.append(c)
            if b.source?.hasPrefix("rollup:") == true { routed += 1 }
            if !sameRows(a.rows, b.rows) { mismatches += 1; print("  MISMATCH: \(q)") }
            if each { print(String(format: "  %8.1f ms raw  %8.1f ms cache  %@  %@", r, c, b.source ?? "-", q)) }
        }
        print(String(format: "ask, %d answered questions: raw p50 %.1f ms, p99 %.1f ms, max %.1f ms; with the cache p50 %.2f ms, p99 %.1f ms, max %.1f ms; %d from rollups, %d mismatches",
                     rawMs.count, pct(rawMs, 0.5), pct(rawMs, 0.99), rawMs.max() ?? 0, pct(cacheMs, 0.5), pct(cacheMs, 0.99), cacheMs.max() ?? 0, routed, mismatches))
    }

    static func mix(_ file: String?) throws -> [String] {
        try file.map { try String(contentsOfFile: $0, encoding: .utf8).split(separator: "\n").map(String.init) } ?? BenchQuestions.all
    }

    static func pct(_ v: [Double], _ p: Double) -> Double {
        let s = v.sorted()
        return s.isEmpty ? 0 : s[min(s.count - 1, Int(Double(s.count) * p))]
    }

    /// The mix answered from the store's own SQL only, with the answers that did not come back
    /// (`error`: the time cap, a failed statement) counted apart, not folded into the times.
    static func runRaw(_ engine: Engine, now: Now, questionsFile: String?, each: Bool) throws {
        var ms: [Double] = [], failed: [Double] = [], other = 0
        for q in try mix(questionsFile) where !q.isEmpty {
            var conv = Conversation()
            let t0 = DispatchTime.now().uptimeNanoseconds
            let a = engine.ask(q, conversation: &conv, now: now)
            let t = Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e6
            switch a.status {
            case .answered: ms.append(t)
            case .error: failed.append(t)
            default: other += 1
            }
            if each { print(String(format: "  %8.1f ms raw  %@  %@", t, a.status.rawValue, q)) }
        }
        print(String(format: "ask, raw path only (%@), %d answered questions: p50 %.1f ms, p99 %.1f ms, max %.1f ms; %d errors (timeouts included, max %.1f ms); %d not answered (clarify/unsupported/denied)",
                     engine.store.label, ms.count, pct(ms, 0.5), pct(ms, 0.99), ms.max() ?? 0, failed.count, failed.max() ?? 0, other))
    }

    /// The mix answered `rounds` times through the analytics cache alone: the answering path
    /// without HTTP, for profiling (`perf`, `valgrind --tool=callgrind`).
    static func runCachedRounds(store: StoreOptions, now: Now, questionsFile: String?, rounds: Int, each: Bool) throws {
        setenv("WENSHU_RESULT_CACHE", "0", 1)
        let engine = try store.openEngine(analytics: .build)
        let questions = try mix(questionsFile).filter { !$0.isEmpty }
        var us: [Double] = []
        var perQuestion = [Double](repeating: 0, count: questions.count)
        var sources = [String](repeating: "-", count: questions.count)
        us.reserveCapacity(questions.count * rounds)
        for _ in 0..<rounds {
            for (i, q) in questions.enumerated() {
                var conv = Conversation()
                let t0 = DispatchTime.now().uptimeNanoseconds
                let a = engine.ask(q, conversation: &conv, now: now)
                let t = Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e3
                us.append(t)
                perQuestion[i] += t / Double(rounds)
                sources[i] = a.source ?? a.status.rawValue
            }
        }
        for (i, q) in questions.enumerated() where each { print(String(format: "  %9.1f µs  %@  %@", perQuestion[i], sources[i], q)) }
        let mean = us.reduce(0, +) / Double(max(1, us.count))
        print(String(format: "ask through the cache, %d answers (%d rounds of %d questions): mean %.1f µs, p50 %.1f µs, p99 %.1f µs",
                     us.count, rounds, questions.count, mean, pct(us, 0.5), pct(us, 0.99)))
    }

    static func sameRows(_ a: [[DBValue]], _ b: [[DBValue]]) -> Bool {
        guard a.count == b.count else { return false }
        for (x, y) in zip(a, b) {
            guard x.count == y.count else { return false }
            for (u, v) in zip(x, y) where u != v {
                guard let p = u.doubleValue, let q = v.doubleValue, abs(p - q) <= 1e-9 * max(1, abs(p), abs(q)) else { return false }
            }
        }
        return true
    }
}
