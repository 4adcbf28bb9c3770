import Foundation
import Hummingbird
import HummingbirdCore
import NIOCore
import NIOPosix
import WenshuCore

/// Every route the server answers; the OpenAPI document is checked against this list.
public let apiRoutes: [(method: String, path: String)] = [
    ("POST", "/v1/ask"), ("GET", "/v1/ask"), ("GET", "/v1/schema"), ("GET", "/v1/suggest"),
    ("GET", "/healthz"), ("GET", "/metrics"), ("GET", "/openapi.yaml"),
    ("POST", "/bots/dingtalk"), ("GET", "/bots/wecom"), ("POST", "/bots/wecom"), ("POST", "/bots/feishu"),
    ("GET", "/exports/{id}"),
]

/// Makes the server's event loops Swift concurrency's executor, so a request's handler runs
/// on the thread that read it instead of hopping to a separate pool and back (two thread
/// switches per answer, a large part of its fixed cost). Call once, from the main thread,
/// before any task starts.
@discardableResult
public func runTasksOnEventLoops() -> Bool {
    NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor()
}

/// Builds the application; `wenshu serve` and the tests both call this.
public func buildApplication(api: WenshuAPI, host: String, port: Int,
                             onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }) -> some ApplicationProtocol {
    let router = Router()
    router.add(middleware: ErrorMiddleware(api: api))
    router.post("/v1/ask") { request, _ in try await api.postAsk(request) }
    router.get("/v1/ask") { request, _ in try await api.getAsk(request) }
    router.get("/v1/schema") { request, _ in try await api.schema(request) }
    router.get("/v1/suggest") { request, _ in try api.suggest(request) }
    // Liveness only: anyone may call it, so it tells nothing about the data.
    router.get("/healthz") { _, _ in Response.json("{\"status\": \"ok\"}") }
    router.get("/metrics") { _, _ in Response.text(api.metrics.render(), type: "text/plain; version=0.0.4") }
    router.get("/openapi.yaml") { _, _ in Response.text(OpenAPI.document, type: "application/yaml") }
    let hub = BotHub(api: api)
    let dingtalk = DingTalkBot(hub: hub), wecom = WeComBot(hub: hub), feishu = FeishuBot(hub: hub, client: FeishuClient())
    router.post("/bots/dingtalk") { request, _ in try await dingtalk.handle(request, body: try await api.collectBody(request)) }
    router.get("/bots/wecom") { request, _ in try wecom.verify(request) }
    router.post("/bots/wecom") { request, _ in try await wecom.handle(request, body: try await api.collectBody(request)) }
    router.post("/bots/feishu") { request, _ in try await feishu.handle(request, body: try await api.collectBody(request)) }
    router.get("/exports/:id") { _, context in
        let id = context.parameters.get("id")?.replacingOccurrences(of: ".csv", with: "") ?? ""
        guard let csv = hub.exports.csv(id) else { throw APIError.notFound }
        return Response.text(csv, type: "text/csv; charset=utf-8")
    }
    let gate = api.gate
    let http1 = HTTP1Channel.Configuration(additionalChannelHandlers: [ConnectionGuard(gate: gate)])
    return Application(
        router: router,
        server: .http1(configuration: http1),
        configuration: .init(address: .hostname(host, port: port), serverName: "wenshu"),
        onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? port) }
    )
}

/// Turns thrown errors into JSON with stable codes (never a stack trace) and counts requests.
struct ErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    let api: WenshuAPI

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let started = DispatchTime.now().uptimeNanoseconds
        let response: Response
        do {
            response = try await next(request, context)
        } catch let e as APIError {
            response = .json(e.body, status: e.status)
        } catch let e as HTTPError where e.status == .notFound || e.status == .methodNotAllowed {
            // A known path asked with another method is 405 with the methods it has.
            let allowed = apiRoutes.filter { routeMatches($0.path, request.uri.path) }.map(\.method)
            if allowed.isEmpty {
                response = .json(APIError.notFound.body, status: .notFound)
            } else {
                var r = Response.json(APIError.methodNotAllowed.body, status: .methodNotAllowed)
                r.headers[.allow] = allowed.joined(separator: ", ")
                response = r
            }
        } catch let e as HTTPError {
            response = .json(APIError(status: e.status, code: "http_error", message: e.body ?? "请求无法处理。").body, status: e.status)
        } catch {
            response = .json(APIError(status: .internalServerError, code: "internal", message: "服务器内部错误。").body, status: .internalServerError)
        }
        let route = apiRoutes.first { routeMatches($0.path, request.uri.path) }?.path ?? "other"
        api.metrics.request(route: route, code: Int(response.status.code), seconds: Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9)
        return response
    }
}

/// Whether a concrete path matches a route pattern (`{id}` matches one segment).
func routeMatches(_ pattern: String, _ path: String) -> Bool {
    let p = pattern.split(separator: "/", omittingEmptySubsequences: false)
    let q = path.split(separator: "/", omittingEmptySubsequences: false)
    guard p.count == q.count else { return false }
    return zip(p, q).allSatisfy { a, b in a == b || (a.hasPrefix("{") && !b.isEmpty) }
}

/// Request fields are checked the way the OpenAPI document says (types, lengths in
/// characters = Unicode scalars, enums, formats), so the two cannot drift apart.
enum RequestFields {
    static let maxSessionID = 128

    static func question(_ raw: Any?, limit: Int) throws -> String {
        guard let raw else { throw APIError.missingQuestion }
        guard let q = raw as? String else { throw APIError.badField("question 需要是字符串。") }
        guard !q.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else { throw APIError.missingQuestion }
        guard q.unicodeScalars.count <= limit else { throw APIError.questionTooLong(limit) }
        return q
    }

    static func sessionID(_ raw: Any?) throws -> String? {
        guard let raw else { return nil }
        guard let s = raw as? String, s.unicodeScalars.count <= maxSessionID else {
            throw APIError.badField("session_id 需要是不超过 \(maxSessionID) 字的字符串。")
        }
        return s
    }

    static func format(_ raw: Any?) throws -> String? {
        guard let raw else { return nil }
        guard let s = raw as? String, s == "json" || s == "csv" else { throw APIError.badField("format 只能是 json 或 csv。") }
        return s
    }

    /// `YYYY-MM-DD`, `YYYY-MM-DD HH:MM` or `YYYY-MM-DD HH:MM:SS`, digits only, each part in range.
    static func now(_ raw: Any?) throws -> Now? {
        guard let raw else { return nil }
        let bad = APIError(status: .badRequest, code: "bad_now", message: "now 需要 'YYYY-MM-DD HH:MM:SS'。")
        guard let s = raw as? String else { throw bad }
        let b = Array(s.utf8)
        guard [10, 16, 19].contains(b.count) else { throw bad }
        let digitAt: Set<Int> = [0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15, 17, 18]
        for (i, c) in b.enumerated() {
            let want: UInt8? = i == 4 || i == 7 ? UInt8(ascii: "-") : i == 10 ? UInt8(ascii: " ") : i == 13 || i == 16 ? UInt8(ascii: ":") : nil
            if let want { guard c == want else { throw bad } }
            else if digitAt.contains(i) { guard c >= 48 && c <= 57 else { throw bad } }
        }
        func num(_ r: Range<Int>) -> Int { b[r].reduce(0) { $0 * 10 + Int($1 - 48) } }  // ≤ 4 digits: no overflow
        let (year, month, day) = (num(0..<4), num(5..<7), num(8..<10))
        let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
        let days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
        guard (1970...2100).contains(year), (1...12).contains(month), (1...days[month - 1]).contains(day) else { throw bad }
        if b.count >= 16 { guard num(11..<13) < 24, num(14..<16) < 60 else { throw bad } }
        if b.count == 19 { guard num(17..<19) < 60 else { throw bad } }
        guard let n = Now(s) else { throw bad }
        return n
    }
}

extension WenshuAPI {
    /// The request body, refused past the configured size.
    func collectBody(_ request: Request) async throws -> ByteBuffer {
        let limit = config.limits.maxBodyBytes
        if let len = request.headers[.contentLength].flatMap({ Int($0) }), len > limit { throw APIError.tooLarge(limit) }
        var body = request.body
        do { return try await body.collect(upTo: limit) } catch { throw APIError.tooLarge(limit) }
    }

    func postAsk(_ request: Request) async throws -> Response {
        let token = try authenticate(request)
        let buffer = try await collectBody(request)
        guard let obj = try? JSONSerialization.jsonObject(with: Data(buffer.readableBytesView)) as? [String: Any] else {
            throw APIError(status: .badRequest, code: "bad_json", message: "请求体需要是 JSON 对象，例如 {\"question\": \"上个月工单量\"}。")
        }
        let q = try RequestFields.question(obj["question"], limit: config.limits.maxQuestionChars)
        let session = try RequestFields.sessionID(obj["session_id"])
        let override = try RequestFields.now(obj["now"])
        let format = try RequestFields.format(obj["format"])
        let csv = wantsCSV(request) || format == "csv"
        let a = try await answer(question: q, sessionKey: session.map { token.name + "|" + $0 }, scope: token.scope, who: token.name, channel: "http", now: override)
        return respond(a, csv: csv)
    }

    func getAsk(_ request: Request) async throws -> Response {
        let token = try authenticate(request)
        let params = request.uri.queryParameters
        guard let raw = params["q"].map(String.init), !raw.isEmpty else {
            throw APIError(status: .badRequest, code: "missing_question", message: "需要查询参数 q。")
        }
        let q = try RequestFields.question(raw, limit: config.limits.maxQuestionChars)
        let session = try RequestFields.sessionID(params["session_id"].map(String.init))
        _ = try RequestFields.format(params["format"].map(String.init))
        let a = try await answer(question: q, sessionKey: session.map { token.name + "|" + $0 }, scope: token.scope, who: token.name, channel: "http")
        return respond(a, csv: wantsCSV(request))
    }

    func wantsCSV(_ request: Request) -> Bool {
        request.uri.queryParameters["format"] == "csv" || (request.headers[.accept] ?? "").contains("text/csv")
    }

    func respond(_ a: Answer, csv: Bool) -> Response {
        let status: HTTPResponse.Status = a.status == .denied ? .forbidden : (a.status == .error ? .serviceUnavailable : .ok)
        if csv, a.status == .answered {
            return .text(Render.csv(a), type: "text/csv; charset=utf-8", status: status)
        }
        return .json(a.json.render(), status: status)
    }

    func schema(_ request: Request) async throws -> Response {
        let token = try authenticate(request)
        let c = engine.catalog
        var inScopeDepartments: Set<String>?
        if let s = token.scope {
            inScopeDepartments = Set(try await NIOThreadPool.singleton.runIfActive { [self] in departments(within: s) })
        }
        var dims: [(String, JSONValue)] = []
        for d in Dimension.allCases where d != .caller {
            var values = c.values(d)
            if let s = token.scope, d.isPlace {
                let sp = Catalog.Place(level: s.level, name: s.name)
                values = values.filter { c.place(Catalog.Place(level: d, name: $0), isWithin: sp) || c.place(sp, isWithin: Catalog.Place(level: d, name: $0)) }
            }
            if d == .department, let allowed = inScopeDepartments { values = values.filter { allowed.contains($0) } }
            let items: [JSONValue] = values.map { v in
                token.scope == nil ? .object([("value", .string(v)), ("count", .int(Int64(c.counts[d]?[v] ?? 0)))]) : .object([("value", .string(v))])
            }
            dims.append((d.rawValue, .object([("label", .string(d.label)), ("column", .string(d.column)), ("values", .array(items))])))
        }
        let metrics: [JSONValue] = Metric.allCases.map { m in
            .object([("name", .string(m.rawValue)), ("label", .string(m.label)), ("definition", .string(m.definition))])
        }
        let timeWords = engine.resources.lexicon.entries.filter { $0.value.contains { $0.tag == "time" } }.keys.sorted()
        let doc = JSONValue.object([
            ("dimensions", .object(dims)),
            ("metrics", .array(metrics)),
            ("time_words", .array(timeWords.map { .string($0) })),
            ("time_patterns", .array(["N月", "M月D日", "YYYY年", "YYYY-MM-DD", "近N天", "近N个月", "近N年", "第N季度", "X到Y"].map { .string($0) })),
            ("holidays", .array(engine.resources.lexicon.holidays.names.map { .string($0) })),
            ("scope", token.scope.map { .object([($0.level.rawValue, .string($0.name))]) } ?? .null),
        ])
        return .json(doc.render())
    }

    func suggest(_ request: Request) throws -> Response {
        let token = try authenticate(request)
        let q = request.uri.queryParameters["q"].map(String.init) ?? ""
        guard q.unicodeScalars.count <= config.limits.maxQuestionChars else { throw APIError.questionTooLong(config.limits.maxQuestionChars) }
        let c = engine.catalog
        // Place names outside the token's scope are neither completed nor shown in examples.
        func visible(_ d: WenshuCore.Dimension, _ v: String) -> Bool {
            guard let s = token.scope, d.isPlace else { return true }
            let sp = Catalog.Place(level: s.level, name: s.name), p = Catalog.Place(level: d, name: v)
            return c.place(p, isWithin: sp) || c.place(sp, isWithin: p)
        }
        var words: [String] = []
        for d in [WenshuCore.Dimension.district, .street, .subcategory, .category, .kind, .channel] { words += c.values(d).filter { visible(d, $0) } }
        words += engine.resources.lexicon.entries.compactMap { k, v in v.contains { ["time", "metric", "dim", "shape", "grain"].contains($0.tag) } ? k : nil }.sorted()
        var completions: [String] = []
        if !q.isEmpty {
            for len in stride(from: min(4, q.count), through: 1, by: -1) {
                let tail = String(q.suffix(len))
                for w in words where w.hasPrefix(tail) && w != tail && !completions.contains(q + w.dropFirst(len)) {
                    completions.append(q + w.dropFirst(len))
                    if completions.count >= 8 { break }
                }
                if !completions.isEmpty { break }
            }
        }
        let hidden = [WenshuCore.Dimension.district, .street, .community].flatMap { d in c.values(d).filter { !visible(d, $0) } }
        var questions = engine.examples.map { ex in token.scope.map { s in ex.replacingOccurrences(of: c.values(.district).first ?? "", with: s.name) } ?? ex }
        if token.scope != nil { questions = questions.filter { ex in !hidden.contains { ex.contains($0) } } }
        if !q.isEmpty {
            let hits = questions.filter { ex in q.contains { ex.contains($0) } }
            if !hits.isEmpty { questions = hits }
        }
        let doc = JSONValue.object([("q", .string(q)), ("completions", .array(completions.map { .string($0) })), ("questions", .array(questions.map { .string($0) }))])
        return .json(doc.render())
    }
}
