/// The OpenAPI 3 description of the HTTP API, served at /openapi.yaml. A test checks that
/// its paths are exactly the routes the server registers and that answers carry its fields.
enum OpenAPI {
    static let document = """
    openapi: 3.0.3
    info:
      title: wenshu 问数 API
      version: "1.0"
      description: Ask the 12345 ticket store questions in Chinese. Answers follow the wenshu contract (section 8).
    servers:
      - url: http://127.0.0.1:8080
    components:
      securitySchemes:
        bearer:
          type: http
          scheme: bearer
      responses:
        BadRequest: {description: "Bad request (bad_json, missing_question, question_too_long, bad_now, bad_request)", content: {application/json: {schema: {$ref: '#/components/schemas/Error'}}}}
        Unauthorized: {description: Missing or unknown token, content: {application/json: {schema: {$ref: '#/components/schemas/Error'}}}}
        TooLarge: {description: Body too large, content: {application/json: {schema: {$ref: '#/components/schemas/Error'}}}}
        RateLimited: {description: Rate limited, content: {application/json: {schema: {$ref: '#/components/schemas/Error'}}}}
        Unavailable: {description: "Too many connections, or the audit log cannot be written while audit_required is set", content: {application/json: {schema: {$ref: '#/components/schemas/Error'}}}}
        AskUnavailable: {description: "The store failed (an answer with status error), too many connections, or audit_unavailable", content: {application/json: {schema: {oneOf: [{$ref: '#/components/schemas/Answer'}, {$ref: '#/components/schemas/Error'}]}}}}
        BotForbidden: {description: "Bad, stale or replayed signature; undecryptable payload", content: {application/json: {schema: {$ref: '#/components/schemas/Error'}}}}
        BotNotConfigured: {description: This bot is not configured, content: {application/json: {schema: {$ref: '#/components/schemas/Error'}}}}
      schemas:
        Error:
          type: object
          required: [error]
          properties:
            error:
              type: object
              required: [code, message]
              properties:
                code: {type: string, enum: [unauthorized, bad_request, bad_json, bad_xml, missing_question, bad_now, question_too_long, body_too_large, rate_limited, not_found, method_not_allowed, http_error, internal, audit_unavailable, too_many_connections, bad_signature, bot_not_configured]}
                message: {type: string}
        AskRequest:
          type: object
          required: [question]
          properties:
            question: {type: string, minLength: 1, maxLength: 200, pattern: '\\S', description: "At most 200 characters (Unicode code points), not only whitespace."}
            session_id: {type: string, maxLength: 128, description: Keeps a conversation's context for follow-ups.}
            now: {type: string, pattern: '^((19[7-9][0-9]|20[0-9][0-9]|2100)-(0[13578]|1[02])-(0[1-9]|[12][0-9]|3[01])|(19[7-9][0-9]|20[0-9][0-9]|2100)-(0[469]|11)-(0[1-9]|[12][0-9]|30)|(19[7-9][0-9]|20[0-9][0-9]|2100)-02-(0[1-9]|1[0-9]|2[0-8])|(19(7[26]|8[048]|9[26])|20([02468][048]|[13579][26]))-02-29)( ([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9])?)?$', description: "Reference time 'YYYY-MM-DD HH:MM:SS' (or 'YYYY-MM-DD', 'YYYY-MM-DD HH:MM'), a real calendar date from 1970 to 2100."}
            format: {type: string, enum: [json, csv]}
        Answer:
          type: object
          required: [question, status, interpretation, time_range, sql, params, columns, rows, summary, message, suggestions]
          properties:
            question: {type: string}
            status: {type: string, enum: [answered, clarify, unsupported, denied, error]}
            interpretation: {type: string, nullable: true}
            time_range:
              type: object
              nullable: true
              properties:
                start: {type: string}
                end: {type: string}
            sql: {type: string, nullable: true}
            params: {type: array, items: {}}
            columns: {type: array, items: {type: string}}
            rows: {type: array, items: {type: array, items: {}}}
            summary: {type: string, nullable: true}
            message: {type: string, nullable: true}
            suggestions: {type: array, items: {type: string}}
            source: {type: string, description: "where the rows were read: tickets, or rollup:NAME of the analytics cache"}
    security:
      - bearer: []
    paths:
      /v1/ask:
        post:
          summary: Answer a question
          requestBody:
            required: true
            content:
              application/json:
                schema: {$ref: '#/components/schemas/AskRequest'}
          responses:
            "200": {description: "An answer (answered, clarify or unsupported)", content: {application/json: {schema: {$ref: '#/components/schemas/Answer'}}, text/csv: {schema: {type: string}}}}
            "400": {$ref: '#/components/responses/BadRequest'}
            "401": {$ref: '#/components/responses/Unauthorized'}
            "403": {description: "Outside the token's data scope (status denied)", content: {application/json: {schema: {$ref: '#/components/schemas/Answer'}}}}
            "413": {$ref: '#/components/responses/TooLarge'}
            "429": {$ref: '#/components/responses/RateLimited'}
            "503": {$ref: '#/components/responses/AskUnavailable'}
        get:
          summary: Answer a question given as ?q=
          parameters:
            - {name: q, in: query, required: true, schema: {type: string, minLength: 1, maxLength: 200, pattern: '\\S'}}
            - {name: session_id, in: query, schema: {type: string, maxLength: 128}}
            - {name: format, in: query, schema: {type: string, enum: [json, csv]}}
          responses:
            "200": {description: An answer, content: {application/json: {schema: {$ref: '#/components/schemas/Answer'}}, text/csv: {schema: {type: string}}}}
            "400": {$ref: '#/components/responses/BadRequest'}
            "401": {$ref: '#/components/responses/Unauthorized'}
            "403": {description: "Outside the token's data scope (status denied)", content: {application/json: {schema: {$ref: '#/components/schemas/Answer'}}}}
            "429": {$ref: '#/components/responses/RateLimited'}
            "503": {$ref: '#/components/responses/AskUnavailable'}
      /v1/schema:
        get:
          summary: "Data dictionary (dimensions with values inside the token's scope, counts for whole-city tokens, metrics with definitions, time words)"
          responses:
            "200": {description: The data dictionary, content: {application/json: {schema: {type: object, required: [dimensions, metrics, time_words, holidays]}}}}
            "401": {$ref: '#/components/responses/Unauthorized'}
            "429": {$ref: '#/components/responses/RateLimited'}
            "503": {$ref: '#/components/responses/Unavailable'}
      /v1/suggest:
        get:
          summary: "Completions and example questions for a partial question (places inside the token's scope only)"
          parameters:
            - {name: q, in: query, schema: {type: string, maxLength: 200}}
          responses:
            "200": {description: Suggestions, content: {application/json: {schema: {type: object, required: [q, completions, questions]}}}}
            "400": {$ref: '#/components/responses/BadRequest'}
            "401": {$ref: '#/components/responses/Unauthorized'}
            "429": {$ref: '#/components/responses/RateLimited'}
            "503": {$ref: '#/components/responses/Unavailable'}
      /healthz:
        get:
          summary: "Liveness only (no counts)"
          security: []
          responses:
            "200": {description: OK, content: {application/json: {schema: {type: object, required: [status], properties: {status: {type: string, enum: [ok]}}, additionalProperties: false}}}}
            "503": {$ref: '#/components/responses/Unavailable'}
      /metrics:
        get:
          summary: "Prometheus metrics (requests, latencies, outcomes, connections, audit and store health)"
          security: []
          responses:
            "200": {description: Prometheus text format, content: {text/plain: {schema: {type: string}}}}
            "503": {$ref: '#/components/responses/Unavailable'}
      /openapi.yaml:
        get:
          summary: This document
          security: []
          responses:
            "200": {description: OpenAPI 3 YAML, content: {application/yaml: {schema: {type: string}}}}
            "503": {$ref: '#/components/responses/Unavailable'}
      /bots/dingtalk:
        post:
          summary: "DingTalk robot callback (timestamp + sign headers, HMAC-SHA256, each pair accepted once); replies with a markdown message"
          security: []
          responses:
            "200": {description: A markdown message, content: {application/json: {schema: {type: object}}}}
            "400": {$ref: '#/components/responses/BadRequest'}
            "403": {$ref: '#/components/responses/BotForbidden'}
            "404": {$ref: '#/components/responses/BotNotConfigured'}
            "413": {$ref: '#/components/responses/TooLarge'}
            "503": {$ref: '#/components/responses/Unavailable'}
      /bots/wecom:
        get:
          summary: "WeCom URL verification (msg_signature, timestamp, nonce, echostr)"
          security: []
          responses:
            "200": {description: The decrypted echostr, content: {text/plain: {schema: {type: string}}}}
            "400": {$ref: '#/components/responses/BadRequest'}
            "403": {$ref: '#/components/responses/BotForbidden'}
            "404": {$ref: '#/components/responses/BotNotConfigured'}
            "503": {$ref: '#/components/responses/Unavailable'}
        post:
          summary: WeCom encrypted XML message; encrypted passive reply
          security: []
          responses:
            "200": {description: "Encrypted XML reply (or 'success' for messages that are not text)", content: {application/xml: {schema: {type: string}}, text/plain: {schema: {type: string}}}}
            "400": {$ref: '#/components/responses/BadRequest'}
            "403": {$ref: '#/components/responses/BotForbidden'}
            "404": {$ref: '#/components/responses/BotNotConfigured'}
            "413": {$ref: '#/components/responses/TooLarge'}
            "503": {$ref: '#/components/responses/Unavailable'}
      /bots/feishu:
        post:
          summary: "Feishu event subscription (url_verification, im.message.receive_v1); with an encrypt key every event must carry fresh X-Lark-* signature headers; replies through the reply API"
          security: []
          responses:
            "200": {description: Challenge or acknowledgement, content: {application/json: {schema: {type: object}}}}
            "400": {$ref: '#/components/responses/BadRequest'}
            "403": {$ref: '#/components/responses/BotForbidden'}
            "404": {$ref: '#/components/responses/BotNotConfigured'}
            "413": {$ref: '#/components/responses/TooLarge'}
            "503": {$ref: '#/components/responses/Unavailable'}
      /exports/{id}:
        get:
          summary: "Full CSV of a bot answer (unguessable id, expires; count and size capped, oldest dropped first)"
          security: []
          parameters:
            - {name: id, in: path, required: true, schema: {type: string}}
          responses:
            "200": {description: CSV, content: {text/csv: {schema: {type: string}}}}
            "404": {description: Unknown or expired, content: {application/json: {schema: {$ref: '#/components/schemas/Error'}}}}
            "503": {$ref: '#/components/responses/Unavailable'}
    """
}
