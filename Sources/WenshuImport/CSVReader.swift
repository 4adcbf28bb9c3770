import Foundation

/// One record of a source table: its cells and where it starts in the file (1-based line
/// for CSV, the sheet's row number for XLSX), so rejections can point to it.
struct SourceRecord {
    var line: Int
    var cells: [String]
    /// How far through the file this record ends, 0…1, for progress.
    var fraction: Double
}

/// A table read from a source file.
protocol TableReader {
    var format: String { get }
    var encoding: String { get }
    func forEach(_ body: (SourceRecord) throws -> Void) throws
}

/// RFC 4180 CSV (quotes, doubled quotes, line breaks inside quotes, CRLF or LF), with the
/// delimiter guessed from the first lines (comma, tab or semicolon).
struct CSVReader: TableReader {
    let bytes: [UInt8]
    let encoding: String
    let file: String
    let delimiter: UInt8
    var format: String { delimiter == 0x09 ? "TSV" : "CSV" }

    init(data: Data, forcedEncoding: String, file: String) throws {
        (bytes, encoding) = try TextDecoding.decode(data, forced: forcedEncoding, file: file)
        self.file = file
        delimiter = CSVReader.guessDelimiter(bytes)
    }

    static func guessDelimiter(_ b: [UInt8]) -> UInt8 {
        var counts: [UInt8: Int] = [0x2C: 0, 0x09: 0, 0x3B: 0]
        var lines = 0
        for c in b.prefix(64 * 1024) {
            if c == 0x0A { lines += 1; if lines >= 40 { break } }
            if counts[c] != nil { counts[c]! += 1 }
        }
        let best = counts.max { $0.value < $1.value || ($0.value == $1.value && $0.key != 0x2C) }
        return (best?.value ?? 0) > 0 ? best!.key : 0x2C
    }

    func forEach(_ body: (SourceRecord) throws -> Void) throws {
        let d = delimiter
        let total = Double(max(1, bytes.count))
        try bytes.withUnsafeBufferPointer { buf in
            let n = buf.count
            var i = 0
            var line = 1
            while i < n {
                let startLine = line
                var cells: [String] = []
                var endOfRecord = false
                while !endOfRecord {
                    // One field.
                    if i < n && buf[i] == 0x22 {
                        var field: [UInt8] = []
                        i += 1
                        var closed = false
                        while i < n {
                            let c = buf[i]
                            if c == 0x22 {
                                if i + 1 < n && buf[i + 1] == 0x22 { field.append(0x22); i += 2; continue }
                                i += 1
                                closed = true
                                break
                            }
                            if c == 0x0A { line += 1 }
                            field.append(c)
                            i += 1
                        }
                        guard closed else {
                            throw ImportError(.input, "\(file) 第 \(startLine) 行起的引号没有闭合，文件可能被截断或格式不对。")
                        }
                        // Text after the closing quote up to the delimiter is kept, as spreadsheets do.
                        while i < n && buf[i] != d && buf[i] != 0x0A && buf[i] != 0x0D { field.append(buf[i]); i += 1 }
                        cells.append(String(decoding: field, as: UTF8.self))
                    } else {
                        let start = i
                        while i < n && buf[i] != d && buf[i] != 0x0A && buf[i] != 0x0D { i += 1 }
                        cells.append(String(decoding: UnsafeBufferPointer(rebasing: buf[start..<i]), as: UTF8.self))
                    }
                    if i >= n { endOfRecord = true; break }
                    let c = buf[i]
                    if c == d { i += 1; continue }
                    // Line end: CRLF, LF or a lone CR.
                    if c == 0x0D { i += 1; if i < n && buf[i] == 0x0A { i += 1 } } else { i += 1 }
                    line += 1
                    endOfRecord = true
                }
                if cells.count == 1 && cells[0].isEmpty { continue }  // blank line
                try body(SourceRecord(line: startLine, cells: cells, fraction: Double(i) / total))
            }
        }
    }
}
