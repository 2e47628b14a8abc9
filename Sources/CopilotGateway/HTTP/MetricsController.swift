import Foundation
import CoreMetrics
import Hummingbird
import NIOCore

/// `GET /metrics`: the Prometheus text format, for the admin key only (see `AdminAccess`: a loopback
/// address proves nothing behind a proxy or a tunnel).
struct MetricsController: Sendable {
    let metrics: GatewayMetrics
    let directory: ConversationDirectory
    let accounts: AccountPool
    let access: AdminAccess

    func addRoutes(to router: some RouterMethods<GatewayRequestContext>) {
        router.get("/metrics", use: render)
    }

    @Sendable func render(_ request: Request, context: GatewayRequestContext) async throws -> Response {
        guard access.presentsAdminKey(request) else { throw EdgeError.adminKeyRequired(configured: access.adminKey != nil) }
        metrics.conversationsTracked.set(await directory.count)
        metrics.upstreamWaiting.set(await accounts.waiting)
        for state in await accounts.states() {
            metrics.account(
                state.account.name, api: state.account.api.rawValue, signedIn: state.signedIn, resting: state.rest != nil,
                tokenExpiry: state.tokenExpiry?.timeIntervalSince1970)
        }
        return Response(
            status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
            body: .init(byteBuffer: ByteBuffer(bytes: metrics.exposition())))
    }
}
