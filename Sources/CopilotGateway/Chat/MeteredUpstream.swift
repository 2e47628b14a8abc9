/// An account's upstream whose every call is timed and counted for `/metrics` (`call`: create, chat,
/// stream; `account`).
struct MeteredUpstream: CopilotUpstream {
    let base: any CopilotUpstream
    let metrics: GatewayMetrics
    let account: String

    func createConversation() async throws -> String {
        try await timed("create") { try await base.createConversation() }
    }

    func chat(conversationID: String, request: GraphChatRequest) async throws -> GraphConversation {
        try await timed("chat") { try await base.chat(conversationID: conversationID, request: request) }
    }

    func openStream(conversationID: String, request: GraphChatRequest) async throws -> any ReplySnapshots {
        try await timed("stream") { try await base.openStream(conversationID: conversationID, request: request) }
    }

    private func timed<T>(_ call: String, _ operation: () async throws -> T) async throws -> T {
        let start = ContinuousClock.now
        do {
            let result = try await UpstreamWaitMeter.waiting(operation)
            metrics.upstreamCall(call, account: account, status: "ok", duration: .now - start)
            return result
        } catch {
            let status = switch error as? UpstreamError {
            case .status(let code, _, _, _, _)?: String(code)
            case .timeout?: "timeout"
            case nil where error is CancellationError: "cancelled"
            default: "failed"
            }
            metrics.upstreamCall(call, account: account, status: status, duration: .now - start)
            throw error
        }
    }
}
