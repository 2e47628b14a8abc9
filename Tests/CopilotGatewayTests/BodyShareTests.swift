import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Testing

@testable import CopilotGateway

/// Live, as the probe did it: one API key holding almost-complete bodies it never finishes takes at
/// most its share of the memory for bodies, so another key's requests go on being answered.
@Suite struct BodyShareTests {
    static let keyA = "key-a-0123456789abcdef"
    static let keyB = "key-b-0123456789abcdef"

    @Test func oneKeysStalledBodiesDoNotLockOutAnotherKey() async throws {
        // 1 MiB bodies: 8 MiB for all bodies being read, 2 MiB for one key's.
        let environment = [
            "GATEWAY_API_KEYS": "\(Self.keyA),\(Self.keyB)", "GATEWAY_MAX_BODY_MB": "1", "GATEWAY_BODY_TIMEOUT_SECONDS": "20",
            "GATEWAY_IDLE_TIMEOUT_SECONDS": "30",
        ]
        try await GatewayHarness.run(environment: environment) { client, _ in
            let port = try #require(client.port)
            let stalled = "POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer \(Self.keyA)\r\n"
                + "Content-Type: application/json\r\nContent-Length: 1048576\r\n\r\n" + String(repeating: " ", count: 1_048_572)
            // Key A stalls eight bodies 4 bytes short of the limit, as the probe did: together they
            // would take all but 32 bytes of the memory for bodies; two fit its share.
            let holds = (0..<8).map { _ in
                Task { try await RawHTTP.exchange(port: port, sending: stalled, within: .seconds(4)) }
            }
            try await Task.sleep(for: .seconds(1))
            for _ in 0..<5 {
                let answer = try await client.execute(
                    uri: "/v1/chat/completions", method: .post,
                    headers: [.authorization: "Bearer \(Self.keyB)", .contentType: "application/json"],
                    body: .init(string: #"{"model":"copilot","messages":[{"role":"user","content":"REPLY `B` ONLY"}]}"#))
                #expect(answer.status == .ok, "key B is answered while key A holds its share")
            }
            var refused = 0
            for hold in holds {
                let answer = try await hold.value
                if answer.text.hasPrefix("HTTP/1.1 429") {
                    refused += 1
                    #expect(answer.text.contains(#""code":"body_share_exceeded""#))
                }
            }
            #expect(refused == 6, "key A's bodies beyond its share of 2 MiB are refused with 429")
        }
    }
}
