/// A tool as a client declared it, before the rules every dialect shares (`ToolCatalogue.offering`).
public struct DeclaredTool: Sendable, Equatable {
    public var name: String?
    public var description: String?
    /// Its JSON schema; nil when the client gave none (the tool takes no arguments).
    public var parameters: JSONValue?
    /// Where the client declared the name (`tools[1].function.name`), for the dialect's words about it.
    public var place: String

    public init(name: String?, description: String?, parameters: JSONValue?, place: String) {
        self.name = name
        self.description = description
        self.parameters = parameters
        self.place = place
    }
}
