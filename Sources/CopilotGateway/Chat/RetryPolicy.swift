/// The one rule for a turn that failed before any of its text reached the client, used both before a
/// reply begins and when a streamed reply breaks off before its first text:
///
/// - a continued conversation that Graph no longer knows (404/410) is replaced by a new one seeded with
///   the history (this uses no retry);
/// - a 5xx, a timeout, a broken connection or stream, an in-band error or an empty reply is retried once,
///   on a new conversation (`COPILOT_RETRY_ON_5XX`);
/// - anything else, or anything after text was sent, fails the turn.
struct RetryPolicy: Sendable {
    var retriesServerErrors: Bool

    enum Decision: Equatable {
        case fail
        case replaceGoneConversation
        /// Retry on a new conversation; `reason` labels the retry counter.
        case retryOnNewConversation(reason: String)
    }

    func decide(_ error: any Error, continuedConversation: Bool, sawText: Bool, retried: Bool) -> Decision {
        guard !sawText, let error = error as? UpstreamError else { return .fail }
        if continuedConversation, case .status(let status, _, _, _, _) = error, status == 404 || status == 410 {
            return .replaceGoneConversation
        }
        guard !retried, retriesServerErrors, let reason = Self.retryReason(error) else { return .fail }
        return .retryOnNewConversation(reason: reason)
    }

    /// What failed, as the retry counter's `reason`; nil when it is not worth a retry.
    static func retryReason(_ error: UpstreamError) -> String? {
        switch error {
        case .status(let status, _, _, _, _): (500...599).contains(status) ? "server_error" : nil
        case .timeout: "timeout"
        case .transport: "transport"
        case .streamInterrupted: "stream_interrupted"
        case .inBand: "in_band_error"
        case .emptyReply: "empty_reply"
        default: nil
        }
    }
}
