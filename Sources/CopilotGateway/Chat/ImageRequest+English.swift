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
