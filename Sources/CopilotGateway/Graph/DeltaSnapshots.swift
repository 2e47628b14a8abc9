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
/// What Graph does with `isDeltaStreamingEnabled` is not documented; both plausible answers are read.
/// The first partial text after some text has come tells which one this stream gives: if it starts with
/// all of the reply so far, the stream sends whole texts (the option was ignored), and each replaces
/// the one before, rewrites included, as without the option; otherwise it sends pieces, and each is
/// appended. The final snapshot is whole either way and is handed on as it is. (A stream of whole
/// texts whose second text already rewrites the first would be misread as pieces.)
struct DeltaSnapshots: ReplySnapshots {
    let base: any ReplySnapshots

    enum Form { case pieces, wholeTexts }

    func forEach(_ handle: (GraphConversation) async throws -> Void, afterEachRead: () async throws -> Void) async throws {
        var reply = ""
        var form: Form?
        try await base.forEach { snapshot in
            var snapshot = snapshot
            if !snapshot.isFinalSnapshot, var messages = snapshot.messages, let last = messages.indices.last,
                let piece = messages[last].text
            {
                if form == nil, !reply.isEmpty, !piece.isEmpty {
                    form = piece.startsWithBytes(of: reply) ? .wholeTexts : .pieces
                }
                switch form {
                case .pieces?: reply += piece
                case .wholeTexts?: reply = piece
                case nil: if !piece.isEmpty { reply = piece }
                }
                messages[last].text = reply
                snapshot.messages = messages
            }
            try await handle(snapshot)
        } afterEachRead: {
            try await afterEachRead()
        }
    }
}
