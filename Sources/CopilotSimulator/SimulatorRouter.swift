import Hummingbird

/// Builds the simulator's router: the Graph endpoints under `/beta/copilot`, Work IQ's under `/rest`
/// and `/rest/beta`, the identity endpoints
/// `/{tenant}/oauth2/v2.0/devicecode` and `/{tenant}/oauth2/v2.0/token`, plus the `/_sim/...`
/// test-control endpoints.
public func buildSimulatorRouter(simulator: CopilotSimulator) -> Router<BasicRequestContext> {
    let router = Router(context: BasicRequestContext.self)
    router.add(middleware: GraphRequestMiddleware(simulator: simulator))

    let graph = GraphHandlers(simulator: simulator)
    router.post("/beta/copilot/conversations", use: graph.create)
    router.post("/beta/copilot/conversations/:id/chat", use: graph.chat)
    router.post("/beta/copilot/conversations/:id/chatOverStream", use: graph.chatOverStream)
    router.post("/beta/copilot/conversations/:id/microsoft.graph.copilot.chatOverStream", use: graph.chatOverStream)

    // Work IQ REST: the same conversations without the `/copilot/` segment, at `/rest` and `/rest/beta`.
    let workIQ = GraphHandlers(simulator: simulator, api: .workIQ(simulator.options.workIQCitations))
    for base in ["/rest", "/rest/beta"] {
        router.post("\(base)/conversations", use: workIQ.create)
        router.post("\(base)/conversations/:id/chat", use: workIQ.chat)
        router.post("\(base)/conversations/:id/chatOverStream", use: workIQ.chatOverStream)
    }

    let identity = IdentityHandlers(simulator: simulator)
    router.post("/:tenant/oauth2/v2.0/devicecode", use: identity.deviceCode)
    router.post("/:tenant/oauth2/v2.0/token", use: identity.token)

    let control = ControlHandlers(simulator: simulator)
    router.get("/_sim/requests", use: control.listRequests)
    router.delete("/_sim/requests", use: control.clearRequests)
    router.get("/_sim/streams", use: control.streamCounts)
    router.get("/_sim/faults", use: control.listFaults)
    router.post("/_sim/faults", use: control.addFault)
    router.delete("/_sim/faults", use: control.clearFaults)
    router.get("/_sim/conversations/:id", use: control.conversation)
    router.post("/_sim/devicecode/approve", use: control.approveDeviceCode)
    router.post("/_sim/devicecode/decline", use: control.declineDeviceCode)
    router.get("/_sim/devicecodes", use: control.listDeviceCodes)
    router.get("/_sim/tokens", use: control.tokenCounters)
    router.post("/_sim/tokens/expire", use: control.expireAccessTokens)
    router.post("/_sim/tokens/revoke", use: control.revokeRefreshTokens)
    return router
}
