import Synchronization

/// See `ChatService.ReplyStream.lease`.
final class StreamLease: Sendable {
    private let directory: ConversationDirectory
    private let claimedKey: String?
    private let ran = Mutex(false)

    init(directory: ConversationDirectory, claimedKey: String?) {
        self.directory = directory
        self.claimedKey = claimedKey
    }

    func markRun() { ran.withLock { $0 = true } }

    deinit {
        guard let claimedKey, !ran.withLock({ $0 }) else { return }
        let directory = directory
        Task { await directory.discard(claimedKey) }
    }
}
