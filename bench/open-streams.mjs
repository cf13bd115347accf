// Opens many streamed chat completions through the gateway at once and keeps them open (bench/open-streams.sh).
// Each stream has its own connection; the simulated upstream sends one token a second for STREAM_SECONDS.
// Prints one JSON line per event to stdout: progress, a heap sample (taken by the script that started us), the summary.
import http from 'node:http';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);
const env = (name, fallback) => process.env[name] ?? fallback;
const url = new URL(env('GATEWAY_URL', 'http://127.0.0.1:18303') + '/v1/chat/completions');
const key = env('GATEWAY_KEY');
const streams = Number(env('STREAMS', '9000'));
const models = Number(env('MODELS', '5'));
const rate = Number(env('OPEN_PER_SECOND', '300'));
const seconds = Number(env('STREAM_SECONDS', '120'));
const gatewayPid = env('GATEWAY_PID');
const marks = env('HEAP_MARKS', '0,1000,2500,5000,7500,9000').split(',').map(Number);

const agent = new http.Agent({ keepAlive: false, maxSockets: Infinity });
const state = { opened: 0, streaming: 0, done: 0, failed: 0, chunks: 0, firstChunkMs: [], errors: {} };
const out = (o) => process.stdout.write(JSON.stringify(o) + '\n');

async function liveHeapKb() {
  await run('jcmd', [gatewayPid, 'GC.run']);
  const { stdout } = await run('jcmd', [gatewayPid, 'GC.heap_info']);
  const m = /total \d+K, used (\d+)K/.exec(stdout);
  return m ? Number(m[1]) : null;
}

async function sample(label) {
  const at = { streaming: state.streaming, done: state.done, failed: state.failed };
  const kb = await liveHeapKb();
  out({ event: 'heap', label, ...at, live_heap_kb: kb });
}

function fail(reason) {
  state.failed++;
  state.errors[reason] = (state.errors[reason] ?? 0) + 1;
}

function open(i) {
  const body = JSON.stringify({
    model: `stream-${(i % models) + 1}`,
    messages: [{ role: 'user', content: 'Tell me a long story.' }],
    max_tokens: seconds + 50,
    stream: true,
    stream_options: { include_usage: true },
  });
  const started = process.hrtime.bigint();
  state.opened++;
  const req = http.request(url, {
    method: 'POST', agent,
    headers: {
      authorization: `Bearer ${key}`, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body),
      'x-mock': `tps=1,tokens=${seconds}`,
    },
  }, (res) => {
    if (res.statusCode !== 200) {
      fail(`status_${res.statusCode}`);
      res.resume();
      return;
    }
    let first = true;
    let tail = '';
    res.setEncoding('utf8');
    res.on('data', (text) => {
      if (first) {
        first = false;
        state.streaming++;
        state.firstChunkMs.push(Number(process.hrtime.bigint() - started) / 1e6);
      }
      state.chunks += (text.match(/^data: /gm) ?? []).length;
      tail = (tail + text).slice(-64);
    });
    res.on('end', () => {
      if (!first) state.streaming--;
      if (tail.includes('data: [DONE]')) state.done++; else fail('no_done');
    });
    res.on('error', () => { if (!first) state.streaming--; fail('response_error'); });
  });
  req.on('error', (e) => fail(e.code ?? 'request_error'));
  req.end(body);
}

function percentile(values, p) {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

await sample('before');
const t0 = Date.now();
let next = 0;
const pendingMarks = marks.filter((m) => m > 0 && m <= streams);
const ticker = setInterval(() => out({ event: 'progress', seconds: Math.round((Date.now() - t0) / 1000), opened: state.opened,
  streaming: state.streaming, done: state.done, failed: state.failed, chunks: state.chunks }), 5000);
// heap at each mark, as soon as that many streams are open at once, while the others are still being opened
const marking = (async () => {
  for (const mark of pendingMarks) {
    while (state.streaming < mark && state.streaming + state.done + state.failed < streams) await sleep(100);
    if (state.streaming >= mark) await sample(`${mark} open`);
  }
})();
while (next < streams) {
  const due = Math.min(streams, Math.floor(((Date.now() - t0) / 1000) * rate) + 1);
  while (next < due) open(next++);
  await sleep(20);
}
await marking;
// every stream answered its first chunk (or failed); none has ended yet when STREAM_SECONDS outlasts the ramp
while (state.streaming + state.done + state.failed < streams) await sleep(100);
const allOpen = { streaming: state.streaming, seconds: Math.round((Date.now() - t0) / 1000) };
out({ event: 'all_open', ...allOpen });
// while they stay open: the heap over time, flat unless something leaks per chunk
for (let i = 1; state.done === 0 && state.failed + state.streaming >= streams && i <= 4; i++) {
  await sleep(15000);
  if (state.done === 0) await sample(`all open, +${i * 15} s`);
}
while (state.done + state.failed < streams) await sleep(250);
clearInterval(ticker);
await sleep(2000);
await sample('after');
// the gateway keeps idle upstream connections for their keep-alive timeout (60 s) before closing them
await sleep(65000);
await sample('after, +65 s');
out({
  event: 'summary', streams, done: state.done, failed: state.failed, errors: state.errors, peak_streaming: allOpen.streaming,
  chunks: state.chunks, seconds: Math.round((Date.now() - t0) / 1000),
  first_chunk_ms: { p50: percentile(state.firstChunkMs, 50), p99: percentile(state.firstChunkMs, 99),
    max: percentile(state.firstChunkMs, 100) },
});
