/// `POST /v1/responses`: an OpenAI Responses API request, as far as the gateway reads it. The fields
/// the response echoes are kept as they came; `temperature`, `reasoning`, `include`, `truncation`,
/// `service_tier` and any unknown field are accepted and otherwise ignored.
struct ResponsesRequest: Decodable, Sendable {
    var model: String?
    var input: [Item]
    var instructions: String?
    var tools: [Tool]
    var toolChoice: JSONValue?
    var parallelToolCalls: Bool?
    var text: JSONValue?
    var stream: Bool
    var user: String?
    var promptCacheKey: String?
    var safetyIdentifier: String?
    var previousResponseID: String?
    /// Whether the response is kept for `previous_response_id` and `GET` (the default).
    var store: Bool
    /// The request's fields a response repeats, as they came.
    var echoed: [String: JSONValue]
    /// A field this gateway cannot honour (`conversation`, `prompt`), if the request has one.
    var unsupportedField: String?
    /// Whether the client asked for a response run in the background (which Copilot's turns are not).
    var background = false

    enum CodingKeys: String, CodingKey {
        case model, input, instructions, tools, text, stream, user, metadata, temperature, store, truncation, reasoning
        case toolChoice = "tool_choice", parallelToolCalls = "parallel_tool_calls", promptCacheKey = "prompt_cache_key"
        case safetyIdentifier = "safety_identifier", previousResponseID = "previous_response_id", topP = "top_p"
        case maxOutputTokens = "max_output_tokens", serviceTier = "service_tier"
        case conversation, prompt, background
        case presencePenalty = "presence_penalty", frequencyPenalty = "frequency_penalty", topLogprobs = "top_logprobs"
        case maxToolCalls = "max_tool_calls"
    }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        model = try container.decode(String.self, forKey: .model)
        if !container.contains(.input), container.contains(.prompt) {
            input = []
        } else if let text = try? container.decode(String.self, forKey: .input) {
            input = [.message(role: .user, content: [.text(text)])]
        } else {
            input = try container.decode([Item].self, forKey: .input)
        }
        instructions = try container.decodeIfPresent(String.self, forKey: .instructions)
        tools = try container.decodeIfPresent([Tool].self, forKey: .tools) ?? []
        toolChoice = try container.decodeIfPresent(JSONValue.self, forKey: .toolChoice)
        if let problem = Self.toolChoiceProblem(toolChoice) {
            throw DecodingError.dataCorruptedError(forKey: .toolChoice, in: container, debugDescription: problem)
        }
        parallelToolCalls = try container.decodeIfPresent(Bool.self, forKey: .parallelToolCalls)
        text = try container.decodeIfPresent(JSONValue.self, forKey: .text)
        if let format = text?["format"], format["type"]?.stringValue == "json_schema" {
            // Its name and schema are what the response repeats, and the schema what Copilot is held to.
            let path = container.codingPath + [CodingKeys.text, FormatKey.format]
            if format["name"]?.stringValue == nil {
                throw DecodingError.keyNotFound(FormatKey.name, .init(codingPath: path, debugDescription: "a json_schema format's name"))
            }
            guard case .object? = format["schema"] else {
                throw DecodingError.keyNotFound(FormatKey.schema, .init(codingPath: path, debugDescription: "a json_schema format's schema"))
            }
        }
        stream = try container.decodeIfPresent(Bool.self, forKey: .stream) ?? false
        user = try container.decodeIfPresent(String.self, forKey: .user)
        promptCacheKey = try container.decodeIfPresent(String.self, forKey: .promptCacheKey)
        safetyIdentifier = try container.decodeIfPresent(String.self, forKey: .safetyIdentifier)
        previousResponseID = try container.decodeIfPresent(String.self, forKey: .previousResponseID)
        store = try container.decodeIfPresent(Bool.self, forKey: .store) ?? true
        var echoed: [String: JSONValue] = [:]
        for key: CodingKeys in [
            .instructions, .tools, .toolChoice, .parallelToolCalls, .text, .temperature, .topP, .maxOutputTokens, .previousResponseID,
            .store, .metadata, .user, .truncation, .reasoning, .promptCacheKey, .safetyIdentifier, .presencePenalty, .frequencyPenalty,
            .topLogprobs, .maxToolCalls,
        ] {
            if let value = try container.decodeIfPresent(JSONValue.self, forKey: key) { echoed[key.rawValue] = value }
        }
        self.echoed = Self.echo(echoed)
        background = try container.decodeIfPresent(Bool.self, forKey: .background) ?? false
        unsupportedField = [CodingKeys.conversation, .prompt].first { container.contains($0) && (try? container.decodeNil(forKey: $0)) == false }?.rawValue
    }

    /// The keys inside `text.format`, for its errors.
    enum FormatKey: String, CodingKey { case format, name, schema }

    /// A tool in the Responses shape: `function` (`name`, `description`, `parameters`, `strict`),
    /// `custom` (`name`, `description`, `format`: its input is free text), or a built-in tool by `type`.
    struct Tool: Decodable, Sendable {
        var type: String
        var name: String?
        var description: String?
        var parameters: JSONValue?
        var format: JSONValue?
        var externalWebAccess: Bool?

        enum CodingKeys: String, CodingKey {
            case type, name, description, parameters, format, strict
            case externalWebAccess = "external_web_access"
        }

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            type = try container.decode(String.self, forKey: .type)
            name = try container.decodeIfPresent(String.self, forKey: .name)
            description = try container.decodeIfPresent(String.self, forKey: .description)
            format = try container.decodeIfPresent(JSONValue.self, forKey: .format)
            externalWebAccess = try container.decodeIfPresent(Bool.self, forKey: .externalWebAccess)
            _ = try container.decodeIfPresent(Bool.self, forKey: .strict)
            parameters = try container.decodeIfPresent(JSONValue.self, forKey: .parameters)
            switch parameters {
            case nil, .null?, .object?: break
            default:
                throw DecodingError.typeMismatch(
                    [String: JSONValue].self, .init(codingPath: container.codingPath + [CodingKeys.parameters], debugDescription: "a JSON schema"))
            }
            if type == "function" || type == "custom", name == nil {
                throw DecodingError.keyNotFound(CodingKeys.name, .init(codingPath: container.codingPath, debugDescription: "a tool's name"))
            }
        }
    }
}
