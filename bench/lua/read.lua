-- SPDX-License-Identifier: Apache-2.0 (see LICENSE)
-- GET PREFIX followed by a random 7-digit number in [1, MAX_ID], as AUTH_HEADER (env).
local prefix = os.getenv("PATH_PREFIX") or "/itsm/tests/TST"
local max_id = tonumber(os.getenv("MAX_ID") or "1000")
wrk.headers["Authorization"] = os.getenv("AUTH_HEADER")
math.randomseed(os.time() + math.floor(os.clock() * 1000000))
request = function()
  return wrk.format("GET", prefix .. string.format("%07d", math.random(1, max_id)))
end
