/// The room a dialect's conversations live in: a conversation is only ever continued through the
/// dialect that began it, because each decoder names its own space. The core names none of them.
public struct ConversationSpace: Sendable, Equatable {
    public let name: String

    /// A space named `name`. The unnamed space adds nothing to a conversation's scope: it is the space
    /// of the first dialect, whose conversations earlier versions recorded without one.
    public init(_ name: String) {
        self.name = name
    }
}
