import HTTPTypes
import Hummingbird
import Synchronization

/// Which error shape each dialect's paths have, filled as `Router.addAPI` registers them, and which
/// methods every path of the router serves (`recordMethods`). A request the router finds no route for
/// (a wrong method on a dialect's path, a trailing slash the router does not forgive) never reaches its
/// dialect's error middleware; the middleware around every route asks this table, so the path still
/// decides its shape, and a wrong method is a 405 that names the right ones.
final class RouteShapes: Sendable {
    private struct Entry {
        /// The path's segments; nil stands for a parameter (`{id}`), which any segment matches.
        var segments: [Substring?]
        var shape: ErrorShape
    }

    private let entries = Mutex<[Entry]>([])
    private let methods = Mutex<[(segments: [Substring?], method: String)]>([])

    /// Records `paths` (Hummingbird's route paths) as answering in `shape`.
    func record(_ paths: [RouterPath], as shape: ErrorShape) {
        let added = paths.map { Entry(segments: Self.segments(of: $0), shape: shape) }
        entries.withLock { $0 += added }
    }

    /// Records the methods of `routes` (every route of the router, once it is built).
    func recordMethods(of routes: [(path: RouterPath, method: HTTPRequest.Method)]) {
        let added = routes.map { (Self.segments(of: $0.path), $0.method.rawValue) }
        methods.withLock { $0 += added }
    }

    /// The shape of the dialect that serves `path`, whatever the method; nil when no dialect does.
    func shape(ofPath path: String) -> ErrorShape? {
        let segments = path.split(separator: "/", omittingEmptySubsequences: true)
        return entries.withLock { entries in
            entries.first { Self.matches($0.segments, segments) }?.shape
        }
    }

    /// The methods the router serves `path` with, in alphabetical order; empty for an unknown path.
    /// Where routes of fixed segments and of parameters both match (`responses/compact`, `responses/{id}`),
    /// the router takes the fixed one, so only its methods count.
    func methods(ofPath path: String) -> [String] {
        let segments = path.split(separator: "/", omittingEmptySubsequences: true)
        let found = methods.withLock { methods in methods.filter { Self.matches($0.segments, segments) } }
        let fewestParameters = found.map { $0.segments.filter { $0 == nil }.count }.min()
        var seen: Set<String> = []
        return found.filter { $0.segments.filter { $0 == nil }.count == fewestParameters }.map(\.method).filter { seen.insert($0).inserted }.sorted()
    }

    private static func matches(_ pattern: [Substring?], _ segments: [Substring]) -> Bool {
        pattern.count == segments.count && zip(pattern, segments).allSatisfy { $0 == nil || $0 == $1 }
    }

    private static func segments(of path: RouterPath) -> [Substring?] {
        path.components.map { component in
            let text = component.description
            return text.hasPrefix("{") || text.hasPrefix("*") ? nil : Substring(text)
        }
    }
}
