/// Microsoft's two ways into Copilot's conversations. They share the request body and the snapshots
/// of a reply; they differ in where the conversations are and which token they take.
public enum CopilotAPI: String, Sendable, CaseIterable, Codable {
    /// Microsoft Graph, `/beta/copilot/conversations` (beta; covered by the Copilot licence).
    case graph
    /// Work IQ REST, `/conversations` under `https://workiq.svc.cloud.microsoft/rest` (generally
    /// available; billed per use in Copilot Credits), with a token for `api://workiq.svc.cloud.microsoft`.
    case workIQ = "workiq"

    /// The conversations' URL under the API's base URL (`GRAPH_BASE_URL` or `WORKIQ_BASE_URL`).
    func conversationsURL(base: String) -> String {
        let base = base.hasSuffix("/") ? String(base.dropLast()) : base
        return switch self {
        case .graph: base + "/beta/copilot/conversations"
        case .workIQ: base + "/conversations"
        }
    }

    /// How the API is named in messages.
    public var displayName: String {
        switch self {
        case .graph: "Microsoft Graph"
        case .workIQ: "Work IQ"
        }
    }
}
