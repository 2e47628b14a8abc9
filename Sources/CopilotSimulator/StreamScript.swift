/// The complete, pre-computed event sequence of one `chatOverStream` response, including any
/// stream faults. Pure: building it performs no I/O, so it can be tested on its own.
struct StreamScript: Sendable {
    /// The `data` payload of each event, in order; a payload may span several lines (`pretty` fault).
    var payloads: [String]
    /// `\n`, or `\r\n` under the `crlf` fault.
    var lineEnding = "\n"
    /// Whether `: keep-alive` comment lines go between events (`crlf` fault).
    var keepAliveComments = false
    /// Whether the last event is followed by a blank line (false under `noTrailingBlankLine`).
    var trailingBlankLine = true
    /// The reply text the client ends up with (differs from the turn's text under `rewrite`).
    var finalReplyText: String

    /// The index of the first event whose reply (the last message) has text; nil when none has.
    var firstTextIndex: Int? {
        payloads.firstIndex { payload in
            guard case .array(let messages)? = SimulatorJSON.parse(payload)?["messages"], case .string(let text)? = messages.last?["text"]
            else { return false }
            return !text.isEmpty
        }
    }

    /// The bytes of event `index` (0-based); its SSE id is `index + 1`, with a trailing space on odd ids.
    func frame(at index: Int) -> String {
        let id = index + 1
        var frame = ""
        if keepAliveComments && index > 0 { frame += ": keep-alive" + lineEnding + lineEnding }
        let lines = payloads[index].split(separator: "\n", omittingEmptySubsequences: false)
        for (number, line) in lines.enumerated() {
            frame += (number == 0 ? "data: " : "") + line + lineEnding
        }
        frame += "id:\(id)" + (id % 2 == 1 ? " " : "") + lineEnding
        if trailingBlankLine || index < payloads.count - 1 { frame += lineEnding }
        return frame
    }

    /// Builds the script for a committed turn. With `deltas` (the request asked for delta streaming
    /// and the simulator honours it) a partial snapshot's reply text is only what it adds to the text
    /// sent so far (nothing when it rewrote that text); the final snapshot stays whole.
    init(turn: TurnOutcome, snapshotCount: Int, faults: FaultSet, deltas: Bool = false) {
        let conversationID = turn.conversationID
        let now = turn.reply.createdDateTime
        func intermediate(_ messages: [SimulatorJSON], turnCount: Int = 0) -> String {
            GraphPayloads.intermediate(
                conversationID: conversationID, createdDateTime: now, turnCount: turnCount, messages: messages
            ).compactText
        }
        var pieces = deltas ? DeltaPieces() : nil
        func partial(_ text: String, cards: [SimulatorJSON] = [], attributions: [SimulatedAttribution] = []) -> String {
            var reply = turn.reply
            reply.text = pieces?.next(text) ?? text
            reply.attributions = attributions
            return intermediate([GraphPayloads.message(reply, adaptiveCards: cards)])
        }

        var payloads = [intermediate([])]
        if faults.contains(.malformed) { payloads.append(#"{"id":"x","messages":["#) }

        let fullText = turn.reply.text
        let (texts, finalText) = Self.snapshotTexts(of: fullText, count: snapshotCount, faults: faults)
        if fullText.isEmpty {
            // Nothing to stream: only empty intermediate events, then the empty final snapshot.
            payloads += Array(repeating: intermediate([]), count: max(1, snapshotCount))
        } else {
            for (index, text) in texts.enumerated() {
                if faults.contains(.inbandError) && index == 2 { break }
                payloads.append(partial(text))
            }
        }
        if faults.contains(.inbandError) {
            let error: SimulatorJSON = .object([
                ("error", .object([("code", "InternalServerError"), ("message", "Simulated in-band failure")]))
            ])
            payloads.append(error.compactText)
            self.payloads = payloads
            self.finalReplyText = finalText
            self.applyFraming(faults)
            return
        }
        var finalTurn = turn
        finalTurn.reply.text = finalText
        let card = finalText.isEmpty ? [] : [GraphPayloads.adaptiveCard(text: finalText)]
        if !finalText.isEmpty {
            payloads.append(partial(finalText, cards: card, attributions: turn.reply.attributions))
        }
        payloads.append(intermediate([]))
        let final = GraphPayloads.finalSnapshot(
            finalTurn, context: GraphPayloads.streamContext(conversationID: conversationID), replyCards: card)
        payloads.append(faults.contains(.pretty) ? final.prettyText : final.compactText)

        if let cut = faults[.cut] {
            payloads = Array(payloads.prefix(max(0, cut.afterEvents ?? 3)))
        }
        self.payloads = payloads
        self.finalReplyText = finalText
        self.applyFraming(faults)
    }

    /// The growing texts of the reply's snapshots and the text it ends with: under `rewrite` a citation
    /// marker appears inside text already sent, under `shrink` one snapshot is empty.
    static func snapshotTexts(of fullText: String, count: Int, faults: FaultSet) -> (texts: [String], finalText: String) {
        var texts = growingPrefixes(of: fullText, count: count)
        var finalText = fullText
        if faults.contains(.rewrite), texts.count >= 2 {
            let rewriteAt = min(2, texts.count - 1)
            let (rewritten, offset) = insertMarker(in: fullText, within: texts[rewriteAt - 1].count)
            finalText = rewritten
            for index in rewriteAt..<texts.count {
                texts[index] = String(rewritten.prefix(texts[index].count + offset))
            }
        }
        if faults.contains(.shrink), texts.count >= 2 {
            texts.insert("", at: min(2, texts.count - 1))
        }
        return (texts, finalText)
    }

    private mutating func applyFraming(_ faults: FaultSet) {
        if faults.contains(.crlf) {
            lineEnding = "\r\n"
            keepAliveComments = true
        }
        trailingBlankLine = !faults.contains(.noTrailingBlankLine)
    }

    /// Up to `count` strictly growing proper prefixes of `text`, cut on Character boundaries,
    /// preferably just before a space. When `text` has a citation marker (`[^1^]`), the cut nearest to
    /// the first one moves inside it, so clients must cope with a marker split across snapshots; where
    /// in the marker depends on the text's hash, so the same text always splits the same way.
    static func growingPrefixes(of text: String, count: Int) -> [String] {
        let characters = Array(text)
        guard count > 0, characters.count > 1 else { return [] }
        var cuts: [Int] = []
        var previous = 0
        for step in 1...count {
            let target = characters.count * step / (count + 1)
            guard target > previous, target < characters.count else { continue }
            var cut = target
            // Prefer a word boundary nearby, but never fall back to (or before) the previous cut.
            let floor = max(previous + 1, target - 20)
            while cut > floor && characters[cut] != " " { cut -= 1 }
            if characters[cut] != " " { cut = target }
            cuts.append(cut)
            previous = cut
        }
        if let marker = firstMarker(in: characters) {
            // Strictly inside: the prefix ends with `[`, `[^`, `[^1` or `[^1^` (the high bits of FNV-1a mix better).
            let inside = marker.lowerBound + 1 + Int((SimulatedReplies.stableHash(text) >> 32) % UInt64(marker.count - 1))
            // No other cut lies between the nearest one and `inside`, so moving it keeps the order strict.
            guard let nearest = cuts.indices.min(by: { abs(cuts[$0] - inside) < abs(cuts[$1] - inside) }) else { return [] }
            let below = nearest > 0 ? cuts[nearest - 1] : 0
            let above = nearest + 1 < cuts.count ? cuts[nearest + 1] : characters.count
            if below < inside && inside < above { cuts[nearest] = inside }
        }
        // Each prefix is copied from the text's UTF-8, not rebuilt Character by Character.
        let ends = Array(text.indices.dropFirst()) + [text.endIndex]
        return cuts.map { String(text[..<ends[$0 - 1]]) }
    }

    /// The character range of the first `[^label^]` citation marker in `characters`.
    static func firstMarker(in characters: [Character]) -> Range<Int>? {
        var start = 0
        while start + 4 < characters.count {
            if characters[start] == "[", characters[start + 1] == "^" {
                var end = start + 2
                while end < characters.count, characters[end].isLetter || characters[end].isNumber { end += 1 }
                if end > start + 2, end + 1 < characters.count, characters[end] == "^", characters[end + 1] == "]" {
                    return start..<(end + 2)
                }
            }
            start += 1
        }
        return nil
    }

    /// Inserts ` [1]` at the first space before `limit` characters; returns the text and the growth.
    static func insertMarker(in text: String, within limit: Int) -> (String, Int) {
        let marker = " [1]"
        var characters = Array(text)
        let position = characters.prefix(limit).firstIndex(of: " ") ?? min(limit, characters.count)
        characters.insert(contentsOf: marker, at: position)
        return (String(characters), marker.count)
    }
}

/// The reply texts of a delta stream: each partial carries only what its text adds to the text sent so
/// far. Pieces never take text back: a partial that rewrote the text carries nothing, and the rewrite
/// shows in the final snapshot only.
struct DeltaPieces {
    private var streamed = ""

    mutating func next(_ text: String) -> String {
        guard text.hasPrefix(streamed) else { return "" }
        defer { streamed = text }
        return String(text.dropFirst(streamed.count))
    }
}
