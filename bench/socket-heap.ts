// node bench/socket-heap.ts [--viewers N]
// Where an idle viewer's bytes go (P3): golive as the chat benchmark runs it, a heap snapshot
// before and after N viewers connect and subscribe (default 1,000), and what each Socket.IO
// connection's objects keep alive. Prints the breakdown; the snapshots stay in bench/results/.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { BenchChild } from './lib/child.ts';
import { analyzeHeapSnapshot, type HeapBreakdown } from './lib/heap-snapshot.ts';
import { BENCH_ROOT, BenchStack, RESULTS_DIR } from './lib/stack.ts';
import type { ChatTarget, ConnectResult, SendResult } from './load/chat-jobs.ts';
import { type JoinGrantBody, requestJson, userTokens } from './scenarios/http.ts';

const { values } = parseArgs({ options: { viewers: { type: 'string', default: '1000' } } });
const viewerCount = Math.max(1, Number(values.viewers) || 1000);
const HISTORY_MESSAGES = 50; // as in the chat scenario: every subscribe returns them
const CLIENT_PROCESSES = 2;

mkdirSync(RESULTS_DIR, { recursive: true });
const stack = await BenchStack.start({
  name: 'socket-heap-golive',
  env: { CHAT_RATE_LIMIT_MESSAGES: '10000', NODE_OPTIONS: '--expose-gc', LOG_LEVEL: 'warn' },
});
const clients: BenchChild[] = [];
try {
  const [host, sender] = await userTokens('socket-heap-host', 2);
  if (!host || !sender) throw new Error('no tokens');
  const created = await requestJson<JoinGrantBody>('POST', `${stack.baseUrl}/v1/sessions`, host.token, {
    title: 'socket-heap',
    mode: 'broadcast',
    visibility: 'public',
  });
  if (created.status !== 201) throw new Error(`could not start a session: ${created.status} ${JSON.stringify(created.body)}`);
  const target: ChatTarget = { kind: 'golive', url: stack.baseUrl, sessionId: created.body.session.id };
  const script = join(BENCH_ROOT, 'load/chat-clients.ts');
  for (let i = 0; i < CLIENT_PROCESSES; i++) {
    clients.push(
      await BenchChild.start({ name: `socket-heap-clients-${i}`, script, logFile: join(RESULTS_DIR, `socket-heap-clients-${i}.log`) }),
    );
  }
  const first = clients[0] as BenchChild;
  const opened = await first.call<ConnectResult>('connect', { target, tokens: [sender.token], concurrency: 1 });
  if (opened.connected !== 1) throw new Error(`the sender could not connect: ${opened.errors.join('; ')}`);
  const history = await first.call<SendResult>('send', {
    kind: 'golive',
    sessionId: target.sessionId,
    tag: 'history',
    ratePerSec: 50,
    count: HISTORY_MESSAGES,
    textChars: 80,
  });
  if (history.accepted !== HISTORY_MESSAGES) throw new Error(`history refused: ${history.errors.join(', ')}`);

  const snapshot = async (name: string): Promise<HeapBreakdown> => {
    await new Promise((r) => setTimeout(r, 3_000)); // pings and timers settle
    await stack.golive.call('gc');
    const file = join(RESULTS_DIR, `socket-heap-${name}.heapsnapshot`);
    await stack.golive.call('heapSnapshot', { file });
    return analyzeHeapSnapshot(file);
  };
  const before = await snapshot('before');
  const tokens = (await userTokens('socket-heap-viewer', viewerCount)).map((t) => t.token);
  const results = await Promise.all(
    clients.map((child, i) =>
      child.call<ConnectResult>('connect', { target, tokens: tokens.filter((_, t) => t % clients.length === i), concurrency: 25 }),
    ),
  );
  const connected = results.reduce((n, r) => n + r.connected, 0);
  if (connected !== viewerCount)
    throw new Error(`${viewerCount - connected} viewers failed: ${results.flatMap((r) => r.errors).join('; ')}`);
  const after = await snapshot('after');
  console.log(report(before, after, viewerCount));
} finally {
  for (const child of clients) await child.stop();
  await stack.stop();
}

function report(before: HeapBreakdown, after: HeapBreakdown, viewers: number): string {
  const kb = (bytes: number) => (bytes / 1024).toFixed(2);
  const lines = [
    `golive heap, ${viewers.toLocaleString('en-US')} idle subscribed viewers: ${kb((after.total - before.total) / viewers)} KB per viewer ` +
      `(self sizes after a full GC, compiled code aside: it grew ${kb(after.code - before.code)} KB in all)`,
    '',
    'What each connection object keeps alive on its own (median retained size; count in the snapshot):',
    ...after.connections.map((c) => `  ${String(c.medianRetained).padStart(6)} B  ${c.label} (${c.count})`),
    '',
    'Self size per viewer by class, the 25 largest increases:',
  ];
  const growth = [...after.byClass]
    .map(([key, { bytes, count }]) => {
      const was = before.byClass.get(key) ?? { bytes: 0, count: 0 };
      return { key, bytes: (bytes - was.bytes) / viewers, count: (count - was.count) / viewers };
    })
    .sort((a, b) => b.bytes - a.bytes)
    .slice(0, 25);
  for (const g of growth) lines.push(`  ${g.bytes.toFixed(0).padStart(6)} B  ${g.count.toFixed(2).padStart(6)}×  ${g.key}`);
  return lines.join('\n');
}
