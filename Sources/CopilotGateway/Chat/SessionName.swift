/// A client's own name for a conversation, by where it came from (`user`, a session header, AstrBot's
/// conversation id). The kinds are kept apart in the key, so a user named like a session is not one.
public enum SessionName: Sendable, Equatable {
    case user(String)
    case session(String)
    case astrbot(String)

    /// The session key the core files conversations under; nil for an empty name.
    var key: String? {
        let (kind, name) = switch self {
        case .user(let name): ("user", name)
        case .session(let name): ("session", name)
        case .astrbot(let name): ("astrbot", name)
        }
        return name.isEmpty ? nil : "\(kind):\(name)"
    }

    /// The first of `names` that is not empty, as a key.
    static func key(_ names: [SessionName]) -> String? {
        names.lazy.compactMap(\.key).first
    }
}
