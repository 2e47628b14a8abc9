import Hummingbird

/// A group of API routes, registered together with the shape of their errors (`Router.addAPI`), so
/// that no route of a dialect can answer in another's shape.
protocol APIRoutes: Sendable {
    /// The shape every error on these routes takes, whichever layer raises it; nil for the routes every
    /// dialect shares, whose errors take the request's own (`ErrorShape.shared`).
    static var errorShape: ErrorShape? { get }
    func addRoutes(to group: RouterGroup<GatewayRequestContext>)
}

/// What stands before every API route, in order: the API key, the whole body under its limits, the
/// caller's share. One of each for the whole gateway, so every group shares their counts.
struct APIGuards: Sendable {
    let key: APIKeyMiddleware
    let body: RequestBodyMiddleware
    let limits: CallerLimitMiddleware
}

extension Router<GatewayRequestContext> {
    /// Registers `routes` behind their error shape and the guards, and records their paths in `shapes`
    /// so that a request on one of them that no route takes (a wrong method) still gets their shape.
    func addAPI(_ routes: some APIRoutes, guards: APIGuards, shapes: RouteShapes) {
        let group = self.group()
        let shape = type(of: routes).errorShape
        if let shape { group.add(middleware: ErrorMiddleware(shape: shape, shapes: shapes)) }
        group.add(middleware: guards.key).add(middleware: guards.body).add(middleware: guards.limits)
        let before = Set(self.routes.map(\.path.description))
        routes.addRoutes(to: group)
        if let shape { shapes.record(self.routes.map(\.path).filter { !before.contains($0.description) }, as: shape) }
    }
}
