import Synchronization

/// Whether streamed turns ask Graph for delta streaming; turned off for good once Graph refuses it.
final class DeltaStreamingSwitch: Sendable {
    private let on: Mutex<Bool>

    init(isOn: Bool) { on = Mutex(isOn) }

    var isOn: Bool { on.withLock { $0 } }

    func turnOff() { on.withLock { $0 = false } }
}

/// The snapshots of a turn that asked for delta streaming, made cumulative again, so that nothing
/// after the Graph client needs to know how they came.
///
/// What Graph does with `isDeltaStreamingEnabled` is not documented. Both plausible answers are read:
/// a partial snapshot whose reply text is only what was added since the one before (it is appended),
/// and a cumulative one as without the option (a text that starts with all of the reply so far replaces
/// it; so a piece that happens to repeat the whole reply so far would be misread). The final snapshot
/// is whole either way and is handed on as it is.
struct DeltaSnapshots: ReplySnapshots {
    let base: any ReplySnapshots

    func forEach(_ handle: (GraphConversation) async throws -> Void, afterEachRead: () async throws -> Void) async throws {
        var reply = ""
        try await base.forEach { snapshot in
            var snapshot = snapshot
            if !snapshot.isFinalSnapshot, var messages = snapshot.messages, let last = messages.indices.last,
                let piece = messages[last].text
            {
                reply = piece.startsWithBytes(of: reply) ? piece : reply + piece
                messages[last].text = reply
                snapshot.messages = messages
            }
            try await handle(snapshot)
        } afterEachRead: {
            try await afterEachRead()
        }
    }
}
