-- wrk script: the Graph calls the gateway makes, sent straight to the upstream (bench/run.sh).
--
-- Arguments after `--`, as key=value:
--   op=create   POST /beta/copilot/conversations with {}; expects 201 and writes each new
--               conversation id to IDS.<thread> (one a line).
--   op=chat     POST /beta/copilot/conversations/{id}/chat with the body the gateway sends for a
--   op=stream   turn without history (chatOverStream for op=stream), on the ids read from
--               IDS.<thread>, starting after the first `offset` ids, each id once per run
--               (a fresh conversation's first turn; a second run on the same ids makes second turns).
--   budget=N    stop the thread after N responses.
--   ids=PATH, offset=K
--
-- done() prints "RESULT {json}" like openai.lua.

local here = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
local common = dofile(here .. "wrkcommon.lua")

common.start()
local ids = {}
local out = nil
local chat_path = nil

function init(args)
   opts = common.parse(args)
   opts.budget = tonumber(opts.budget or "0")
   opts.offset = tonumber(opts.offset or "0")
   opts.op = opts.op or "create"
   wrk.method = "POST"
   wrk.headers["Content-Type"] = "application/json"
   wrk.headers["Authorization"] = "Bearer bench-token"
   if opts.op == "create" then
      wrk.headers["Accept"] = "application/json"
      out = assert(io.open(opts.ids .. "." .. tid, "w"))
   else
      wrk.headers["Accept"] = opts.op == "stream" and "text/event-stream" or "application/json"
      chat_path = opts.op == "stream" and "/chatOverStream" or "/chat"
      local file = assert(io.open(opts.ids .. "." .. tid, "r"))
      for line in file:lines() do
         if line ~= "" then ids[#ids + 1] = line end
      end
      file:close()
   end
end

function request()
   built = built + 1
   if built == 1 then first_us = common.now_us() end
   if opts.op == "create" then
      return wrk.format(nil, "/beta/copilot/conversations", nil, "{}")
   end
   local id = ids[opts.offset + built]
   if not id then
      reused = reused + 1
      id = ids[#ids]
   end
   local body = '{"contextualResources":{"webContext":{"isWebEnabled":false}},'
      .. '"locationHint":{"timeZone":"UTC"},"message":{"text":"bench-direct-' .. tid .. '-' .. built .. '"}}'
   return wrk.format(nil, "/beta/copilot/conversations/" .. id .. chat_path, nil, body)
end

function response(status, headers, body)
   responses = responses + 1
   if opts.op == "create" then
      local id = status == 201 and body:match('"id":"([^"]+)"')
      if id then
         out:write(id, "\n")
         captured = captured + 1
      else
         bad = bad + 1
      end
   elseif status ~= 200 or not body:find('"turnCount":', 1, true) then
      bad = bad + 1
   end
   common.stop_at_budget(out)
end
