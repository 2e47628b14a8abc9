-- wrk script: turns of one API dialect against the gateway (bench/run.sh, bench/profile.sh).
--
-- Arguments after `--`, as key=value:
--   dialect=chat   chat (OpenAI Chat Completions, the default), responses (the OpenAI Responses API)
--                  or messages (the Anthropic Messages API): how each body is written and each
--                  answer read (dialects.lua).
--   mode=first     a first turn per request: one user message "bench-<tag>-<thread>-<n>", unique in
--                  the run; the model name carries the same text, so the answer (which echoes the
--                  model) says which request it belongs to.
--   mode=continue  each request continues one conversation made by an earlier `first` run of the
--                  same dialect: [user A, assistant R, user "and then?"], where R is the reply
--                  exactly as the gateway returned it (JSON-escaped, as read from that run's answer
--                  or stream). Each history is sent once: after the turn the conversation has moved on.
--   stream=0|1     "stream": true or false.
--   budget=N       stop the thread after N responses (0: run for wrk's -d).
--   tag=STRING     makes the first-turn messages unique across runs.
--   pairs=PATH     first: write "A<TAB>R" lines of the 200 answers to PATH.<thread>;
--                  continue: read them from PATH.<thread>.
--   path=PATH      where to post instead of the dialect's path (stack-floor's query strings)
--
-- done() prints one line "RESULT {json}" with wrk's latency percentiles (microseconds), the
-- request count and duration, wrk's error counts and this script's own checks.

local here = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
local common = dofile(here .. "wrkcommon.lua")
local dialects = dofile(here .. "dialects.lua")

common.start()
local histories = {}
local out = nil
local dialect = nil

function init(args)
   opts = common.parse(args)
   opts.budget = tonumber(opts.budget or "0")
   opts.stream = opts.stream or "0"
   opts.mode = opts.mode or "first"
   opts.tag = opts.tag or "run"
   dialect = assert(dialects[opts.dialect or "chat"], "dialect= must be chat, responses or messages")
   opts.path = opts.path or dialect.path
   wrk.method = "POST"
   wrk.headers["Content-Type"] = "application/json"
   for name, value in pairs(dialect.headers) do wrk.headers[name] = value end
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

function request()
   built = built + 1
   if built == 1 then first_us = common.now_us() end
   local stream = opts.stream == "1"
   local body
   if opts.mode == "continue" then
      -- Past the end of the list (run.sh keeps the budget below its length) the last history is
      -- reused; such a request starts a new conversation and is counted in `reused`.
      local history = histories[built]
      if not history then
         reused = reused + 1
         history = histories[#histories]
      end
      body = dialect.continue(history[1], history[2], stream)
   else
      body = dialect.first("bench-" .. opts.tag .. "-" .. tid .. "-" .. built, stream)
   end
   return wrk.format(nil, opts.path, nil, body)
end

function response(status, headers, body)
   responses = responses + 1
   if status ~= 200 then
      bad = bad + 1
   elseif opts.stream == "1" and (not body:find(dialect.done, 1, true) or body:find(dialect.failed, 1, true)) then
      bad = bad + 1
   elseif out then
      local name = body:match('"model":"([^"]*)"')
      local reply = dialects.strings(body, opts.stream == "1" and dialect.stream_key or dialect.reply_key)
      if name and reply and reply ~= "" then
         out:write(name, "\t", reply, "\n")
         captured = captured + 1
      end
   end
   common.stop_at_budget(out)
end
