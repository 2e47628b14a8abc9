-- The three API dialects the gateway speaks, as openai.lua sends and reads them (loaded with dofile
-- from the same folder). Each dialect has:
--   path                  where its requests go
--   headers               its request headers besides Content-Type
--   first(name, stream)   the body of a first turn: one user message `name`; the model is `name` too,
--                         so the answer (which repeats the model) says which request it belongs to
--   continue(a, r, stream)  the body of a continuing turn: user `a`, the assistant's reply `r` exactly
--                         as the gateway returned it (still JSON-escaped), then user "and then?"
--   reply_key, stream_key the JSON key whose string values, joined, are the reply in a whole answer /
--                         in a stream (still JSON-escaped)
--   done                  what a complete stream contains; failed: what marks a stream that failed
--
-- Every string put into a body is already JSON-escaped: the names are plain ASCII and the replies
-- are sent back as they were read.

local dialects = {}

local function flag(stream)
   return stream and "true" or "false"
end

-- OpenAI Chat Completions: POST /v1/chat/completions.
dialects.chat = {
   path = "/v1/chat/completions",
   headers = {},
   reply_key = "content",
   stream_key = "content",
   done = "data: [DONE]",
   failed = '{"error":',
   first = function(name, stream)
      return '{"model":"' .. name .. '","stream":' .. flag(stream)
         .. ',"messages":[{"role":"user","content":"' .. name .. '"}]}'
   end,
   continue = function(a, r, stream)
      return '{"model":"' .. a .. '","stream":' .. flag(stream)
         .. ',"messages":[{"role":"user","content":"' .. a
         .. '"},{"role":"assistant","content":"' .. r
         .. '"},{"role":"user","content":"and then?"}]}'
   end,
}

-- The OpenAI Responses API: POST /v1/responses, `input` items (`store` left at its default).
local function user_item(text)
   return '{"type":"message","role":"user","content":[{"type":"input_text","text":"' .. text .. '"}]}'
end

dialects.responses = {
   path = "/v1/responses",
   headers = {},
   -- A whole answer has the reply once, as its output_text's "text" (the response's own `text` is
   -- an object); a stream has it in its `response.output_text.delta` events.
   reply_key = "text",
   stream_key = "delta",
   done = "event: response.completed",
   failed = "event: response.failed",
   first = function(name, stream)
      return '{"model":"' .. name .. '","stream":' .. flag(stream) .. ',"input":[' .. user_item(name) .. ']}'
   end,
   continue = function(a, r, stream)
      return '{"model":"' .. a .. '","stream":' .. flag(stream) .. ',"input":[' .. user_item(a)
         .. ',{"type":"message","role":"assistant","content":[{"type":"output_text","text":"' .. r .. '"}]},'
         .. user_item("and then?") .. ']}'
   end,
}

-- The Anthropic Messages API: POST /v1/messages with `max_tokens` and Anthropic's headers.
dialects.messages = {
   path = "/v1/messages",
   headers = { ["anthropic-version"] = "2023-06-01", ["x-api-key"] = "bench-key" },
   -- The text blocks' "text" (a stream's content_block_start has it empty, its deltas have the rest).
   reply_key = "text",
   stream_key = "text",
   done = "event: message_stop",
   failed = "event: error",
   first = function(name, stream)
      return '{"model":"' .. name .. '","max_tokens":1024,"stream":' .. flag(stream)
         .. ',"messages":[{"role":"user","content":"' .. name .. '"}]}'
   end,
   continue = function(a, r, stream)
      return '{"model":"' .. a .. '","max_tokens":1024,"stream":' .. flag(stream)
         .. ',"messages":[{"role":"user","content":"' .. a
         .. '"},{"role":"assistant","content":[{"type":"text","text":"' .. r
         .. '"}]},{"role":"user","content":"and then?"}]}'
   end,
}

-- Every "KEY":"..." string value of the body, still JSON-escaped, joined; nil if one is unterminated.
function dialects.strings(body, key)
   local parts = {}
   local needle = '"' .. key .. '":"'
   local position = 1
   while true do
      local _, open = body:find(needle, position, true)
      if not open then break end
      local index = open + 1
      while true do
         local quote = body:find('["\\]', index)
         if not quote then return nil end
         if body:sub(quote, quote) == "\\" then
            index = quote + 2
         else
            parts[#parts + 1] = body:sub(open + 1, quote - 1)
            position = quote + 1
            break
         end
      end
   end
   return table.concat(parts)
end

return dialects
