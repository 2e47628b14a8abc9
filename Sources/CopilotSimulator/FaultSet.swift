/// The faults that apply to one request (at most one of each kind).
struct FaultSet: Sendable {
    private(set) var faults: [SimulatorFault] = []

    init(_ faults: [SimulatorFault] = []) {
        self.faults = faults
    }

    /// The active fault of `kind`, if any.
    subscript(kind: SimulatorFault.Kind) -> SimulatorFault? {
        faults.first { $0.kind == kind }
    }

    /// Whether a fault of `kind` is active.
    func contains(_ kind: SimulatorFault.Kind) -> Bool {
        self[kind] != nil
    }
}
