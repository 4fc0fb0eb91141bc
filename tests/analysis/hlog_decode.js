// hlog_decode.js — read one hist/<path>.hlog of lab-analyze with hdr-histogram-js (an independent
// HdrHistogram implementation) and hold it against summary.json: every interval line decodes, every
// interval carries the path's tag, the intervals' total count is the path's received packets, and
// the merged histogram's p50 / p99 / max fall in the same histogram bucket as the lab's exact
// figures (the histogram's precision: one bucket, 3 significant digits).
// usage: node hlog_decode.js MODULE_DIR FILE.hlog summary.json PATH
"use strict";
const fs = require("fs");
const path = require("path");

const [modDir, file, summaryFile, pathName] = process.argv.slice(2);
const hdr = require(path.join(modDir, "node_modules", "hdr-histogram-js"));
const text = fs.readFileSync(file, "utf8");
const lab = JSON.parse(fs.readFileSync(summaryFile, "utf8")).paths[pathName];
let bad = 0;
const check = (ok, what) => {
  console.log(`${ok ? "ok" : "not ok"} - ${pathName}: ${what}`);
  if (!ok) bad++;
};

for (const head of ["#[StartTime: ", "#[BaseTime: ",
  '"StartTimestamp","Interval_Length","Interval_Max","Interval_Compressed_Histogram"'])
  check(text.split("\n").some((l) => l.startsWith(head)), `has ${head.slice(0, 24)}`);
// HdrHistogram_c reads header lines with a 128-byte fgets: a longer one breaks its reader
const longHead = text.split("\n").filter((l) => /^[#"]/.test(l) && l.length >= 127);
check(longHead.length === 0, `header lines under 127 characters (${longHead.length} longer)`);
const lines = text.split("\n").filter((l) => l.startsWith("Tag="));
check(lines.length > 0, `${lines.length} interval lines`);

const reader = new hdr.HistogramLogReader(text);
const merged = hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 3600e9,
  numberOfSignificantValueDigits: 3 });
let decoded = 0, tagsOk = true, first;
const counts = [];
for (let h; (h = reader.nextIntervalHistogram()) !== null; decoded++) {
  if (h.tag !== pathName) tagsOk = false;
  first = first || h;
  console.log(`# interval ${decoded}: start ${(h.startTimeStampMsec / 1000).toFixed(3)} s, ` +
    `count ${h.totalCount}, p50 ${h.getValueAtPercentile(50)} ns, ` +
    `p99 ${h.getValueAtPercentile(99)} ns, max ${h.maxValue} ns`);
  counts.push(h.totalCount);
  merged.add(h);
}
check(decoded === lines.length, `decoded ${decoded} of ${lines.length} intervals`);
if (process.env.EXPECT_COUNTS) // the run's per-second received counts, when the test knows them
  check(counts.join(",") === process.env.EXPECT_COUNTS,
    `interval counts ${counts.join(",")} (expected ${process.env.EXPECT_COUNTS})`);
check(tagsOk, "every interval tagged with the path");
if (first)
  check(first.lowestDiscernibleValue === 1 && first.numberOfSignificantValueDigits === 3,
    `lowest discernible ${first.lowestDiscernibleValue}, ` +
    `${first.numberOfSignificantValueDigits} significant digits`);
check(merged.totalCount === lab.received,
  `total count ${merged.totalCount} = received ${lab.received}`);

// within precision: the lab's exact value and the histogram's lie in one equivalent range
const same = (histV, labV) => labV >= merged.lowestEquivalentValue(histV) &&
  labV <= merged.highestEquivalentValue(histV);
for (const [key, p] of [["p50", 50], ["p99", 99], ["max", 100]]) {
  const hv = key === "max" ? merged.maxValue : merged.getValueAtPercentile(p);
  check(same(hv, lab.rtt_ns[key]),
    `${key}: histogram ${hv} ns, lab ${lab.rtt_ns[key]} ns ` +
    `(bucket ${merged.lowestEquivalentValue(hv)}..${merged.highestEquivalentValue(hv)})`);
}
process.exit(bad ? 1 : 0);
