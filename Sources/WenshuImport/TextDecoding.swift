import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Turns a text file's bytes into UTF-8: a BOM decides, else valid UTF-8 stays UTF-8, else
/// GB18030 (a superset of GBK and GB2312), through glibc's iconv.
enum TextDecoding {
    static func decode(_ data: Data, forced: String, file: String) throws -> (bytes: [UInt8], encoding: String) {
        if data.starts(with: [0xEF, 0xBB, 0xBF]) { return try utf8(Array(data.dropFirst(3)), file: file, label: "UTF-8（带 BOM）") }
        if data.starts(with: [0xFF, 0xFE]) || data.starts(with: [0xFE, 0xFF]) {
            guard let s = String(data: data, encoding: .utf16) else { throw ImportError(.input, "\(file)：UTF-16 文本无法解码。") }
            return (Array(s.utf8), "UTF-16")
        }
        let bytes = [UInt8](data)
        if bytes.contains(0) { throw ImportError(.input, "\(file) 含有 NUL 字节，不是 CSV 文本（若是 Excel 文件，请另存为 .xlsx 或 CSV）。") }
        switch forced {
        case "utf-8": return try utf8(bytes, file: file, label: "UTF-8")
        case "gb18030": return (try gb18030(bytes, file: file), "GB18030")
        default:
            if isValidUTF8(bytes) { return (bytes, "UTF-8") }
            return (try gb18030(bytes, file: file), "GB18030")
        }
    }

    private static func utf8(_ b: [UInt8], file: String, label: String) throws -> ([UInt8], String) {
        guard isValidUTF8(b) else { throw ImportError(.input, "\(file) 不是合法的 UTF-8 文本（映射指定了 encoding: utf-8）。") }
        return (b, label)
    }

    static func isValidUTF8(_ b: [UInt8]) -> Bool {
        b.withUnsafeBufferPointer { buf in
            var i = 0
            let n = buf.count
            while i < n {
                let c = buf[i]
                if c < 0x80 { i += 1; continue }
                let len: Int
                if c & 0xE0 == 0xC0, c >= 0xC2 { len = 2 } else if c & 0xF0 == 0xE0 { len = 3 } else if c & 0xF8 == 0xF0, c <= 0xF4 { len = 4 } else { return false }
                guard i + len <= n else { return false }
                for k in 1..<len where buf[i + k] & 0xC0 != 0x80 { return false }
                // Overlong three-byte forms and surrogates.
                if len == 3 {
                    let c1 = buf[i + 1]
                    if c == 0xE0 && c1 < 0xA0 { return false }
                    if c == 0xED && c1 >= 0xA0 { return false }
                }
                i += len
            }
            return true
        }
    }

    static func gb18030(_ input: [UInt8], file: String) throws -> [UInt8] {
        if input.isEmpty { return [] }
        let cd = iconv_open("UTF-8", "GB18030")
        guard cd != iconv_t(bitPattern: -1) else { throw ImportError(.input, "本机的 iconv 不支持 GB18030，无法读取 \(file)。") }
        defer { iconv_close(cd) }
        // Two GB18030 bytes become at most three UTF-8 bytes, four stay four: twice is enough.
        var out = [UInt8](repeating: 0, count: input.count * 2 + 16)
        var produced = 0
        var failed = false
        input.withUnsafeBufferPointer { inBuf in
            out.withUnsafeMutableBufferPointer { outBuf in
                var inPtr: UnsafeMutablePointer<CChar>? = UnsafeMutablePointer(mutating: UnsafeRawPointer(inBuf.baseAddress!).assumingMemoryBound(to: CChar.self))
                var inLeft = inBuf.count
                var outPtr: UnsafeMutablePointer<CChar>? = UnsafeMutableRawPointer(outBuf.baseAddress!).assumingMemoryBound(to: CChar.self)
                var outLeft = outBuf.count
                let rc = iconv(cd, &inPtr, &inLeft, &outPtr, &outLeft)
                failed = rc == -1 || inLeft != 0
                produced = outBuf.count - outLeft
            }
        }
        guard !failed else {
            throw ImportError(.input, "\(file) 既不是 UTF-8 也不是 GB18030 文本（可能是二进制文件或其它编码）。请另存为 UTF-8 CSV 或 .xlsx。")
        }
        out.removeSubrange(produced...)
        return out
    }
}
