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
