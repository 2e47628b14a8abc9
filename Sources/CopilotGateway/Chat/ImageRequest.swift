/// Tells whether a message asks for a picture to be drawn or generated, in English or Chinese.
///
/// Copilot Chat cannot create images through this API, so for such a turn the gateway sends
/// `CopilotPrompt.imageRequestNote` along: Copilot then describes the picture and writes a prompt for an image
/// generator instead of failing or pretending. A message that only talks about images ("how do I
/// resize a picture", "这张图片是什么意思") or uses the words in another sense ("draw a conclusion",
/// "动画", "画重点") is not a request.
///
/// The rules work on one clause at a time (the text between punctuation marks), with code blocks and
/// inline code left out:
/// - English, drawing verbs (`draw`, `sketch`, `paint`, `doodle`) used as a request: an object follows
///   that is not an idiom (`a conclusion`, `attention`, `the line`, `up a contract`, `a diagram`),
///   and no tutorial or habit frames it (`how to draw`, `I like to draw`, `I want to draw`).
/// - English, making verbs (`generate`, `create`, `make`, `design`, `render`, `produce`, `give`, `craft`)
///   followed within a few words by an image noun (`image`, `picture`, `logo`, `avatar`, `wallpaper`…),
///   with no determiner pointing at an existing picture (`the`, `this`), no preposition in between
///   (`a slide with images`), and not a technical thing (`an image file`, `a docker image`).
/// - Chinese, 画 used as a verb: followed by a measure word or 出/一下 (画一张猫, 画个头像), or after a
///   request (帮我画, 请画, 你画), and not part of a noun (动画, 漫画, 画质) or an idiom (画重点, 画饼).
/// - Chinese, making verbs (生成, 制作, 设计, 绘制…; 做, 来, 要, 弄, 出 only with a measure word) followed
///   within the clause by an image noun (图片, 图像, 头像, 壁纸, 海报, logo…), not 生成的图片 (a picture
///   already made) or 图表, 流程图, 地图-like compounds, nor image software (图片上传, 图片格式).
/// - The terms 文生图, 出图, 生图, AI绘画/作画 when asked for.
enum ImageRequest {
    /// Whether `text` asks for a picture to be drawn or generated.
    /// Only clauses up to this many bytes are read: a request for a picture is short, and the checks
    /// grow with a clause's length, which a client controls.
    static let longestClause = 600

    static func isImageGeneration(_ text: String) -> Bool {
        // Of a long message, its start and its end are read: that is where a request goes.
        let text = text.utf8.count <= 8000 ? text : String(text.prefix(2000)) + "\n" + String(text.suffix(2000))
        let lowered = text.lowercased()
        return mentionsACue(lowered) && readsAsRequest(lowered)
    }

    /// Whether lowercased `text` asks for a picture by the rules, clause by clause.
    static func readsAsRequest(_ lowered: String) -> Bool {
        let prose = withoutCode(lowered.replacingApostrophes())
        for clause in clauses(of: prose) where clause.utf8.count <= longestClause {
            if English.asksForPicture(clause) || Chinese.asksForPicture(Array(clause)) { return true }
        }
        return false
    }

    /// What no rule matches without: an English rule starts at a drawing or making verb, a Chinese one
    /// ends at an image noun (画 and 图 among them). Most messages have none, and looking for their
    /// bytes costs far less than reading the message's words and characters.
    static let cues: [[UInt8]] = (English.drawingVerbs.union(English.makingVerbs).map(String.init) + Chinese.imageNouns.map { String($0) })
        .map { Array($0.utf8) }

    /// Whether lowercased `text` holds one of the `cues`; false means it asks for no picture.
    ///
    /// The rules compare Characters, which Swift compares by canonical equivalence: a CJK compatibility
    /// ideograph (U+F900–U+FAFF, U+2F800–U+2FA1F) equals the ideograph it stands for (U+FAA3 is 画) while its
    /// bytes differ. Text with one is left to the rules. (Lowercasing already turns the Kelvin sign, the
    /// one other character equal to an ASCII letter, into `k`.)
    static func mentionsACue(_ lowered: String) -> Bool {
        var lowered = lowered
        return lowered.withUTF8 { bytes in cues.contains { bytes.containsBytes($0) } || hasCompatibilityIdeograph(bytes) }
    }

    /// Whether UTF-8 `bytes` hold a CJK compatibility ideograph: `EF A4…AB xx` or `F0 AF A0…A8 xx`.
    static func hasCompatibilityIdeograph(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        var index = 0
        while index + 2 < bytes.count {
            let lead = bytes[index]
            if lead == 0xEF, (0xA4...0xAB).contains(bytes[index + 1]) { return true }
            if lead == 0xF0, bytes[index + 1] == 0xAF, index + 3 < bytes.count, (0xA0...0xA8).contains(bytes[index + 2]) { return true }
            index += 1
        }
        return false
    }

    /// The text between sentence and clause punctuation, in both scripts.
    static func clauses(of text: String) -> [Substring] {
        text.split(whereSeparator: { ".!?;:,\n\r\t()[]{}\"，。！？；：、（）【】「」『』“”…~～".contains($0) || $0.isNewline })
    }

    /// `text` without fenced code blocks and inline code, which may mention anything.
    static func withoutCode(_ text: String) -> String {
        var result = ""
        for (number, part) in text.split(separator: "```", omittingEmptySubsequences: false).enumerated() where number % 2 == 0 {
            for (inlineNumber, prose) in part.split(separator: "`", omittingEmptySubsequences: false).enumerated() where inlineNumber % 2 == 0 {
                result += prose
                result += "\n"
            }
        }
        return result
    }
}

// MARK: - English
