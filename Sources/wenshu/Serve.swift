import ArgumentParser
import Foundation
import Hummingbird
import WenshuCore
import WenshuServer

struct Serve: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "HTTP 接口：POST /v1/ask 等（见 /openapi.yaml）。")

    @OptionGroup var store: StoreOptions

    @Option(name: .long, help: "监听端口。")
    var port: Int = 8080

    @Option(name: .long, help: "监听地址。")
    var host: String = "127.0.0.1"

    @Option(name: .long, help: "配置文件（JSON）：tokens、limits、audit_log、bots、db（不给 --db 时所用的工单库）。")
    var config: String

    /// The CLI's root is synchronous (the chat's terminal handling relies on plain threads
    /// and signals), so the server runs in a task while this thread waits for it. Everything
    /// that may block (opening the store: a PostgreSQL connection waits for its handshake) is
    /// done first, here: tasks run on the server's event loops, where nothing may block.
    func run() throws {
        runTasksOnEventLoops()
        let (api, pusher) = try prepare()
        let done = DispatchSemaphore(value: 0)
        nonisolated(unsafe) var failure: Error?
        Task {
            do { try await serve(api, pusher: pusher) } catch { failure = error }
            done.signal()
        }
        done.wait()
        if let failure { throw failure }
    }

    func validate() throws {
        guard (0...65535).contains(port) else { throw ValidationError("--port 需要 0…65535。") }
    }

    func prepare() throws -> (WenshuAPI, WatchPusher?) {
        let cfg: ServerConfig
        do { cfg = try ServerConfig.load(config) } catch { throw ValidationError("配置文件有误：\(error)") }
        // `--db` wins over the config's `db`; without either, the built-in demo store.
        var store = self.store
        if store.db == nil { store.db = cfg.db }
        let engine: Engine
        do { engine = try store.openEngine(analytics: .background) } catch let f as StoreFailure {
            FileHandle.standardError.write(Data("wenshu: \(f.message)\n".utf8))
            throw ExitCode(1)
        }
        let api = try WenshuAPI(engine: engine, config: cfg, now: try store.parsedNow())
        // The store's label never carries a password (a postgres:// label is user@host:port/db).
        FileHandle.standardError.write(Data("wenshu serve: store \(engine.store.label)\n".utf8))
        // 未诉先办: the morning warnings go to the configured chats by themselves.
        var pusher: WatchPusher?
        if let w = try WatchPushConfig.load(serveConfigPath: config), let sqlite = engine.store as? Database {
            pusher = WatchPusher(config: w, dbPath: sqlite.path)
            FileHandle.standardError.write(Data("wenshu serve: warnings pushed daily at \(String(format: "%02d:%02d", w.hour, w.minute)) to \(w.targets.count) chat(s)\n".utf8))
        }
        return (api, pusher)
    }

    func serve(_ api: WenshuAPI, pusher: WatchPusher?) async throws {
        if let pusher { Task.detached { await pusher.runDaily() } }
        let app = buildApplication(api: api, host: host, port: port) { port in
            FileHandle.standardError.write(Data("wenshu serve: listening on http://\(host):\(port)\n".utf8))
        }
        try await app.runService()
    }
}
