import Foundation

/// The outcome of the latest call to Graph: answered (any status below 500), or not.
public actor UpstreamHealth {
    private var lastAnswered: Date?
    private var lastFailed: Date?

    public init() {}

    func record(reachable: Bool) {
        if reachable { lastAnswered = Date() } else { lastFailed = Date() }
    }

    /// Nil while Graph is reachable (or not yet tried); else since when it is not.
    public var unreachableSince: Date? {
        guard let lastFailed else { return nil }
        if let lastAnswered, lastAnswered > lastFailed { return nil }
        return lastFailed
    }
}
