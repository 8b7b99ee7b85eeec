-- SPDX-License-Identifier: Apache-2.0 (see LICENSE)
-- GET PATH_PREFIX?q=QUERY&limit=20, QUERY drawn at random from the lines of QUERIES (a file of
-- URL-encoded queries, bench/kb-gen.py), as AUTH_HEADER (env): uniformly, or with ZIPF=1 by a
-- Zipf law over the file's order (the i-th query with weight 1/i), as real search logs are.
local prefix = os.getenv("PATH_PREFIX") or "/itsm/articles"
local queries = {}
for line in io.lines(os.getenv("QUERIES")) do
  if line ~= "" then queries[#queries + 1] = line end
end
wrk.headers["Authorization"] = os.getenv("AUTH_HEADER")
math.randomseed(os.time() + math.floor(os.clock() * 1000000))
local cumulative = nil
if os.getenv("ZIPF") == "1" then
  cumulative = {}
  local sum = 0
  for i = 1, #queries do
    sum = sum + 1 / i
    cumulative[i] = sum
  end
end
local function pick()
  if cumulative == nil then return math.random(1, #queries) end
  local x = math.random() * cumulative[#cumulative]
  local lo, hi = 1, #cumulative
  while lo < hi do
    local mid = math.floor((lo + hi) / 2)
    if cumulative[mid] < x then lo = mid + 1 else hi = mid end
  end
  return lo
end
request = function()
  return wrk.format("GET", prefix .. "?limit=20&q=" .. queries[pick()])
end
