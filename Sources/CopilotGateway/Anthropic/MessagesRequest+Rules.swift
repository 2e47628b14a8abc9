extension MessagesRequest {
    /// The fields of Anthropic's `CreateMessageParams` with a type or range to check, as its document
    /// gives them. The gateway uses some (`system`, `tools`, `stream`, `metadata`…) and ignores the rest,
    /// but a value the API would refuse is refused here too, naming the field.
    static let fieldRules: [FieldRule] = [
        FieldRule("model", .string(maxLength: 256), nullable: false),
        FieldRule("messages", .array(maxCount: nil), nullable: false),
        FieldRule("max_tokens", .integer(min: 1, max: nil), nullable: false),
        FieldRule("temperature", .number(min: 0, max: 1)),
        FieldRule("top_p", .number(min: 0, max: 1)),
        FieldRule("top_k", .integer(min: 0, max: nil)),
        FieldRule("stop_sequences", .array(maxCount: nil)),
        FieldRule("stream", .boolean),
        FieldRule("metadata", .object),
        FieldRule("metadata.user_id", .string(maxLength: 512)),
        FieldRule("tools", .array(maxCount: nil)),
        FieldRule("tool_choice", .object),
        FieldRule("thinking", .object),
        FieldRule("thinking.type", .oneOf(["enabled", "disabled", "adaptive"]), nullable: false),
        FieldRule("thinking.budget_tokens", .integer(min: 1024, max: nil)),
        FieldRule("service_tier", .oneOf(["auto", "standard_only"])),
    ]
}
