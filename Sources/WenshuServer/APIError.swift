import Hummingbird
import WenshuCore

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
    static let methodNotAllowed = APIError(status: .methodNotAllowed, code: "method_not_allowed", message: "这个接口不支持该请求方法。")
    static let missingQuestion = APIError(status: .badRequest, code: "missing_question", message: "需要字符串字段 question。")
    static func badField(_ m: String) -> APIError { APIError(status: .badRequest, code: "bad_request", message: m) }
    static let auditUnavailable = APIError(status: .serviceUnavailable, code: "audit_unavailable", message: "审计日志无法写入，按配置（audit_required）暂停回答。")

    var body: String {
        JSONValue.object([("error", .object([("code", .string(code)), ("message", .string(message))]))]).render()
    }
}
