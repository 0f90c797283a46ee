import { SERVICE_PRINCIPAL } from '../src/auth/principal.ts';
import { TEST_API_KEY, TestStack } from './harness.ts';
import { liveSession } from './realtime-clients.ts';
import { registerReceiver, WebhookReceiver } from './webhook-receiver.ts';

const stack = await TestStack.start({ env: { LOG_LEVEL: 'warn' } });
const r = await WebhookReceiver.start();
const client = { call: async <T>(m: string, p: string, o: Record<string, unknown>) => { const res = await stack.request<T>(m, p, { headers: { 'x-api-key': String(o.apiKey) }, body: o.json }); return { ...res, text: '' }; } };
await registerReceiver(client, TEST_API_KEY, r);
const ids: string[] = [];
for (let i = 0; i < 50; i++) ids.push((await liveSession(stack)).id);
const rate = Number(process.env.RATE ?? 200);
const total = rate * 3;
const commitMs: number[] = [];
const t0 = performance.now();
const all: Promise<void>[] = [];
for (let i = 0; i < total; i++) {
  const wait = t0 + (i / rate) * 1000 - performance.now();
  if (wait > 1) await new Promise((res) => setTimeout(res, wait));
  const s = performance.now();
  all.push(stack.services.sessions.updateSettings(SERVICE_PRINCIPAL, ids[i % ids.length] as string, { slowModeSec: i % 60 }).then(() => void commitMs.push(performance.now() - s)));
}
await Promise.all(all);
const emitted = (performance.now() - t0) / 1000;
while (r.accepted().filter((d) => d.event.type === 'live.session.settings.changed').length < total) await new Promise((res) => setTimeout(res, 50));
const done = (performance.now() - t0) / 1000;
commitMs.sort((a, b) => a - b);
const lat = r.accepted().filter((d) => d.event.type === 'live.session.settings.changed').map((d) => d.at - Date.parse(d.event.timestamp)).sort((a, b) => a - b);
console.log({ rate, total, emittedSec: emitted, doneSec: done, commitP50: commitMs[total >> 1], commitP99: commitMs[Math.floor(total * 0.99)], latP50: lat[lat.length >> 1], latP99: lat[Math.floor(lat.length * 0.99)] });
await r.stop();
await stack.stop();
