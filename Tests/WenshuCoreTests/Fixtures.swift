import Foundation
import XCTest
@testable import WenshuCore

/// Test fixtures: the real data files and a small real SQLite ticket store.
enum Fixtures {
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static let resources: Resources = {
        // Keep the catalog cache of throwaway test stores out of the user's cache.
        setenv("XDG_CACHE_HOME", NSTemporaryDirectory() + "wenshu-test-cache", 1)
        return try! Resources.load(root: packageRoot)
    }()

    static let now = Now("2026-11-29 10:00:00")!

    /// Places of the fixture city: a district and a street share the bare name 西湖, and
    /// two streets in different districts are both called 城关镇 (a same-level clash).
    static let places: [(String, String, [String])] = [
        ("西湖区", "北山街道", ["北山社区", "宝石社区"]),
        ("西湖区", "西湖街道", ["龙井社区"]),
        ("拱墅区", "米市巷街道", ["米市巷社区"]),
        ("拱墅区", "城关镇", ["城关社区"]),
        ("淳安县", "城关镇", ["千岛湖社区"]),
    ]
    static let subs: [(String, String)] = [("公用事业", "供水"), ("公用事业", "供暖"), ("城市管理", "噪声扰民"), ("劳动社保", "欠薪讨薪")]
    static let kinds = ["投诉", "咨询", "求助", "举报", "建议", "表扬"]
    static let channels = ["电话", "微信", "网站", "APP", "信件"]

    /// Writes `count` tickets spread over 2025-01-01 … now with a fixed pseudo-random sequence.
    static func makeStore(count: Int = 3000, at path: String? = nil) throws -> String {
        let file = path ?? NSTemporaryDirectory() + "wenshu-test-\(UUID().uuidString).db"
        let db = try Database.openForWriting(file)
        try db.execute(TicketSchema.createSQL)
        var rng: UInt64 = 42
        func next(_ n: Int) -> Int {
            rng = rng &* 6364136223846793005 &+ 1442695040888963407
            return Int((rng >> 33) % UInt64(n))
        }
        let start = Day(2025, 1, 1).ordinal
        let span = now.day.ordinal - start + 1
        var sql = "BEGIN;"
        for i in 0..<count {
            let day = Day(ordinal: start + next(span))
            let hour = next(24), minute = next(60)
            var created = "\(day.iso) \(pad2(hour)):\(pad2(minute)):00"
            if day == now.day && hour >= 10 { created = "\(day.iso) 09:\(pad2(minute)):00" }
            let place = places[next(places.count)]
            let missingPlace = next(25) == 0
            let (cat, sub) = subs[next(subs.count)]
            let kind = kinds[next(kinds.count)]
            let closed = day.ordinal < now.day.ordinal - 3 || next(3) == 0
            let due = Day(ordinal: day.ordinal + 3 + next(5)).iso + " 18:00:00"
            let closedAt = closed ? Day(ordinal: min(day.ordinal + next(10), now.day.ordinal)).iso + " 08:00:00" : nil
            let sat = closed && next(3) > 0 ? ["满意", "基本满意", "不满意"][next(3)] : nil
            let resolved = sat.map { $0 == "不满意" ? "0" : "1" } ?? "NULL"
            func q(_ s: String?) -> String { s.map { "'" + $0.replacingOccurrences(of: "'", with: "''") + "'" } ?? "NULL" }
            let content = ["家里停水了", "楼下广场舞太吵", "电梯坏了没人修", "公司拖欠工资", "暖气不热"][next(5)]
            sql += "INSERT INTO tickets VALUES (\(q(String(format: "T%06d", i))), \(q(created)), \(q(channels[next(channels.count)])), \(q(kind)), \(q(cat)), \(q(next(30) == 0 ? nil : sub)), \(q(missingPlace ? nil : place.0)), \(q(missingPlace ? nil : place.1)), \(q(missingPlace ? nil : place.2[next(place.2.count)])), NULL, \(q(content)), \(q(["市水务集团", "区城管局", "街道办"][next(3)])), \(q(closed ? "已办结" : (next(2) == 0 ? "办理中" : "待派单"))), \(next(8) == 0 ? 1 : 0), \(q(due)), \(q(closedAt)), \(q(sat)), \(resolved), \(q("C\(next(count / 3))")));"
        }
        sql += "COMMIT;"
        try db.execute(sql)
        return file
    }

    static let sharedStore: String = try! makeStore()

    static func engine(_ path: String = sharedStore, scope: Scope? = nil) throws -> Engine {
        try Engine(path: path, resources: resources, now: now, scope: scope)
    }

    /// Runs the real `wenshu` binary (built by `swift build`); returns exit code, stdout, stderr.
    static func runWenshu(_ args: [String], stdin: String? = nil) throws -> (Int32, String, String) {
        let p = Process()
        p.executableURL = packageRoot.appendingPathComponent(".build/debug/wenshu")
        p.arguments = args
        var env = ProcessInfo.processInfo.environment
        env["XDG_CACHE_HOME"] = NSTemporaryDirectory() + "wenshu-test-cache"
        p.environment = env
        let input = Pipe(), out = Pipe(), err = Pipe()
        p.standardInput = input
        p.standardOutput = out
        p.standardError = err
        try p.run()
        if let stdin { input.fileHandleForWriting.write(Data(stdin.utf8)) }
        try input.fileHandleForWriting.close()
        let o = out.fileHandleForReading.readDataToEndOfFile(), e = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return (p.terminationStatus, String(decoding: o, as: UTF8.self), String(decoding: e, as: UTF8.self))
    }

    /// Runs raw SQL on a separate read-write connection (the independent oracle for tests).
    static func oracle(_ path: String, _ sql: String) throws -> [[DBValue]] {
        let db = try Database.openReadOnly(path)
        db.install(policy: SQLPolicy(tables: ["tickets": Set(TicketSchema.columns)], functions: SQLPolicy.tickets.functions, rowCap: 100_000, timeCap: 30))
        return try db.query(sql, []).rows
    }
}
