-- SPDX-License-Identifier: Apache-2.0 (see LICENSE)
-- GET PATH_PREFIX?q=QUERY&limit=20, QUERY drawn at random from the lines of QUERIES (a file of
-- URL-encoded queries, bench/kb-gen.py), as AUTH_HEADER (env).
local prefix = os.getenv("PATH_PREFIX") or "/itsm/articles"
local queries = {}
for line in io.lines(os.getenv("QUERIES")) do
  if line ~= "" then queries[#queries + 1] = line end
end
wrk.headers["Authorization"] = os.getenv("AUTH_HEADER")
math.randomseed(os.time() + math.floor(os.clock() * 1000000))
request = function()
  return wrk.format("GET", prefix .. "?limit=20&q=" .. queries[math.random(1, #queries)])
end
