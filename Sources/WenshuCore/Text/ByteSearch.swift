#if canImport(Glibc)
import Glibc
#endif

/// Byte-string search in UTF-8 text (no Foundation string search, no String built).
enum ByteSearch {
    /// Whether `word` occurs in `text`: memchr to each place its last byte occurs, then
    /// memcmp (the last byte of a Chinese word is a continuation byte, far rarer in Chinese
    /// text than a lead byte).
    static func occurs(_ word: [UInt8], in text: UnsafeBufferPointer<UInt8>) -> Bool {
        guard let anchor = word.last, let base = text.baseAddress, word.count <= text.count else { return word.isEmpty }
        let k = word.count - 1
        var from = k
        while from < text.count, let hit = memchr(base + from, Int32(anchor), text.count - from) {
            let end = base.distance(to: hit.assumingMemoryBound(to: UInt8.self))
            if word.withUnsafeBytes({ w in w.baseAddress.map { memcmp(base + end - k, $0, k) } }) == 0 { return true }
            from = end + 1
        }
        return false
    }

    /// Whether `word` occurs in `text`, both as UTF-8.
    static func occurs(_ word: String, in text: String) -> Bool {
        var text = text
        return text.withUTF8 { occurs(Array(word.utf8), in: $0) }
    }
}
