/// What this binary is: its version and the commit it was built from. `scripts/build-release` writes
/// both in for a release build and puts this file back afterwards; any other build says `development`.
public enum BuildInfo {
    public static let version = "0.5.0"
    public static let commit = "development"

    /// `0.5.0 (commit 1a2b3c4)`, as `--version` prints it.
    public static var summary: String { "\(version) (commit \(commit))" }
}
