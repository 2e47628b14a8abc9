import Foundation

/// The simulator's deterministic reply rules. Pure functions, so tests can predict every reply.
public enum SimulatedReplies {
    /// The reply for `prompt`, given every earlier text of the conversation.
    /// - Parameters:
    ///   - prompt: The current `message.text`.
    ///   - conversationText: Earlier prompts plus earlier and current `additionalContext` texts.
    ///   - contextCount: How many `additionalContext` entries arrived with this turn (mentioned by rule 3).
    ///
    /// The last `contextCount` texts of `conversationText` are taken as this turn's context, so the
    /// gateway's tool and JSON protocol applies as in ``SimulatedModel/reply(to:context:history:messy:)``.
    public static func reply(to prompt: String, conversationText: [String], contextCount: Int = 0) -> SimulatedReply {
        let current = min(max(0, contextCount), conversationText.count)
        return SimulatedModel.reply(
            to: prompt, context: Array(conversationText.suffix(current)),
            history: Array(conversationText.dropLast(current)), contextCount: contextCount, messy: false)
    }

    /// The plain rules 1–3 (``REPLY `X` ONLY``, codeword, default) for the user's text of a turn;
    /// `texts` is everything the conversation said so far, this turn included.
    static func plainReply(to prompt: String, searching texts: [String], contextCount: Int) -> SimulatedReply {
        if let exact = exactReply(in: prompt) {
            return SimulatedReply(text: exact)
        }
        if prompt.lowercased().contains("codeword") {
            return SimulatedReply(text: codewordReply(searching: texts))
        }
        return defaultReply(to: prompt, contextCount: contextCount)
    }

    /// The plain reply shortened to its first sentence (for JSON mode): the first sentence of `X`,
    /// the codeword sentence, or `You said: "<prompt>".`.
    static func oneSentenceReply(to prompt: String, searching texts: [String]) -> String {
        if let exact = exactReply(in: prompt) {
            return firstSentence(of: exact)
        }
        if prompt.lowercased().contains("codeword") {
            return codewordReply(searching: texts)
        }
        return "You said: \"\(prompt)\"."
    }

    /// `text` up to and including its first `.`, `!` or `?` that ends the text or precedes a blank.
    static func firstSentence(of text: String) -> String {
        let characters = Array(text)
        for index in characters.indices where ".!?".contains(characters[index]) {
            if index + 1 == characters.count || characters[index + 1].isWhitespace {
                return String(characters[...index]).trimmingCharacters(in: .whitespacesAndNewlines)
            }
        }
        return text.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// The reply sent when a RAI fault disengages the conversation.
    public static let refusalText = "I'm sorry, I can't help with that."

    /// The reply length of a `huge` fault without `length`.
    public static let defaultHugeLength = 200_000
    /// The longest reply a `huge` fault may ask for (16 MiB of characters).
    public static let maxHugeLength = 16 << 20

    /// The reply of a `huge` fault: numbered lines mixing ASCII, Chinese, quotes, a backslash and a tab
    /// (so JSON escaping and multi-byte UTF-8 split across network reads are exercised), cut to exactly
    /// `length` characters. It holds no markup the gateway rewrites (no entity tags, no citation markers).
    public static func hugeText(length: Int) -> String {
        var text = ""
        text.reserveCapacity(length * 2)
        var count = 0
        var line = 1
        while count < length {
            let next = "\(line). 流式输出的长回答 \"quoted\" back\\slash\ttab, line \(line) of a huge reply.\n"
            for character in next where count < length {
                text.append(character)
                count += 1
            }
            line += 1
        }
        return text
    }

    /// The reply when no codeword was ever given.
    public static let unknownCodewordText = "I don't know the codeword: nobody told me one in this conversation."

    /// FNV-1a (64-bit) over the UTF-8 bytes: stable across runs, unlike `Hasher`.
    public static func stableHash(_ text: String) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01b3
        }
        return hash
    }

    /// Rule 1: ``REPLY `X` ONLY`` yields exactly `X`.
    static func exactReply(in prompt: String) -> String? {
        let pattern = /reply\s+`(.*?)`\s+only/.ignoresCase().dotMatchesNewlines()
        guard let match = prompt.firstMatch(of: pattern) else { return nil }
        return String(match.output.1)
    }

    /// Rule 2: the last `the codeword is W` anywhere in the conversation.
    static func codewordReply(searching texts: [String]) -> String {
        let pattern = /the\s+codeword\s+is\s+([\w\-]+)/.ignoresCase()
        var codeword: Substring?
        for text in texts {
            if let last = text.matches(of: pattern).last { codeword = last.output.1 }
        }
        guard let codeword else { return unknownCodewordText }
        return "The codeword is \(codeword)."
    }

    /// Rule 3: a few sentences quoting the prompt; citations when the prompt's hash is even.
    static func defaultReply(to prompt: String, contextCount: Int) -> SimulatedReply {
        let cited = stableHash(prompt) % 2 == 0
        var sentences = [
            "You said: \"\(prompt)\".",
            "This is the **Copilot simulator** answering deterministically, "
                + "so the same prompt always gets the same reply.",
        ]
        var attributions: [SimulatedAttribution] = []
        if cited {
            sentences.append(
                "A real Microsoft 365 Copilot would ground this answer in your mail, chats and files; here "
                    + "<File>Simulator-Notes.docx</File> stands in for them[^1^].")
            sentences.append(
                "Every streamed snapshot repeats the whole text so far, "
                    + "so clients can practise turning snapshots into deltas[^2^].")
            attributions = [
                .citation(title: "Simulator notes", url: "https://contoso.sharepoint.com/sim/notes.docx"),
                .citation(title: "Simulator handbook", url: "https://contoso.sharepoint.com/sim/handbook.docx"),
            ]
        } else {
            sentences.append(
                "A real Microsoft 365 Copilot would ground this answer in your mail, chats and files, "
                    + "but this one only works with what it was given.")
            sentences.append(
                "Every streamed snapshot repeats the whole text so far, "
                    + "so clients can practise turning snapshots into deltas.")
        }
        if contextCount > 0 {
            sentences.append("(I also received \(contextCount) context \(contextCount == 1 ? "note" : "notes").)")
        }
        return SimulatedReply(text: sentences.joined(separator: " "), attributions: attributions)
    }
}
