/// Matching on arrays of characters, for the image-request rules.
extension Array where Element == Character {
    /// The start offsets of every occurrence of `part`.
    func occurrences(of part: [Character]) -> [Int] {
        guard !part.isEmpty, part.count <= count else { return [] }
        return (0...(count - part.count)).filter { self[$0..<($0 + part.count)].elementsEqual(part) }
    }

    func contains(subsequence part: [Character]) -> Bool {
        !occurrences(of: part).isEmpty
    }

    func ends(with part: [Character]) -> Bool {
        count >= part.count && suffix(part.count).elementsEqual(part)
    }
}

extension ArraySlice where Element == Character {
    func contains(subsequence part: [Character]) -> Bool {
        Array(self).contains(subsequence: part)
    }
}

extension String {
    func replacingApostrophes() -> String {
        String(map { $0 == "\u{2019}" ? "'" : $0 })
    }
}
