import Hummingbird

/// Errors the API returns, each with a stable code. Only here do they become HTTP statuses.
struct APIError: Error {
    let status: HTTPResponse.Status
    let code: String
    let message: String

    static let unauthorized = APIError(status: .unauthorized, code: "unauthorized", message: "需要有效的 Bearer token。")
    static func badRequest(_ m: String) -> APIError { APIError(status: .badRequest, code: "bad_request", message: m) }
    static func tooLarge(_ limit: Int) -> APIError { APIError(status: .contentTooLarge, code: "body_too_large", message: "请求体超过 \(limit) 字节上限。") }
    static func questionTooLong(_ limit: Int) -> APIError { APIError(status: .badRequest, code: "question_too_long", message: "问题超过 \(limit) 字上限。") }
    static let rateLimited = APIError(status: .tooManyRequests, code: "rate_limited", message: "请求太频繁，请稍后再试。")
    static let notFound = APIError(status: .notFound, code: "not_found", message: "没有这个接口。")

    var body: String {
        JSONValueLite.object(["error": .object(["code": .string(code), "message": .string(message)])]).render()
    }
}

/// Minimal JSON for error bodies (keys sorted; no dependency on the answer writer).
indirect enum JSONValueLite {
    case string(String), object([String: JSONValueLite])
    func render() -> String {
        switch self {
        case .string(let s):
            var o = "\""
            for u in s.unicodeScalars {
                switch u {
                case "\"": o += "\\\""
                case "\\": o += "\\\\"
                case "\n": o += "\\n"
                default: if u.value < 0x20 { o += "\\u00" + (u.value < 16 ? "0" : "") + String(u.value, radix: 16) } else { o.unicodeScalars.append(u) }
                }
            }
            return o + "\""
        case .object(let d):
            return "{" + d.keys.sorted().map { JSONValueLite.string($0).render() + ": " + d[$0]!.render() }.joined(separator: ", ") + "}"
        }
    }
}
