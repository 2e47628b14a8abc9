/// Which of Microsoft's two ways into Copilot a request came through.
enum SimulatedAPI: Sendable {
    /// Microsoft Graph, `/beta/copilot/conversations`: tokens for Graph, sources as `attributions`.
    case graph
    /// Work IQ REST, `/rest[/beta]/conversations`: tokens for `api://workiq.svc.cloud.microsoft`,
    /// sources as `attributions` or as a `references` map (`SimulatorOptions.workIQCitations`).
    case workIQ(SimulatorOptions.WorkIQCitations)

    /// The resource an access token must have been issued for.
    var resource: String {
        switch self {
        case .graph: Scope.graph
        case .workIQ: Scope.workIQ
        }
    }

    /// The turn with its sources in this API's field.
    func citing(_ turn: TurnOutcome) -> TurnOutcome {
        guard case .workIQ(.references) = self else { return turn }
        var turn = turn
        turn.reply.citesAsReferences = true
        return turn
    }
}
