import ArgumentParser
import Foundation
import WenshuCore
import WenshuPostgres

@main
struct Wenshu: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "wenshu",
        abstract: "问数：用中文查询 12345 热线工单数据。",
        subcommands: [Ask.self, Chat.self, Serve.self, Seed.self, Bench.self, WatchCommand.self, Import.self],
        defaultSubcommand: Ask.self
    )
}

/// Options shared by commands that open a store.
struct StoreOptions: ParsableArguments {
    @Option(name: .long, help: "工单库：SQLite 文件，或 postgres://用户@主机:端口/库名（不指定则使用内置演示库）。")
    var db: String?

    @Option(name: .long, help: "参考时间 now，'YYYY-MM-DD HH:MM:SS'（默认为系统时间）。")
    var now: String?

    @Option(name: .long, help: "数据权限，如 district=西湖区 或 street=北山街道。")
    var scope: String?

    func parsedNow() throws -> Now? {
        guard let now else { return nil }
        guard let n = Now(now) else { throw ValidationError("--now 需要 'YYYY-MM-DD HH:MM:SS' 格式，收到：\(now)") }
        return n
    }

    func parsedScope() throws -> Scope? {
        guard let scope else { return nil }
        guard let s = Scope(parsing: scope) else { throw ValidationError("--scope 需要 district=名称 或 street=名称，收到：\(scope)") }
        return s
    }

    /// Opens the store, or prints the contract's error answer and exits 1.
    /// The analytics cache is built on first use (`.build`), or in the background by `serve`.
    func openEngine(analytics: AnalyticsCache.Mode? = .build) throws -> Engine {
        let resources: Resources
        do { resources = try Resources.load() } catch {
            FileHandle.standardError.write(Data("wenshu: \(error)\n".utf8))
            throw ExitCode(2)
        }
        if let db, PostgresURL.isPostgres(db) {
            do {
                let store = try PostgresStore.connect(try PostgresURL(parsing: db))
                return try Engine(store: store, resources: resources, now: try parsedNow(), scope: try parsedScope())
            } catch let e as StoreError {
                throw StoreFailure(message: e.message)
            } catch let e as PostgresURL.Invalid {
                throw StoreFailure(message: e.description)
            }
        }
        let path = try db ?? DemoStore.ensure(now: parsedNow())
        do {
            return try Engine(path: path, resources: resources, now: try parsedNow(), scope: try parsedScope(), analytics: analytics)
        } catch let e as StoreError {
            throw StoreFailure(message: e.message)
        }
    }
}

/// The store could not be used: reported as the contract's `error` answer, exit code 1.
struct StoreFailure: Error { let message: String }
