// A React page on @golive/react and @golive/sdk as installed from their npm pack tarballs: it
// renders a session's chat. The test hands it golive's URL, a token and the session id.
import { GoliveProvider, SessionProvider, useGoliveSession, useSessionChat } from '@golive/react';
import { createGoliveClient } from '@golive/sdk';
import { createRoot } from 'react-dom/client';

const { baseUrl, token, sessionId } = window.goliveScratch;
const client = createGoliveClient({ baseUrl, token });

function ChatLog() {
  const { phase } = useGoliveSession();
  const { messages } = useSessionChat();
  return (
    <section data-phase={phase}>
      <ol aria-label="Chat">
        {messages.map((m) => (
          <li key={m.id}>
            <b>{m.user.name}</b> <span className="text">{m.text}</span>
          </li>
        ))}
      </ol>
    </section>
  );
}

createRoot(document.getElementById('root')).render(
  <GoliveProvider client={client}>
    <SessionProvider sessionId={sessionId}>
      <ChatLog />
    </SessionProvider>
  </GoliveProvider>,
);
