-- wrk script: OpenAI chat completions against the gateway (bench/run.sh).
--
-- Arguments after `--`, as key=value:
--   mode=first     a first turn per request: one user message "bench-<tag>-<thread>-<n>", unique in
--                  the run; the model name carries the same text, so the answer (which echoes the
--                  model) says which request it belongs to.
--   mode=continue  each request continues one conversation made by an earlier `first` run:
--                  [user A, assistant R, user "and then?"], where R is the reply exactly as the
--                  gateway returned it (JSON-escaped, as read from that run's answer). Each history
--                  is sent once: after the turn the conversation has moved on.
--   stream=0|1     "stream": true or false.
--   budget=N       stop the thread after N responses (0: run for wrk's -d).
--   tag=STRING     makes the first-turn messages unique across runs.
--   pairs=PATH     first: write "A<TAB>R" lines of the 200 answers to PATH.<thread>;
--                  continue: read them from PATH.<thread>.
--   path=/v1/chat/completions
--
-- done() prints one line "RESULT {json}" with wrk's latency percentiles (microseconds), the
-- request count and duration, wrk's error counts and this script's own checks.

local here = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
local common = dofile(here .. "wrkcommon.lua")

common.start()
local histories = {}
local out = nil

function init(args)
   opts = common.parse(args)
   opts.budget = tonumber(opts.budget or "0")
   opts.stream = opts.stream or "0"
   opts.mode = opts.mode or "first"
   opts.tag = opts.tag or "run"
   opts.path = opts.path or "/v1/chat/completions"
   wrk.method = "POST"
   wrk.headers["Content-Type"] = "application/json"
   if opts.mode == "continue" then
      local file = assert(io.open(opts.pairs .. "." .. tid, "r"))
      for line in file:lines() do
         local a, r = line:match("^([^\t]*)\t(.*)$")
         if a then histories[#histories + 1] = { a, r } end
      end
      file:close()
   elseif opts.pairs then
      out = assert(io.open(opts.pairs .. "." .. tid, "w"))
   end
end

local stream_field = nil

function request()
   built = built + 1
   if built == 1 then first_us = common.now_us() end
   stream_field = stream_field or (opts.stream == "1" and "true" or "false")
   local body
   if opts.mode == "continue" then
      -- Past the end of the list (run.sh keeps the budget below its length) the last history is
      -- reused; such a request starts a new conversation and is counted in `reused`.
      local history = histories[built]
      if not history then
         reused = reused + 1
         history = histories[#histories]
      end
      body = '{"model":"' .. history[1] .. '","stream":' .. stream_field
         .. ',"messages":[{"role":"user","content":"' .. history[1]
         .. '"},{"role":"assistant","content":"' .. history[2]
         .. '"},{"role":"user","content":"and then?"}]}'
   else
      local name = "bench-" .. opts.tag .. "-" .. tid .. "-" .. built
      body = '{"model":"' .. name .. '","stream":' .. stream_field
         .. ',"messages":[{"role":"user","content":"' .. name .. '"}]}'
   end
   return wrk.format(nil, opts.path, nil, body)
end

-- Every "content":"..." string of the body, still JSON-escaped, joined: the whole reply for an
-- answer, the concatenated deltas for a stream.
local function contents(body)
   local parts = {}
   local position = 1
   while true do
      local _, open = body:find('"content":"', position, true)
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

function response(status, headers, body)
   responses = responses + 1
   if status ~= 200 then
      bad = bad + 1
   elseif opts.stream == "1" and (not body:find("data: [DONE]", 1, true) or body:find('{"error":', 1, true)) then
      bad = bad + 1
   elseif out then
      local name = body:match('"model":"([^"]*)"')
      local reply = contents(body)
      if name and reply and reply ~= "" then
         out:write(name, "\t", reply, "\n")
         captured = captured + 1
      end
   end
   common.stop_at_budget(out)
end
