-- SPDX-License-Identifier: Apache-2.0 (see LICENSE)
-- Mixed load for bench/run --memory: one POST (create) in every CREATE_EVERY requests (env,
-- default 2), the others GET a random existing number in [1, MAX_ID]; as AUTH_HEADER (env).
local create_path = os.getenv("PATH_CREATE") or "/itsm/tests"
local prefix = os.getenv("PATH_PREFIX") or "/itsm/tests/TST"
local max_id = tonumber(os.getenv("MAX_ID") or "1000")
local every = tonumber(os.getenv("CREATE_EVERY") or "2")
local auth = os.getenv("AUTH_HEADER")
local body = [[<?xml version="1.0" encoding="UTF-8"?>
<ticket xmlns="urn:mod-itsm:xml:1"><title>Printer on floor 3 does not print</title><description>Since this morning the printer in room 3.14 shows error 0x42 and prints nothing.</description><priority>P3</priority></ticket>]]
local post_headers = { ["Content-Type"] = "application/xml", ["Authorization"] = auth }
local get_headers = { ["Authorization"] = auth }
local i = 0
math.randomseed(os.time() + math.floor(os.clock() * 1000000))
request = function()
  i = i + 1
  if i % every == 0 then
    return wrk.format("POST", create_path, post_headers, body)
  end
  return wrk.format("GET", prefix .. string.format("%07d", math.random(1, max_id)), get_headers)
end
