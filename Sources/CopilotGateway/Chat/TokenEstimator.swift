/// Copilot reports no token counts; this estimates them the way common tokenizers split text:
/// about four characters per token for Latin script, one per character for CJK and other scripts.
enum TokenEstimator {
    static func estimate(_ texts: [String]) -> Int {
        var ascii = 0
        var other = 0
        for text in texts {
            for scalar in text.unicodeScalars {
                if scalar.isASCII { ascii += 1 } else { other += 1 }
            }
        }
        return (ascii + 3) / 4 + other
    }
}

extension TurnRequest {
    /// What Copilot will be sent for this turn, estimated before it is (a stream's start may need a count).
    var estimatedInputTokens: Int {
        TokenEstimator.estimate([instructions ?? "", prompt] + reminders + historyLines.map(\.text))
    }
}
