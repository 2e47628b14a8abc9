extension ToolCatalogue {
    /// Why a client's tools cannot be offered as they are; each dialect words it.
    public enum Problem: Error, Sendable, Equatable {
        /// A tool's name is missing, or not 1 to `maxLength` ASCII letters, digits, underscores or hyphens.
        case invalidName(String?, place: String, maxLength: Int)
        /// `tool_choice` names a tool that is not among those offered.
        case choiceNotOffered(String)
    }

    /// The schema of a tool declared without one: an object with no properties.
    public static let noParameters: JSONValue = .object(["type": .string("object"), "properties": .object([:])])

    /// The catalogue of a turn, by the rules every dialect shares:
    /// - every tool's name is 1 to `maxNameLength` letters, digits, underscores or hyphens;
    /// - a tool declared without parameters takes none (`noParameters`);
    /// - no tools, or a choice of `none`, offer no catalogue at all (nil);
    /// - a named choice must name an offered tool.
    /// `choice` nil is `auto`.
    public static func offering(
        _ declared: [DeclaredTool], choice: ToolChoice?, allowsParallelCalls: Bool, maxNameLength: Int
    ) throws(Problem) -> ToolCatalogue? {
        var tools: [OfferedTool] = []
        for tool in declared {
            guard let name = tool.name, OfferedTool.isValidName(name, maxLength: maxNameLength) else {
                throw .invalidName(tool.name, place: tool.place, maxLength: maxNameLength)
            }
            tools.append(OfferedTool(name: name, description: tool.description ?? "", parameters: tool.parameters ?? noParameters))
        }
        guard !tools.isEmpty, choice != ToolChoice.none else { return nil }
        if case .named(let name)? = choice, !tools.contains(where: { $0.name == name }) { throw .choiceNotOffered(name) }
        return ToolCatalogue(tools: tools, choice: choice ?? .auto, allowsParallelCalls: allowsParallelCalls)
    }
}
