import Foundation

/// A validated chat request body (`message.text`, `locationHint.timeZone`, `additionalContext`).
struct ChatRequest: Sendable {
    var text: String
    var timeZone: String
    var additionalContext: [ContextEntry]
    /// `responseOptions.isDeltaStreamingEnabled` (undocumented; see ``SimulatorOptions/DeltaStreaming``).
    var asksForDeltas: Bool

    /// Validates a parsed body; throws the Graph 400/413 errors.
    init(body: SimulatorJSON?, maxMessageLength: Int, deltaStreaming: SimulatorOptions.DeltaStreaming = .honour) throws(GraphError) {
        guard let body, case .object = body else {
            throw .badRequest("The request body must be a JSON object.")
        }
        guard let text = body["message"]?["text"]?.stringValue else {
            throw .badRequest("Missing required property 'message.text'.")
        }
        guard let timeZone = body["locationHint"]?["timeZone"]?.stringValue, !timeZone.isEmpty else {
            throw .badRequest("Missing required property 'locationHint.timeZone'.")
        }
        guard TimeZone(identifier: timeZone) != nil else {
            throw .badRequest("'\(timeZone)' is not a valid IANA time zone for 'locationHint.timeZone'.")
        }
        guard text.count <= maxMessageLength else {
            throw .tooLarge("The message text is \(text.count) characters; the limit is \(maxMessageLength).")
        }
        var context: [ContextEntry] = []
        if let entries = body["additionalContext"], entries != .null {
            guard let array = entries.arrayValue else {
                throw .badRequest("'additionalContext' must be an array.")
            }
            for entry in array {
                guard let entryText = entry["text"]?.stringValue else {
                    throw .badRequest("Every 'additionalContext' entry needs a 'text' string.")
                }
                context.append(ContextEntry(text: entryText, description: entry["description"]?.stringValue))
            }
        }
        let asksForDeltas = body["responseOptions"]?["isDeltaStreamingEnabled"]?.boolValue == true
        if asksForDeltas, deltaStreaming == .refuse {
            throw .badRequest("Invalid request: the property 'responseOptions' does not exist on type 'microsoft.graph.copilotConversationRequest'.")
        }
        self.text = text
        self.timeZone = timeZone
        self.additionalContext = context
        self.asksForDeltas = asksForDeltas && deltaStreaming == .honour
    }
}
