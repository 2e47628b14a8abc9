import Foundation

/// A call Copilot asked for, ready for the client.
public struct CopilotToolCall: Sendable, Equatable {
    public var id: String
    public var name: String
    /// The arguments as a compact JSON object text.
    public var arguments: String
}
