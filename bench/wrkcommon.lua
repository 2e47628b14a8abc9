-- Shared by openai.lua and graph.lua (loaded with dofile from the same folder).
--
-- wrk runs for its whole -d duration even when every thread has stopped, and reports that
-- duration. So a run here is bounded by a request budget instead: the thread stops after
-- `budget` responses, timestamps its first request and its last response with
-- clock_gettime(CLOCK_MONOTONIC) through LuaJIT's ffi, and sends wrk itself SIGINT, which ends
-- the run at once. The scripts therefore expect one wrk thread (-t1).

local ffi = require("ffi")
ffi.cdef [[
   typedef struct { long tv_sec; long tv_nsec; } bench_timespec;
   int clock_gettime(int clock, bench_timespec *ts);
   int getpid(void);
   int kill(int pid, int sig);
]]

local common = {}
local timespec = ffi.new("bench_timespec")

-- Defines wrk's global setup(), which numbers the threads, and done(), which reports them, and
-- the counters both scripts keep (globals, so that done() can read them from each thread).
function common.start()
   local threads = {}
   local count = 0
   function setup(thread)
      count = count + 1
      thread:set("tid", count)
      table.insert(threads, thread)
   end
   function done(summary, latency, requests)
      common.report(threads, summary, latency)
   end
   opts = {}
   built, responses, bad, captured, reused = 0, 0, 0, 0, 0
   first_us, last_us = nil, nil
end

-- After a response: once the thread's budget of responses is reached, flushes `out` (if any),
-- timestamps the last response and stops the run.
function common.stop_at_budget(out)
   if opts.budget > 0 and responses >= opts.budget then
      last_us = common.now_us()
      if out then out:flush() end
      common.finish(wrk.thread)
   end
end

function common.now_us()
   ffi.C.clock_gettime(1, timespec)
   return tonumber(timespec.tv_sec) * 1000000 + tonumber(timespec.tv_nsec) / 1000
end

function common.parse(args)
   local options = {}
   for _, arg in ipairs(args) do
      local key, value = arg:match("^([%w_]+)=(.*)$")
      if key then options[key] = value end
   end
   return options
end

-- Ends the run (after the budget): stop this thread's loop and interrupt wrk's main thread.
function common.finish(thread)
   thread:stop()
   ffi.C.kill(ffi.C.getpid(), 2)
end

-- The counters each thread keeps as globals, summed by done().
common.counters = { "responses", "bad", "captured", "built", "reused" }

function common.report(threads, summary, latency)
   local total = {}
   for _, key in ipairs(common.counters) do total[key] = 0 end
   local first, last = nil, nil
   for _, thread in ipairs(threads) do
      for _, key in ipairs(common.counters) do
         total[key] = total[key] + (thread:get(key) or 0)
      end
      local started, ended = thread:get("first_us"), thread:get("last_us")
      if started and (not first or started < first) then first = started end
      if ended and (not last or ended > last) then last = ended end
   end
   local elapsed = (first and last and last > first) and (last - first) or summary.duration
   local errors = summary.errors
   io.write(string.format(
      'RESULT {"requests":%d,"elapsed_us":%d,"wrk_duration_us":%d,"p50_us":%d,"p90_us":%d,"p99_us":%d,'
      .. '"mean_us":%.1f,"max_us":%d,"connect_errors":%d,"read_errors":%d,"write_errors":%d,'
      .. '"status_errors":%d,"timeouts":%d,"responses":%d,"bad":%d,"captured":%d,"built":%d,"reused":%d}\n',
      summary.requests, elapsed, summary.duration, latency:percentile(50), latency:percentile(90),
      latency:percentile(99), latency.mean, latency.max, errors.connect, errors.read, errors.write,
      errors.status, errors.timeout, total.responses, total.bad, total.captured, total.built,
      total.reused))
end

return common
