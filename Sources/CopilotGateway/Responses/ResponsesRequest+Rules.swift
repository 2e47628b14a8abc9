extension ResponsesRequest {
    /// The fields of the Responses API's `CreateResponseBody` with a type or range to check, as the
    /// Open Responses document gives them. A response repeats many of them, so only a value that
    /// passes is ever echoed; a value the API would refuse is refused here, naming the field.
    static let fieldRules: [FieldRule] = [
        FieldRule("model", .string(maxLength: nil), nullable: false),
        FieldRule("instructions", .string(maxLength: nil)),
        FieldRule("tools", .array(maxCount: nil)),
        FieldRule("parallel_tool_calls", .boolean),
        FieldRule("text", .object),
        FieldRule("text.format", .object, nullable: false),
        FieldRule("text.format.type", .oneOf(["text", "json_object", "json_schema"]), nullable: false, required: true),
        FieldRule("text.format.name", .string(maxLength: 64)),
        FieldRule("text.format.schema", .object),
        FieldRule("text.format.strict", .boolean),
        FieldRule("text.format.description", .string(maxLength: nil)),
        FieldRule("text.verbosity", .oneOf(["low", "medium", "high"])),
        FieldRule("temperature", .number(min: 0, max: 2)),
        FieldRule("top_p", .number(min: 0, max: 1)),
        FieldRule("presence_penalty", .number(min: -2, max: 2)),
        FieldRule("frequency_penalty", .number(min: -2, max: 2)),
        FieldRule("top_logprobs", .integer(min: 0, max: 20)),
        FieldRule("max_output_tokens", .integer(min: 16, max: nil)),
        FieldRule("max_tool_calls", .integer(min: 1, max: nil)),
        FieldRule("previous_response_id", .string(maxLength: nil)),
        FieldRule("store", .boolean),
        FieldRule("background", .boolean),
        FieldRule("stream", .boolean),
        FieldRule("stream_options", .object),
        FieldRule("metadata", .metadata),
        FieldRule("user", .string(maxLength: nil)),
        FieldRule("truncation", .oneOf(["auto", "disabled"])),
        FieldRule("reasoning", .object),
        FieldRule("reasoning.effort", .oneOf(["none", "minimal", "low", "medium", "high", "xhigh"])),
        FieldRule("reasoning.summary", .oneOf(["auto", "concise", "detailed"])),
        FieldRule("service_tier", .oneOf(["auto", "default", "flex", "priority", "scale"])),
        FieldRule("prompt_cache_key", .string(maxLength: nil)),
        FieldRule("prompt_cache_retention", .oneOf(["in-memory", "24h"])),
        FieldRule("safety_identifier", .string(maxLength: 64)),
        FieldRule("include", .array(maxCount: nil)),
    ]

    /// What is wrong with a `tool_choice`, if anything: `none`, `auto`, `required`, or an object with a
    /// `type` (`function` and `custom` with the tool's `name`, `allowed_tools` with its `mode` and
    /// `tools`, or a built-in tool's type).
    static func toolChoiceProblem(_ choice: JSONValue?) -> String? {
        switch choice {
        case nil, .null?, .string("none")?, .string("auto")?, .string("required")?:
            return nil
        case .object(let object)?:
            guard let type = object["type"]?.stringValue else { return "an object `tool_choice` needs a `type`" }
            switch type {
            case "function", "custom":
                return object["name"]?.stringValue == nil ? "a `\(type)` tool choice needs the tool's `name`" : nil
            case "allowed_tools":
                guard case .array? = object["tools"], ["auto", "required"].contains(object["mode"]?.stringValue ?? "") else {
                    return "an `allowed_tools` tool choice needs `mode` (auto or required) and `tools`"
                }
                return nil
            default:
                return nil
            }
        default:
            return "must be none, auto, required or an object naming a tool"
        }
    }
}
