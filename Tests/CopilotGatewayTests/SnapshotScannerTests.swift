import Foundation
import Testing

@testable import CopilotGateway

/// The scanner must read every snapshot exactly as `JSONDecoder` does, or leave it to `JSONDecoder`.
struct SnapshotScannerTests {
    static func decoded(_ json: String) -> GraphConversation? {
        try? JSONDecoder().decode(GraphConversation.self, from: Data(json.utf8))
    }

    @Test(arguments: 0..<8)
    func theScannerReadsEveryGeneratedSnapshotExactlyAsJSONDecoderDoes(batch: UInt64) throws {
        var writer = SnapshotJSONWriter(seed: 1000 + batch)
        for _ in 0..<250 {
            writer = SnapshotJSONWriter(seed: writer.random.next())
            let count = Int.random(in: 0..<3, using: &writer.random)
            let messages: [(String?, String?)]? = writer.random.chance(0.9)
                ? (0..<count).map { _ in (writer.random.chance(0.8) ? "m-\(writer.text(pieces: 1))" : nil, writer.random.chance(0.9) ? writer.text(pieces: 6) : nil) }
                : nil
            let json = writer.snapshot(messages: messages, final: writer.random.chance(0.2))
            let expected = try #require(Self.decoded(json), "the generator writes valid snapshots: \(json)")
            var scanner = SnapshotScanner()
            #expect(scanner.scan(json) == expected, "\(json)")
        }
    }

    @Test(arguments: 0..<4)
    func aGrowingReplyReadThroughOneScannerEqualsEachSnapshotDecodedWhole(stream: UInt64) throws {
        var writer = SnapshotJSONWriter(seed: 77 + stream)
        var scanner = SnapshotScanner()
        var text = ""
        var scannedWithoutFallback = 0
        for step in 0..<60 {
            text += writer.text(pieces: Int.random(in: 0..<4, using: &writer.random))
            if step % 17 == 16 {
                // Copilot rewrites text it already sent now and then (it adds citation markers).
                text = "[^1^] " + String(text.dropFirst(3))
            }
            let final = step == 59
            let messages: [(String?, String?)] = final ? [("echo", "hi"), ("reply", text)] : [("reply", text)]
            let json = writer.snapshot(messages: messages, final: final)
            let expected = try #require(Self.decoded(json))
            let scanned = scanner.scan(json)
            if scanned != nil { scannedWithoutFallback += 1 }
            #expect(scanned == expected, "step \(step): \(json)")
        }
        #expect(scannedWithoutFallback == 60)
    }

    @Test(arguments: [
        #"{"error":{"code":"x","message":"y"}}"#,
        #"{"id":"a","id":"b"}"#,
        #"{"messages":[{"text":"a","text":"b"}]}"#,
        #"{"\u0069d":"a"}"#,
        #"{"id":"a"} {"id":"b"}"#,
        #"{"id":5}"#,
        #"{"turnCount":1.5}"#,
        #"{"turnCount":1e2}"#,
        #"{"messages":[null]}"#,
        #"{"messages":[{"text":"\ud83d"}]}"#,
        #"{"messages":[{"text":"\x"}]}"#,
        #"{"x":[1,]}"#,
        #"{"x":01}"#,
        "[DONE]",
        "",
    ])
    func whatTheScannerDoesNotExpectIsLeftToJSONDecoder(json: String) {
        var scanner = SnapshotScanner()
        #expect(scanner.scan(json) == nil)
    }

    @Test func theLastTextsDecodedPartIsReusedOnlyWhenTheEscapedBytesMatch() {
        var scanner = SnapshotScanner()
        #expect(scanner.scan(#"{"messages":[{"text":"caf\u00e9 \ud83d\ude00"}]}"#)?.messages?.first?.text == "café 😀")
        #expect(scanner.scan(#"{"messages":[{"text":"caf\u00e9 \ud83d\ude00 and\/more"}]}"#)?.messages?.first?.text == "café 😀 and/more")
        // The same text escaped another way is decoded whole.
        #expect(scanner.scan(#"{"messages":[{"text":"café 😀 and/more!"}]}"#)?.messages?.first?.text == "café 😀 and/more!")
        #expect(scanner.scan(#"{"messages":[{"text":"caf"}]}"#)?.messages?.first?.text == "caf")
    }

    @Test func attributionsRepeatedByEverySnapshotAreReadAsJSONDecoderReadsThemEvenWhenTheyChange() {
        var scanner = SnapshotScanner()
        func snapshot(_ attributions: String) -> String { #"{"messages":[{"text":"a","attributions":\#(attributions)}]}"# }
        let one = #"[{"attributionType":"citation","providerDisplayName":"One","seeMoreWebUrl":"https://x/1"}]"#
        let two = #"[{"attributionType":"citation","providerDisplayName":"Two","seeMoreWebUrl":"https://x/2"}]"#
        for attributions in [one, one, two, two, #""not a list""#, #""not a list""#, one] {
            let json = snapshot(attributions)
            let scanned = scanner.scan(json)
            #expect(scanned != nil && scanned == Self.decoded(json), "\(json)")
        }
        let names = scanner.scan(snapshot(two))?.messages?.first?.attributions?.map(\.providerDisplayName)
        #expect(names == ["Two"])
    }

    @Test(arguments: 0..<8)
    func aDamagedSnapshotIsNeverReadDifferentlyFromJSONDecoder(batch: UInt64) {
        var writer = SnapshotJSONWriter(seed: 5000 + batch)
        let damage: [UInt8] = Array("{}[],:\"\\ x0-.e\n".utf8)
        for _ in 0..<300 {
            let json = writer.snapshot(messages: [("r", writer.text(pieces: 3))], final: writer.random.chance(0.2))
            var bytes = Array(json.utf8)
            for _ in 0..<Int.random(in: 1...3, using: &writer.random) where !bytes.isEmpty {
                let at = Int.random(in: 0..<bytes.count, using: &writer.random)
                switch Int.random(in: 0..<3, using: &writer.random) {
                case 0: bytes.remove(at: at)
                case 1: bytes.insert(writer.random.pick(damage), at: at)
                default: bytes.removeLast(bytes.count - at)
                }
            }
            let damaged = String(decoding: bytes, as: UTF8.self)
            var scanner = SnapshotScanner()
            if let scanned = scanner.scan(damaged) {
                #expect(scanned == Self.decoded(damaged), "\(damaged)")
            }
        }
    }
}

extension SnapshotScanner {
    mutating func scan(_ json: String) -> GraphConversation? { scan(Array(json.utf8)) }
}
