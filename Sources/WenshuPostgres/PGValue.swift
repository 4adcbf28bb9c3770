import Foundation
import NIOCore
import PostgresNIO
import WenshuCore

/// PostgreSQL result cells as the values SQLite would give for the same column: integers,
/// doubles (numeric included), text, and times as 'YYYY-MM-DD HH:MM:SS' text.
enum PGValue {
    static let int2: UInt32 = 21, int4: UInt32 = 23, int8: UInt32 = 20, oid: UInt32 = 26
    static let float4: UInt32 = 700, float8: UInt32 = 701, numeric: UInt32 = 1700, bool: UInt32 = 16
    static let date: UInt32 = 1082, timestamp: UInt32 = 1114, timestamptz: UInt32 = 1184

    static func decode(_ cell: PostgresCell) -> DBValue {
        guard var b = cell.bytes else { return .null }
        let type = cell.dataType.rawValue
        if cell.format == .text {
            let s = b.readString(length: b.readableBytes) ?? ""
            switch type {
            case int2, int4, int8, oid: return Int64(s).map(DBValue.integer) ?? .text(s)
            case float4, float8, numeric: return Double(s).map(DBValue.real) ?? .text(s)
            case bool: return .integer(s == "t" ? 1 : 0)
            default: return .text(s)
            }
        }
        switch type {
        case int2: return b.readInteger(as: Int16.self).map { .integer(Int64($0)) } ?? .null
        case int4: return b.readInteger(as: Int32.self).map { .integer(Int64($0)) } ?? .null
        case oid: return b.readInteger(as: UInt32.self).map { .integer(Int64($0)) } ?? .null
        case int8: return b.readInteger(as: Int64.self).map { .integer($0) } ?? .null
        case float4: return b.readInteger(as: UInt32.self).map { .real(Double(Float(bitPattern: $0))) } ?? .null
        case float8: return b.readInteger(as: UInt64.self).map { .real(Double(bitPattern: $0)) } ?? .null
        case bool: return b.readInteger(as: UInt8.self).map { .integer($0 == 0 ? 0 : 1) } ?? .null
        case numeric:
            // Through the decimal string, so the double is the correctly rounded one.
            guard let s = PostgresData(type: .numeric, value: b).numeric?.string, let d = Double(s) else { return .null }
            return .real(d)
        case timestamp, timestamptz:
            guard let us = b.readInteger(as: Int64.self) else { return .null }
            return .text(formatTimestamp(microsSince2000: us))
        case date:
            guard let d = b.readInteger(as: Int32.self) else { return .null }
            return .text(formatDay(Int64(d)))
        default:
            return .text(b.readString(length: b.readableBytes) ?? "")
        }
    }

    /// 'YYYY-MM-DD HH:MM:SS', with '.ffffff' only when there are fractions of a second.
    static func formatTimestamp(microsSince2000 us: Int64) -> String {
        let perDay: Int64 = 86_400_000_000
        var days = us / perDay, rem = us % perDay
        if rem < 0 { rem += perDay; days -= 1 }
        let secs = rem / 1_000_000, frac = rem % 1_000_000
        var s = formatDay(days) + String(format: " %02d:%02d:%02d", Int(secs / 3600), Int(secs / 60 % 60), Int(secs % 60))
        if frac != 0 { s += String(format: ".%06d", Int(frac)) }
        return s
    }

    /// Days since 2000-01-01 → 'YYYY-MM-DD' (the core's proleptic Gregorian days; 10,957 days from 1970).
    /// PostgreSQL bounds its dates (±294,276 years), so the sum cannot overflow.
    static func formatDay(_ daysSince2000: Int64) -> String {
        Day(ordinal: Int(daysSince2000) + 10_957).iso
    }
}
