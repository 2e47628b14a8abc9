import Hummingbird
import Synchronization

/// Which error shape each dialect's paths have, filled as `Router.addAPI` registers them. A request the
/// router finds no route for (a wrong method on a dialect's path, a trailing slash the router does not
/// forgive) never reaches its dialect's error middleware; the middleware around every route asks this
/// table, so the path still decides its shape.
final class RouteShapes: Sendable {
    private struct Entry {
        /// The path's segments; nil stands for a parameter (`{id}`), which any segment matches.
        var segments: [Substring?]
        var shape: ErrorShape
    }

    private let entries = Mutex<[Entry]>([])

    /// Records `paths` (Hummingbird's route paths) as answering in `shape`.
    func record(_ paths: [RouterPath], as shape: ErrorShape) {
        let added = paths.map { path in
            Entry(segments: path.components.map { component in
                let text = component.description
                return text.hasPrefix("{") || text.hasPrefix("*") ? nil : Substring(text)
            }, shape: shape)
        }
        entries.withLock { $0 += added }
    }

    /// The shape of the dialect that serves `path`, whatever the method; nil when no dialect does.
    func shape(ofPath path: String) -> ErrorShape? {
        let segments = path.split(separator: "/", omittingEmptySubsequences: true)
        return entries.withLock { entries in
            entries.first { entry in
                entry.segments.count == segments.count && zip(entry.segments, segments).allSatisfy { $0 == nil || $0 == $1 }
            }?.shape
        }
    }
}
