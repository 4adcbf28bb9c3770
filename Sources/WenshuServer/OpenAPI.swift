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
      schemas:
        Error:
          type: object
          required: [error]
          properties:
            error:
              type: object
              required: [code, message]
              properties:
                code: {type: string, enum: [unauthorized, bad_request, bad_json, missing_question, bad_now, question_too_long, body_too_large, rate_limited, not_found, http_error, internal]}
                message: {type: string}
        AskRequest:
          type: object
          required: [question]
          properties:
            question: {type: string, maxLength: 200}
            session_id: {type: string, description: Keeps a conversation's context for follow-ups.}
            now: {type: string, description: "Reference time 'YYYY-MM-DD HH:MM:SS'."}
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
            "400": {description: Bad request, content: {application/json: {schema: {$ref: '#/components/schemas/Error'}}}}
            "401": {description: Missing or unknown token, content: {application/json: {schema: {$ref: '#/components/schemas/Error'}}}}
            "403": {description: "Outside the token's data scope (status denied)", content: {application/json: {schema: {$ref: '#/components/schemas/Answer'}}}}
            "413": {description: Body too large, content: {application/json: {schema: {$ref: '#/components/schemas/Error'}}}}
            "429": {description: Rate limited, content: {application/json: {schema: {$ref: '#/components/schemas/Error'}}}}
            "503": {description: "The store failed (status error)", content: {application/json: {schema: {$ref: '#/components/schemas/Answer'}}}}
        get:
          summary: Answer a question given as ?q=
          parameters:
            - {name: q, in: query, required: true, schema: {type: string}}
            - {name: session_id, in: query, schema: {type: string}}
            - {name: format, in: query, schema: {type: string, enum: [json, csv]}}
          responses:
            "200": {description: An answer, content: {application/json: {schema: {$ref: '#/components/schemas/Answer'}}, text/csv: {schema: {type: string}}}}
            "400": {description: Bad request, content: {application/json: {schema: {$ref: '#/components/schemas/Error'}}}}
            "401": {description: Missing or unknown token, content: {application/json: {schema: {$ref: '#/components/schemas/Error'}}}}
            "403": {description: Outside the token's data scope, content: {application/json: {schema: {$ref: '#/components/schemas/Answer'}}}}
      /v1/schema:
        get:
          summary: "Data dictionary (dimensions with values and counts, metrics with definitions, time words)"
          responses:
            "200": {description: The data dictionary, content: {application/json: {schema: {type: object, required: [dimensions, metrics, time_words, holidays]}}}}
            "401": {description: Missing or unknown token, content: {application/json: {schema: {$ref: '#/components/schemas/Error'}}}}
      /v1/suggest:
        get:
          summary: Completions and example questions for a partial question
          parameters:
            - {name: q, in: query, schema: {type: string}}
          responses:
            "200": {description: Suggestions, content: {application/json: {schema: {type: object, required: [q, completions, questions]}}}}
            "401": {description: Missing or unknown token, content: {application/json: {schema: {$ref: '#/components/schemas/Error'}}}}
      /healthz:
        get:
          summary: Liveness
          security: []
          responses:
            "200": {description: OK, content: {application/json: {schema: {type: object, required: [status]}}}}
      /metrics:
        get:
          summary: "Prometheus metrics (requests, latencies, outcomes by status)"
          security: []
          responses:
            "200": {description: Prometheus text format, content: {text/plain: {schema: {type: string}}}}
      /openapi.yaml:
        get:
          summary: This document
          security: []
          responses:
            "200": {description: OpenAPI 3 YAML, content: {application/yaml: {schema: {type: string}}}}
      /bots/dingtalk:
        post:
          summary: "DingTalk robot callback (timestamp + sign headers, HMAC-SHA256); replies with a markdown message"
          security: []
          responses:
            "200": {description: A markdown message, content: {application/json: {schema: {type: object}}}}
            "403": {description: Bad or stale signature, content: {application/json: {schema: {$ref: '#/components/schemas/Error'}}}}
      /bots/wecom:
        get:
          summary: "WeCom URL verification (msg_signature, timestamp, nonce, echostr)"
          security: []
          responses:
            "200": {description: The decrypted echostr, content: {text/plain: {schema: {type: string}}}}
            "403": {description: Bad signature, content: {application/json: {schema: {$ref: '#/components/schemas/Error'}}}}
        post:
          summary: WeCom encrypted XML message; encrypted passive reply
          security: []
          responses:
            "200": {description: Encrypted XML reply, content: {application/xml: {schema: {type: string}}}}
            "403": {description: Bad signature or ciphertext, content: {application/json: {schema: {$ref: '#/components/schemas/Error'}}}}
      /bots/feishu:
        post:
          summary: "Feishu event subscription (url_verification, im.message.receive_v1); replies through the reply API"
          security: []
          responses:
            "200": {description: Challenge or acknowledgement, content: {application/json: {schema: {type: object}}}}
            "403": {description: "Bad token, signature or ciphertext", content: {application/json: {schema: {$ref: '#/components/schemas/Error'}}}}
      /exports/{id}:
        get:
          summary: "Full CSV of a bot answer (unguessable id, expires after an hour)"
          security: []
          parameters:
            - {name: id, in: path, required: true, schema: {type: string}}
          responses:
            "200": {description: CSV, content: {text/csv: {schema: {type: string}}}}
            "404": {description: Unknown or expired, content: {application/json: {schema: {$ref: '#/components/schemas/Error'}}}}
    """
}
