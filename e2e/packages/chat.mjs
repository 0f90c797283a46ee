// Plain Node JavaScript, no TypeScript, using @golive/sdk as installed from its npm pack tarball:
// a host goes live, a viewer's session store receives the host's chat message.
import { createGoliveClient, SessionStore } from '@golive/sdk';

const { GOLIVE_URL: baseUrl, HOST_TOKEN, VIEWER_TOKEN } = process.env;
const host = createGoliveClient({ baseUrl, token: HOST_TOKEN });
const viewer = createGoliveClient({ baseUrl, token: VIEWER_TOKEN });

const { session } = await host.createSession({ title: 'Plain JavaScript', mode: 'broadcast', visibility: 'public' });

const viewerRealtime = viewer.realtime();
const store = new SessionStore({ client: viewer, realtime: viewerRealtime, sessionId: session.id });
await store.start();
const received = new Promise((resolve) => {
  const off = store.subscribe(() => {
    const message = store.getSnapshot().chat.messages.at(-1);
    if (message) {
      off();
      resolve(message);
    }
  });
});

const hostRealtime = host.realtime();
await hostRealtime.connect();
const hostSubscription = await hostRealtime.subscribe(session.id);
await hostSubscription.send('hello from plain JavaScript');

const message = await received;
console.log(JSON.stringify({ sessionId: session.id, phase: store.getSnapshot().phase, text: message.text, seq: message.seq }));
await store.stop();
viewerRealtime.close();
hostRealtime.close();
