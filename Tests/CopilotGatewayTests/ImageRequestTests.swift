import Testing

@testable import CopilotGateway

@Suite struct ImageRequestTests {
    static let requests = [
        // English
        "draw me a cat",
        "Draw a cat wearing a top hat",
        "Can you draw a dragon flying over a castle?",
        "please sketch a lighthouse at dusk",
        "Paint a sunset over the ocean",
        "doodle a smiling sun for my notes",
        "generate an image of a sunset",
        "Generate images of futuristic cities at night",
        "create a picture of a dog on a skateboard",
        "make me a logo",
        "Make me a logo for my coffee shop, something minimal.",
        "Design a logo for my bakery",
        "I need you to create an illustration of a forest in autumn",
        "Could you make an avatar for me?",
        "give me a picture of a red panda",
        "Create a wallpaper with mountains and a lake",
        "Can you generate a 4k wallpaper of outer space?",
        "render a 3D image of a sports car",
        "Please produce a poster for the summer concert",
        "I'd like you to draw a castle on a hill",
        "create an AI-generated portrait of an astronaut",
        "make a cartoon of my cat",
        "Generate a profile picture for my LinkedIn",
        "Hi! Draw me a unicorn, please.",
        "create art inspired by Van Gogh",
        "Make a photo collage of our team",
        "write a short poem and draw a picture of it",
        // Chinese
        "画一张猫",
        "帮我画个头像",
        "生成一张图片",
        "生成图像",
        "出图",
        "文生图",
        "来张壁纸",
        "给我画一只可爱的小狗",
        "请画一幅山水画",
        "帮我生成一张赛博朋克风格的城市图片",
        "设计一个咖啡店的logo",
        "做一张生日海报",
        "来一张猫咪头像",
        "帮我做个表情包",
        "创作一幅油画，主题是秋天",
        "绘制一张插画",
        "帮我画一下我家的猫",
        "要一张可爱的小猫图片",
        "用AI画一只熊猫",
        "能帮我出图吗？",
        "你好，帮我画画",
    ]

    static let others = [
        // English
        "what is an image file?",
        "how do I resize a picture",
        "I like this image",
        "draw a conclusion",
        "What conclusion can we draw from these numbers?",
        "We can draw a comparison between the two plans",
        "This will draw attention to the issue",
        "How to draw a cat",
        "Make the image smaller",
        "Convert this image to PNG",
        "What's in this picture?",
        "Describe this photo for me",
        "Can you create an image upload component in React?",
        "create a docker image for my app",
        "The match ended in a draw",
        "I like to draw in my free time",
        "Paint the wall blue",
        "Paint a picture of how the market will evolve next year",
        "Please summarize this document with images",
        "I drew a picture yesterday",
        "Let's draw up a contract",
        "sketch out a plan for next quarter",
        "How do I make a logo in Photoshop?",
        "Where can I find free stock photos?",
        "Draw a diagram of the login flow",
        "Create a slide about our image recognition results",
        "Make sure the pictures are attached to the email",
        "Explain `draw me a cat` in this code: ```\ndraw me a cat\n```",
        "What does this do?\n```\nfunc generateImage() { draw(a: cat) } // make me a logo\n```",
        // Chinese
        "计划",
        "我喜欢看动画",
        "这张图片是什么意思",
        "帮我画重点",
        "这张照片是在哪里拍的",
        "图片格式有哪些",
        "怎么画一只猫",
        "导出图片",
        "把这张图片转成文字",
        "生成的图片怎么保存",
        "帮我做一个图表",
        "帮我生成一个流程图",
        "学生图书馆在哪里",
        "用户画像分析",
        "画质太差了",
        "这幅画是谁画的",
        "帮我做一个图片上传功能",
        "我喜欢画画",
        "图片太大了怎么压缩",
        "不要给客户画饼",
        "这部漫画很好看",
        "做出图表以后发给我",
        "出图速度太慢",
        "文生图模型有哪些",
        "帮我画一个流程图",
        "帮我设计一下海报的文案",
        "生成一个思维导图",
    ]

    @Test(arguments: requests)
    func recognisesRequestsForAPicture(_ text: String) {
        #expect(ImageRequest.isImageGeneration(text), "\(text)")
    }

    @Test(arguments: others)
    func ignoresMessagesThatOnlyMentionPictures(_ text: String) {
        #expect(!ImageRequest.isImageGeneration(text), "\(text)")
    }

    @Test func tablesAreLargeEnough() {
        #expect(Self.requests.count >= 40 && Self.others.count >= 40)
    }

    @Test func instructionAsksForADescriptionAndAPromptInTheUsersLanguage() {
        let instruction = CopilotPrompt.imageRequestNote
        #expect(instruction.contains("cannot create"))
        #expect(instruction.contains("describe the picture"))
        #expect(instruction.contains("prompt for an image generator"))
        #expect(instruction.contains("user's language"))
        #expect(instruction.count < 500)
    }

    /// Every word of the rules' tables, to make messages from.
    static let vocabulary: [String] = {
        typealias English = ImageRequest.English
        typealias Chinese = ImageRequest.Chinese
        let englishSets = [
            English.drawingVerbs, English.makingVerbs, English.imageNouns, English.drawingParticles, English.drawingIdioms,
            English.tutorialWords, English.subjects, English.habitVerbs, English.pronouns, English.skippedAfterVerb,
            English.blockingModifiers, English.technicalAfter, English.questionWords,
        ]
        let chineseWords = [
            Chinese.requestLeads, Chinese.tutorialWords, Chinese.makingVerbs, Chinese.imageNouns, Chinese.diagrams, Chinese.technicalAfter,
            Chinese.aboutTechnique, Chinese.requestEndings,
        ]
        let chineseCharacters = [
            Chinese.measureWords, Chinese.quantityWords, Chinese.nounBeforeDrawing, Chinese.nounAfterDrawing, Chinese.wordAfterBareNoun,
            Chinese.wordBeforeBareNoun,
        ]
        return englishSets.flatMap { $0.map(String.init) } + chineseWords.flatMap { $0.map { String($0) } }
            + chineseCharacters.flatMap { $0.map { String($0) } }
            + ["文生图", "ai绘画", "出图", "生图", "作画", "猫", "cat", "a", "me", "，", "。", "`code`", "DRAW", "LOGO", "\u{212A}"]
    }()

    @Test func everyMessageTheRulesReadAsARequestHoldsACue() {
        var random = SeededGenerator(seed: 31)
        var requests = 0
        for _ in 0..<6000 {
            let separator = random.pick(["", " "])
            let text = (0..<Int.random(in: 1...7, using: &random)).map { _ in random.pick(Self.vocabulary) }.joined(separator: separator)
            let lowered = text.lowercased()
            guard ImageRequest.readsAsRequest(lowered) else { continue }
            requests += 1
            #expect(ImageRequest.mentionsACue(lowered), "\(text)")
        }
        #expect(requests >= 100)
    }

    @Test func aMessageWithoutACueIsNoRequestAndOneWithACueIsReadByTheRules() {
        #expect(!ImageRequest.mentionsACue("hi bench-123, how are you today?"))
        #expect(!ImageRequest.mentionsACue("今天天气怎么样"))
        #expect(ImageRequest.mentionsACue("帮我画一只猫"))
        #expect(ImageRequest.mentionsACue("could you make me something"))
        #expect(!ImageRequest.isImageGeneration("could you make me something"))
    }

    /// U+FAA3 is 画, U+FA45 is 海, U+2F89E is 志 to Swift's Character comparison, not to a byte search.
    @Test(arguments: ["帮我\u{FAA3}一只猫", "生成一张\u{FA45}报", "设计一个标\u{2F89E}", "\u{FAA3}\u{FAA3}"])
    func aCompatibilityIdeographLeavesTheMessageToTheRules(_ text: String) {
        #expect(ImageRequest.mentionsACue(text.lowercased()))
        #expect(ImageRequest.isImageGeneration(text) == ImageRequest.readsAsRequest(text.lowercased()))
    }

    @Test func aRequestWrittenWithACompatibilityIdeographIsStillARequest() {
        #expect(Character("\u{FAA3}") == Character("画"))
        #expect(ImageRequest.isImageGeneration("帮我\u{FAA3}一只猫"))
    }

    @Test func ofAHugeMessageTheStartAndTheEndAreRead() {
        let filler = String(repeating: "x", count: 900_000)
        #expect(!ImageRequest.isImageGeneration(filler))
        #expect(ImageRequest.isImageGeneration(filler + "。请画一只猫"))
        #expect(ImageRequest.isImageGeneration("Draw me a cat. " + filler))
        #expect(!ImageRequest.isImageGeneration(String(repeating: "some words ", count: 1000) + "draw a cat" + String(repeating: " more words", count: 1000)))
    }
}
