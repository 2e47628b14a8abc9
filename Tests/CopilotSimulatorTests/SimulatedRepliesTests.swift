import Testing

@testable import CopilotSimulator

@Suite struct SimulatedRepliesTests {
    @Test func replyOnlyRuleReturnsExactlyTheQuotedText() {
        #expect(SimulatedReplies.reply(to: "Please REPLY `pong` ONLY.", conversationText: []).text == "pong")
        #expect(SimulatedReplies.reply(to: "reply `Hello, world!` only", conversationText: []).text == "Hello, world!")
        #expect(SimulatedReplies.reply(to: "Reply `` Only", conversationText: []).text == "")
        #expect(SimulatedReplies.reply(to: "REPLY `a` ONLY", conversationText: []).attributions.isEmpty)
    }

    @Test func codewordRuleFindsTheLastCodewordInTheConversation() {
        let history = ["The codeword is alpha-1.", "no codeword here", "Actually, THE CODEWORD IS Bravo_2 now"]
        let reply = SimulatedReplies.reply(to: "What is the codeword?", conversationText: history)
        #expect(reply.text == "The codeword is Bravo_2.")
    }

    @Test func codewordRuleReadsThePromptItself() {
        let reply = SimulatedReplies.reply(
            to: "The codeword is first. Wait, the codeword is second. Codeword?", conversationText: [])
        #expect(reply.text == "The codeword is second.")
    }

    @Test func codewordRuleAdmitsWhenNoneWasGiven() {
        let reply = SimulatedReplies.reply(to: "Tell me the CODEWORD", conversationText: ["hello"])
        #expect(reply.text == SimulatedReplies.unknownCodewordText)
    }

    @Test func replyOnlyRuleWinsOverCodewordRule() {
        let reply = SimulatedReplies.reply(to: "codeword? REPLY `x` ONLY", conversationText: ["the codeword is y"])
        #expect(reply.text == "x")
    }

    @Test func defaultReplyQuotesThePromptWithMarkdownAndEnoughLength() {
        let reply = SimulatedReplies.reply(to: "How is the weather?", conversationText: [])
        #expect(reply.text.hasPrefix("You said: \"How is the weather?\"."))
        #expect(reply.text.contains("**"))
        #expect(reply.text.count >= 200)
        #expect(SimulatedReplies.reply(to: "How is the weather?", conversationText: ["other"]) == reply)
    }

    @Test func defaultReplyCitesExactlyWhenThePromptHashIsEven() throws {
        let prompts = (0..<20).map { "prompt number \($0)" }
        let even = try #require(prompts.first { SimulatedReplies.stableHash($0) % 2 == 0 })
        let odd = try #require(prompts.first { SimulatedReplies.stableHash($0) % 2 == 1 })

        let cited = SimulatedReplies.reply(to: even, conversationText: [])
        #expect(cited.text.contains("[^1^]"))
        #expect(cited.text.contains("<File>Simulator-Notes.docx</File>"))
        #expect(cited.attributions.count == 2)
        #expect(cited.attributions.first?.providerDisplayName == "Simulator notes")
        #expect(cited.attributions.first?.seeMoreWebUrl == "https://contoso.sharepoint.com/sim/notes.docx")
        #expect(cited.attributions.allSatisfy { $0.attributionType == "citation" && $0.imageWidth == 0 })

        let plain = SimulatedReplies.reply(to: odd, conversationText: [])
        #expect(!plain.text.contains("[^"))
        #expect(plain.attributions.isEmpty)
    }

    @Test func defaultReplyMentionsHowManyContextNotesArrived() {
        let two = SimulatedReplies.reply(to: "Hi", conversationText: ["a", "b"], contextCount: 2)
        #expect(two.text.hasSuffix("(I also received 2 context notes.)"))
        let one = SimulatedReplies.reply(to: "Hi", conversationText: ["a"], contextCount: 1)
        #expect(one.text.hasSuffix("(I also received 1 context note.)"))
        #expect(!SimulatedReplies.reply(to: "Hi", conversationText: []).text.contains("context note"))
    }

    @Test func stableHashIsFNV1a64() {
        #expect(SimulatedReplies.stableHash("") == 0xcbf2_9ce4_8422_2325)
        #expect(SimulatedReplies.stableHash("a") == 0xaf63_dc4c_8601_ec8c)
    }
}
