-- wrk script for the redirect benchmark: `wrk ... -s bench/redirect.lua URL -- CODES_FILE SEED`
--
-- Codes are drawn with a Zipf-like skew (rank k has probability ~1/k: a few links go viral,
-- most get a click now and then), user agents are a mix of real browsers (~85%) and the
-- link-preview crawlers of the networks (~15%), and ~2% of the browser requests are HEAD.
-- Each thread builds a pool of requests once, so the client spends its time sending, not
-- in Lua. done() prints one JSON line ("BENCH_JSON {...}") for the Python side to parse.

local browsers = {
  -- {weight, user agent}
  {24, "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1"},
  {22, "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.6478.71 Mobile Safari/537.36"},
  {20, "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36"},
  {8, "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:127.0) Gecko/20100101 Firefox/127.0"},
  {8, "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36 Edg/126.0.2592.68"},
  {6, "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15"},
  {4, "Mozilla/5.0 (Linux; Android 14; SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/25.0 Chrome/121.0.0.0 Mobile Safari/537.36"},
  {4, "Mozilla/5.0 (iPad; CPU OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1"},
}
local crawlers = {
  {3, "LinkedInBot/1.0 (compatible; Mozilla/5.0; Apache-HttpClient +http://www.linkedin.com)"},
  {2, "Twitterbot/1.0"},
  {3, "facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)"},
  {2, "Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)"},
  {1, "Mozilla/5.0 (compatible; Discordbot/2.0; +https://discordapp.com)"},
  {2, "WhatsApp/2.24.13.78 A"},
  {1, "TelegramBot (like TwitterBot)"},
  {1, "Mozilla/5.0 (compatible; Bluesky Cardyb/1.1; +mailto:support@bsky.app)"},
  {1, "http.rb/5.2.0 (Mastodon/4.2.10; +https://mastodon.social/) Bot"},
}
local referrers = {
  "https://www.linkedin.com/", "https://t.co/", "https://l.facebook.com/", "", "", "",
}
local CRAWLER_SHARE = 0.15
local HEAD_SHARE = 0.02
local POOL_SIZE = 131072

local function weighted(list)
  local total = 0
  for _, item in ipairs(list) do total = total + item[1] end
  local r = math.random() * total
  for _, item in ipairs(list) do
    r = r - item[1]
    if r <= 0 then return item[2] end
  end
  return list[#list][2]
end

local threads = {}
local counter = 0

function setup(thread)
  counter = counter + 1
  thread:set("id", counter)
  table.insert(threads, thread)
end

-- Per thread (each has its own Lua state): read the codes, build the pool.
local pool = {}
local pool_previews = {}
local position = 0
sent = 0          -- requests written, read by done() through thread:get
sent_previews = 0 -- of which crawler or HEAD requests (stored as previews, not clicks)

function init(args)
  local codes = {}
  for line in io.lines(args[1]) do
    if #line > 0 then codes[#codes + 1] = line end
  end
  local n = #codes
  math.randomseed(tonumber(args[2] or "1") * 7919 + id)
  for i = 1, POOL_SIZE do
    -- Rank k = floor(n^u) with u uniform: P(k) ~ ln((k+1)/k) ~ 1/k, a Zipf law with s = 1.
    local code = codes[math.floor(n ^ math.random())]
    local headers = {}
    local preview = false
    if math.random() < CRAWLER_SHARE then
      headers["User-Agent"] = weighted(crawlers)
      preview = true
    else
      headers["User-Agent"] = weighted(browsers)
      headers["Accept"] = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
      headers["Accept-Language"] = "en-US,en;q=0.9"
      local referrer = referrers[math.random(#referrers)]
      if referrer ~= "" then headers["Referer"] = referrer end
    end
    local method = "GET"
    if math.random() < HEAD_SHARE then
      method = "HEAD"
      preview = true
    end
    pool[i] = wrk.format(method, "/l/" .. code, headers)
    pool_previews[i] = preview
  end
  position = math.random(POOL_SIZE) - 1
end

function request()
  position = position % POOL_SIZE + 1
  sent = sent + 1
  if pool_previews[position] then sent_previews = sent_previews + 1 end
  return pool[position]
end

function done(summary, latency, requests)
  local total_sent, total_previews = 0, 0
  for _, thread in ipairs(threads) do
    total_sent = total_sent + thread:get("sent")
    total_previews = total_previews + thread:get("sent_previews")
  end
  local e = summary.errors
  io.write(string.format(
    'BENCH_JSON {"duration_us":%d,"requests":%d,"sent":%d,"sent_previews":%d,' ..
    '"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d},' ..
    '"latency_us":{"p50":%d,"p90":%d,"p99":%d,"p999":%d,"max":%d,"mean":%.1f}}\n',
    summary.duration, summary.requests, total_sent, total_previews,
    e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99),
    latency:percentile(99.9), latency.max, latency.mean))
end
