/// Tells whether a message asks for a picture to be drawn or generated, in English or Chinese.
///
/// Copilot Chat cannot create images through this API, so for such a turn the gateway sends
/// ``instruction`` along: Copilot then describes the picture and writes a prompt for an image
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
    /// The note the gateway adds as `additionalContext` to a turn that asks for a picture.
    static let instruction = """
        The user is asking for a picture. Copilot Chat cannot create or show images here, so do not \
        claim to make one. Instead, in the user's language, describe the picture in detail (subject, \
        composition, style, colours, lighting) and then give a ready-to-use prompt for an image \
        generator in a code block.
        """

    /// Whether `text` asks for a picture to be drawn or generated.
    /// Only clauses up to this many bytes are read: a request for a picture is short, and the checks
    /// grow with a clause's length, which a client controls.
    static let longestClause = 600

    static func isImageGeneration(_ text: String) -> Bool {
        // Of a long message, its start and its end are read: that is where a request goes.
        let text = text.utf8.count <= 8000 ? text : String(text.prefix(2000)) + "\n" + String(text.suffix(2000))
        let prose = withoutCode(text.lowercased().replacingApostrophes())
        for clause in clauses(of: prose) where clause.utf8.count <= longestClause {
            if English.asksForPicture(clause) || Chinese.asksForPicture(Array(clause)) { return true }
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

extension ImageRequest {
    enum English {
        static let drawingVerbs: Set<Substring> = ["draw", "sketch", "paint", "doodle"]
        static let makingVerbs: Set<Substring> = ["generate", "create", "make", "design", "render", "produce", "give", "craft"]

        static let imageNouns: Set<Substring> = [
            "image", "images", "picture", "pictures", "pic", "pics", "photo", "photos", "photograph", "photographs",
            "drawing", "drawings", "illustration", "illustrations", "painting", "paintings", "sketch", "sketches",
            "logo", "logos", "icon", "icons", "avatar", "avatars", "wallpaper", "wallpapers", "poster", "posters",
            "artwork", "artworks", "portrait", "portraits", "banner", "banners", "cartoon", "cartoons", "meme", "memes",
            "sticker", "stickers", "clipart", "clip-art", "thumbnail", "thumbnails", "headshot", "selfie", "comic",
            "comics", "doodle", "doodles", "watercolor", "watercolour", "mascot", "emoji", "art", "collage",
        ]

        /// Words right after a drawing verb that make it a phrasal verb or point at something existing.
        static let drawingParticles: Set<Substring> = [
            "up", "on", "upon", "from", "out", "near", "nearer", "closer", "back", "down", "to", "into", "in", "away",
            "together", "off", "over", "with", "it", "them", "that", "this", "these", "those", "the", "your", "its",
            "his", "her", "their", "our", "what", "how", "why", "something", "attention", "even", "level",
        ]
        /// Nouns after a drawing verb (or after its article) that make it an idiom or not a picture.
        static let drawingIdioms: Set<Substring> = [
            "conclusion", "conclusions", "attention", "comparison", "comparisons", "parallel", "parallels", "distinction",
            "distinctions", "inference", "inferences", "lesson", "lessons", "analogy", "analogies", "contrast",
            "connection", "connections", "line", "lines", "blood", "water", "card", "cards", "lot", "lots", "straw",
            "straws", "breath", "inspiration", "fire", "criticism", "interest", "power", "current", "crowd", "crowds",
            "blank", "salary", "check", "cheque", "curtain", "curtains", "bath", "sword", "gun", "weapon", "winner",
            "winners", "diagram", "diagrams", "chart", "charts", "graph",
            "graphs", "flowchart", "flowcharts", "table", "tables", "plot", "plots", "uml", "mermaid", "plan", "plans",
            "outline", "outlines", "proposal", "strategy", "roadmap", "idea", "ideas", "approach", "solution",
            "wall", "walls", "house", "room", "rooms", "fence", "door", "doors", "ceiling", "kitchen", "bedroom",
            "furniture", "nails", "car", "town",
        ]

        /// Words before a verb that make it a question about learning to draw, or a noun (`a draw`).
        static let tutorialWords: Set<Substring> = [
            "how", "learn", "learning", "learned", "learnt", "teach", "teaching", "tutorial", "tutorials", "tips", "lesson",
            "lessons", "course", "courses", "practice", "practise", "practicing", "practising",
        ]
        static let subjects: Set<Substring> = [
            "i", "we", "they", "he", "she", "it", "people", "kids", "children", "artists", "who", "which", "the", "a", "an",
        ]
        static let habitVerbs: Set<Substring> = ["like", "love", "enjoy", "hate", "used", "prefer"]
        static let firstPersons: Set<Substring> = ["i", "we", "i'd", "we'd", "i'm", "we're", "i'll", "we'll", "i've"]
        static let pronouns: Set<Substring> = firstPersons.union(["you", "me", "us", "him", "her", "them"])

        static let skippedAfterVerb: Set<Substring> = ["me", "us", "please", "up", "quickly"]
        /// Words that may come between a making verb and the image noun.
        static let blockingModifiers: Set<Substring> = [
            "the", "this", "that", "these", "those", "it", "its", "your", "his", "her", "their", "our", "with", "and",
            "or", "without", "for", "in", "on", "from", "about", "to", "into", "of", "by", "at", "as", "than", "if",
            "docker", "container", "disk", "iso", "vm", "system", "base", "os", "boot", "virtual", "machine", "ami",
            "vhd", "kernel", "firmware", "backup", "memory", "process", "public", "mental", "clear", "big", "bigger",
            "full", "accurate", "complete", "better", "broader", "overall", "realistic",
        ]
        /// Words after an image noun that make it software or a file, not a picture to make.
        static let technicalAfter: Set<Substring> = [
            "file", "files", "format", "formats", "size", "sizes", "url", "urls", "link", "links", "path", "paths", "tag",
            "tags", "element", "elements", "processing", "recognition", "classifier", "classification", "editor",
            "viewer", "gallery", "galleries", "upload", "uploader", "uploads", "loader", "compressor", "compression",
            "converter", "conversion", "metadata", "dataset", "datasets", "button", "buttons", "component",
            "components", "filter", "filters", "carousel", "slider", "search", "api", "library", "album", "albums",
            "smaller", "bigger", "larger", "transparent", "grayscale", "greyscale", "responsive", "clickable",
            "load", "appear", "fit", "field", "fields", "column", "columns", "property", "attribute", "folder",
            "directory", "storage", "cache", "resizer", "cropper", "id", "ids", "credit", "credits", "caption",
            "captions", "book", "books", "frame", "frames",
        ]
        static let questionWords: Set<Substring> = ["how", "what", "why", "where", "when", "who", "whether", "which"]

        static func asksForPicture(_ clause: Substring) -> Bool {
            let words = clause.split(whereSeparator: { !($0.isLetter || $0.isNumber || $0 == "'" || $0 == "-") })
            for (index, word) in words.enumerated() {
                if drawingVerbs.contains(word), isRequest(words, verbAt: index, drawing: true), hasDrawingObject(words, after: index) {
                    return true
                }
                if makingVerbs.contains(word), isRequest(words, verbAt: index, drawing: false), hasImageObject(words, after: index) {
                    return true
                }
            }
            return false
        }

        /// Whether the verb asks for something rather than being a noun, a habit or a tutorial question.
        static func isRequest(_ words: [Substring], verbAt index: Int, drawing: Bool) -> Bool {
            let before = words[..<index]
            if before.contains(where: tutorialWords.contains) { return false }
            guard let previous = before.last else { return true }
            if subjects.contains(previous) { return false }
            guard previous == "to" else { return true }
            // "… to draw": fine after "you"/"me" ("I'd like you to draw"), not after a habit
            // ("I like to draw") nor, for drawing, after the user themselves ("I want to draw").
            let beforeTo = before.dropLast()
            if let habit = beforeTo.last, habitVerbs.contains(habit), let subject = beforeTo.dropLast().last, firstPersons.contains(subject) {
                return false
            }
            guard drawing, let pronoun = beforeTo.last(where: pronouns.contains) else { return true }
            return !firstPersons.contains(pronoun)
        }

        /// Whether a drawing verb has an object that is a picture: not an idiom, not a metaphor.
        static func hasDrawingObject(_ words: [Substring], after index: Int) -> Bool {
            var position = index + 1
            while position < words.count, skippedAfterVerb.contains(words[position]), words[position] != "up" { position += 1 }
            guard position < words.count else { return false }
            let object = words[position...].prefix(4)
            if drawingParticles.contains(words[position]) || drawingIdioms.contains(words[position]) { return false }
            if ["a", "an", "some", "one", "another", "my"].contains(words[position]),
                object.dropFirst().prefix(2).contains(where: drawingIdioms.contains)
            {
                return false
            }
            return !isMetaphor(words, from: position)
        }

        /// Whether a making verb is followed within a few words by an image noun that is a picture.
        static func hasImageObject(_ words: [Substring], after index: Int) -> Bool {
            var position = index + 1
            while position < words.count, skippedAfterVerb.contains(words[position]) { position += 1 }
            for candidate in position..<min(position + 5, words.count) {
                let word = words[candidate]
                if imageNouns.contains(word) {
                    if candidate + 1 < words.count, technicalAfter.contains(words[candidate + 1]) { return false }
                    return !isMetaphor(words, from: candidate)
                }
                if blockingModifiers.contains(word) || drawingVerbs.contains(word) || makingVerbs.contains(word) { return false }
            }
            return false
        }

        /// "paint a picture of how …": a picture of a question is an explanation.
        static func isMetaphor(_ words: [Substring], from position: Int) -> Bool {
            guard let noun = words[position...].prefix(4).firstIndex(where: { $0 == "picture" || $0 == "image" }),
                noun + 2 < words.count, words[noun + 1] == "of"
            else { return false }
            return questionWords.contains(words[noun + 2])
        }
    }
}

// MARK: - Chinese

extension ImageRequest {
    enum Chinese {
        static let requestLeads = [
            "帮我", "给我", "替我", "为我", "帮忙", "麻烦", "请", "你", "来", "再", "重新", "一键", "直接", "快", "能", "可以", "要",
            "想", "ai", "试着", "随便", "先", "用",
        ].map { Array($0) }
        static let tutorialWords = ["怎么", "怎样", "如何", "教", "学", "喜欢", "爱", "会", "技巧", "步骤", "教程"].map { Array($0) }
        static let measureWords: Set<Character> = [
            "一", "两", "三", "四", "五", "几", "个", "张", "幅", "只", "条", "朵", "头", "匹", "棵", "座", "些", "副", "份", "套", "组",
            "款", "版", "出", "下",
        ]
        static let quantityWords: Set<Character> = ["一", "两", "三", "四", "五", "几", "些", "个", "张", "幅", "只", "副", "份", "套", "组", "款"]
        /// A character before 画 that makes it part of a noun or another word (动画, 漫画, 笔画, 计画).
        static let nounBeforeDrawing: Set<Character> = [
            "动", "漫", "油", "国", "壁", "字", "插", "版", "书", "绘", "刻", "笔", "图", "计", "规", "策", "比", "描", "水", "素", "画",
            "谁", "的", "幅",
        ]
        /// A character after 画 that makes it a noun (画质, 画面, 画家) or an idiom (画饼, 画蛇添足).
        static let nounAfterDrawing: Set<Character> = [
            "质", "面", "家", "廊", "展", "笔", "板", "布", "风", "册", "师", "室", "框", "饼", "押", "蛇", "龙", "像", "作", "外", "报", "卷",
        ]
        static let makingVerbs = ["生成", "创建", "制作", "设计", "创作", "绘制", "产生", "做", "来", "要", "弄", "出", "搞", "给我"].map { Array($0) }
        /// Verbs that need a measure word before the noun (来张壁纸, 要一张图), or they say too little.
        static let weakVerbs: Set<String> = ["做", "来", "要", "弄", "出", "搞", "给我"]
        static let imageNouns = [
            "图片", "图像", "图画", "照片", "相片", "插画", "插图", "头像", "壁纸", "海报", "图标", "标志", "徽标", "logo", "表情包", "贴纸",
            "漫画", "画作", "油画", "水彩画", "素描", "国画", "山水画", "肖像", "封面", "配图", "背景图", "效果图", "概念图", "宣传图",
            "卡通形象", "画", "图",
        ].map { Array($0) }
        /// A character after a bare 图 or 画 that makes another word (图表, 图书, 画面).
        static let wordAfterBareNoun: Set<Character> = [
            "表", "书", "纸", "形", "层", "例", "案", "谱", "解", "文", "纹", "谋", "钉", "灵", "质", "面", "家", "廊", "展", "笔", "板", "布",
            "风", "册", "师", "室", "框", "饼", "押", "像", "报",
        ]
        /// A character before a bare 图 or 画 that makes a diagram or another word (流程图, 地图, 动画).
        static let wordBeforeBareNoun: Set<Character> = [
            "地", "程", "导", "构", "序", "特", "意", "试", "扑", "饼", "状", "线", "框", "理", "蓝", "版", "企", "宏", "动", "笔", "计", "规",
            "策", "刻", "比", "拼", "截", "制", "绘", "作", "插", "出", "生",
        ]
        /// Diagrams and charts: Copilot draws those as text (Mermaid, tables), so they are no picture request.
        static let diagrams = ["流程图", "导图", "架构图", "结构图", "时序图", "甘特图", "拓扑图", "图表", "表格", "示意图", "框图", "曲线", "柱状图", "饼图", "折线图"]
            .map { Array($0) }
        /// Words after an image noun that make it software or a file.
        static let technicalAfter = [
            "上传", "下载", "格式", "大小", "尺寸", "压缩", "识别", "处理", "功能", "组件", "链接", "地址", "路径", "文件", "编辑器", "查看器",
            "分辨率", "转换", "裁剪", "水印", "加载", "显示", "存储", "保存", "url", "api", "的文案", "的文字", "的内容", "的标题",
            "的介绍", "的说明", "的描述", "的配色", "的尺寸", "的大小", "的格式", "的排版", "的布局", "文案",
        ].map { Array($0) }

        static func asksForPicture(_ clause: [Character]) -> Bool {
            hasTerm(clause) || drawsAsVerb(clause) || makesImage(clause)
        }

        /// Words that make a clause a question about the technique rather than a request (什么是文生图).
        static let aboutTechnique = ["什么", "哪些", "哪个", "模型", "原理", "技术", "区别", "介绍", "速度", "效果", "质量", "失败"]
            .map { Array($0) }
        /// What may follow 出图 and the like in a request: nothing, a particle, or whom it is for.
        static let requestEndings = ["吗", "吧", "呀", "啊", "呢", "了", "哦", "给我", "看看"].map { Array($0) }

        /// 文生图, AI绘画 and the like, and 出图/生图/作画 when asked for (帮我出图, 直接出图吧).
        static func hasTerm(_ clause: [Character]) -> Bool {
            let terms = ["文生图", "ai绘画", "ai画图", "ai作画", "ai生图", "ai出图"]
            if terms.contains(where: { clause.contains(subsequence: Array($0)) }) {
                return !aboutTechnique.contains { clause.contains(subsequence: $0) }
            }
            for term in ["出图", "生图", "作画"] {
                for start in clause.occurrences(of: Array(term)) {
                    let after = Array(clause.dropFirst(start + term.count))
                    guard after.isEmpty || requestEndings.contains(where: { after.starts(with: $0) }) else { continue }
                    let before = Array(clause[..<start])
                    if before.isEmpty || requestLeads.contains(where: { before.ends(with: $0) }) { return true }
                }
            }
            return false
        }

        /// 画 used as a verb: 画一张猫, 帮我画个头像, 请画出来.
        static func drawsAsVerb(_ clause: [Character]) -> Bool {
            for index in clause.indices where clause[index] == "画" {
                let before = Array(clause[..<index])
                let rest = clause[(index + 1)...]
                if let previous = before.last, nounBeforeDrawing.contains(previous), !requestLeads.contains(where: { before.ends(with: $0) }) {
                    continue
                }
                if let next = rest.first, nounAfterDrawing.contains(next) { continue }
                if rest.prefix(5).contains(subsequence: Array("重点")) || rest.prefix(3).contains("饼") { continue }
                if diagrams.contains(where: { rest.prefix(12).contains(subsequence: $0) }) { continue }
                if tutorialWords.contains(where: { before.contains(subsequence: $0) }) { continue }
                if let next = rest.first, measureWords.contains(next) { return true }
                if rest.starts(with: Array("给我")) { return true }
                if requestLeads.contains(where: { before.ends(with: $0) }) { return true }
            }
            return false
        }

        /// A making verb and then an image noun: 生成一张图片, 来张壁纸, 设计一个logo.
        static func makesImage(_ clause: [Character]) -> Bool {
            for verb in makingVerbs {
                for start in clause.occurrences(of: verb) {
                    let afterVerb = start + verb.count
                    let rest = Array(clause[afterVerb...])
                    if rest.first == "的" || rest.first == "了" { continue }
                    let weak = weakVerbs.contains(String(verb))
                    if weak {
                        guard let first = rest.first else { continue }
                        if !quantityWords.contains(first) {
                            // Without a measure word only a bare request counts: 做图, 帮我做图吧, not 出图速度.
                            guard let length = imageNounLength(rest, at: 0) else { continue }
                            let after = Array(rest.dropFirst(length))
                            guard after.isEmpty || requestEndings.contains(where: { after.starts(with: $0) }) else { continue }
                        }
                        // 出 and 要 also start other words (做出, 出现, 要求); 做图/出图 alone is covered elsewhere.
                        if verb == ["出"], let previous = clause[..<start].last, "做导输找选列指看拍印打跳弹露显生画作制".contains(previous) { continue }
                    }
                    let window = rest.prefix(weak ? 10 : 14)
                    for offset in window.indices where imageNounLength(rest, at: offset) != nil {
                        let between = rest[..<offset]
                        if between.contains(where: { "这那该此其".contains($0) }) { break }
                        return true
                    }
                }
            }
            return false
        }

        /// The length of the image noun that starts at `offset` of `text`, if one does and it means a picture.
        static func imageNounLength(_ text: [Character], at offset: Int) -> Int? {
            for noun in imageNouns where text[offset...].starts(with: noun) {
                let end = offset + noun.count
                let after = end < text.count ? text[end] : nil
                if noun.count == 1 {
                    if let after, wordAfterBareNoun.contains(after) { continue }
                    if offset > 0, wordBeforeBareNoun.contains(text[offset - 1]) { continue }
                    if noun == ["图"], let after, after == "片" || after == "像" || after == "画" || after == "标" { continue }
                }
                if technicalAfter.contains(where: { text[end...].starts(with: $0) }) { return nil }
                return noun.count
            }
            return nil
        }
    }
}

extension Array where Element == Character {
    /// The start offsets of every occurrence of `part`.
    fileprivate func occurrences(of part: [Character]) -> [Int] {
        guard !part.isEmpty, part.count <= count else { return [] }
        return (0...(count - part.count)).filter { self[$0..<($0 + part.count)].elementsEqual(part) }
    }

    fileprivate func contains(subsequence part: [Character]) -> Bool {
        !occurrences(of: part).isEmpty
    }

    fileprivate func ends(with part: [Character]) -> Bool {
        count >= part.count && suffix(part.count).elementsEqual(part)
    }
}

extension ArraySlice where Element == Character {
    fileprivate func contains(subsequence part: [Character]) -> Bool {
        Array(self).contains(subsequence: part)
    }
}

extension String {
    fileprivate func replacingApostrophes() -> String {
        String(map { $0 == "\u{2019}" ? "'" : $0 })
    }
}
