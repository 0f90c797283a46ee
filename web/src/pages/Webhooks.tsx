import { WEBHOOK_EVENT_TYPES } from '@golive/sdk';
import { useCallback, useEffect, useId, useState } from 'react';
import { AdminsOnly } from '../components/AdminsOnly.tsx';
import { useUser } from '../golive/auth.tsx';
import { describeError } from '../golive/errors.ts';
import { type WebhookDelivery, type WebhookEndpoint, webhooksApi } from '../golive/webhooks-api.ts';

/** Where the app hears about sessions: endpoints, their secrets, and the delivery log. */
export function Webhooks() {
  const user = useUser();
  const [endpoints, setEndpoints] = useState<WebhookEndpoint[]>([]);
  const [secret, setSecret] = useState<{ url: string; secret: string } | null>(null);
  const [logFor, setLogFor] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);

  const refresh = useCallback(async () => {
    try {
      setEndpoints(await webhooksApi.list());
      setError(null);
    } catch (e) {
      setError(describeError(e));
    }
  }, []);
  useEffect(() => void refresh(), [refresh]);

  if (!user.admin) return <AdminsOnly />;

  const act = async (work: () => Promise<unknown>, done?: string) => {
    try {
      await work();
      if (done) setNotice(done);
      await refresh();
    } catch (e) {
      setError(describeError(e));
    }
  };

  return (
    <section className="admin" aria-labelledby="webhooks-title">
      <h1 id="webhooks-title">Webhooks</h1>
      <p className="muted">golive POSTs every session event to these endpoints, signed as Standard Webhooks (docs/events.md).</p>
      {error && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
      {notice && (
        <p role="status" className="muted">
          {notice}
        </p>
      )}
      {secret && (
        <section className="panel panel-wide" aria-labelledby="webhook-secret">
          <h2 id="webhook-secret">Signing secret for {secret.url}</h2>
          <p>Copy it now: it is not shown again.</p>
          <p>
            <code className="secret" data-testid="webhook-secret">
              {secret.secret}
            </code>
          </p>
          <button type="button" className="btn btn-small" onClick={() => setSecret(null)}>
            I have saved it
          </button>
        </section>
      )}
      <div className="admin-grid">
        <AddEndpoint
          onCreated={(created) => {
            setSecret({ url: created.url, secret: created.secret });
            void refresh();
          }}
          onError={(e) => setError(describeError(e))}
        />
        <section aria-labelledby="webhook-endpoints" className="panel">
          <h2 id="webhook-endpoints">
            Endpoints <span className="count">{endpoints.length}</span>
          </h2>
          {endpoints.length === 0 && <p className="muted">No endpoint yet.</p>}
          <ul className="admin-list">
            {endpoints.map((e) => (
              <li key={e.id} className="admin-row" data-endpoint-id={e.id}>
                <div className="admin-row-main">
                  <strong>{e.url}</strong>
                  <span className="muted small">
                    {e.enabled ? 'enabled' : `disabled: ${e.disabledReason ?? ''}`} ·{' '}
                    {e.eventTypes ? e.eventTypes.join(', ') : 'all events'}
                    {e.fromEnv ? ' · from GOLIVE_WEBHOOK_URL' : ''}
                    {e.failingSince ? ` · failing since ${new Date(e.failingSince).toLocaleString()}` : ''}
                  </span>
                </div>
                <div className="admin-actions">
                  <button type="button" className="btn btn-small" onClick={() => setLogFor(e.id)}>
                    Deliveries
                  </button>
                  <button
                    type="button"
                    className="btn btn-small"
                    onClick={() => void act(() => webhooksApi.update(e.id, { enabled: !e.enabled }))}
                  >
                    {e.enabled ? 'Disable' : 'Enable'}
                  </button>
                  {!e.fromEnv && (
                    <button
                      type="button"
                      className="btn btn-small"
                      onClick={() => void act(async () => setSecret({ url: e.url, secret: (await webhooksApi.rotate(e.id)).secret }))}
                    >
                      Rotate secret
                    </button>
                  )}
                  <button
                    type="button"
                    className="btn btn-small"
                    onClick={() =>
                      void act(async () => {
                        const since = new Date(Date.now() - 86_400_000).toISOString();
                        const { replayed } = await webhooksApi.replay(e.id, { since });
                        setNotice(`Replaying ${replayed} events of the last 24 h to ${e.url}`);
                      })
                    }
                  >
                    Replay 24 h
                  </button>
                  {!e.fromEnv && (
                    <button type="button" className="btn btn-small btn-danger" onClick={() => void act(() => webhooksApi.remove(e.id))}>
                      Delete
                    </button>
                  )}
                </div>
              </li>
            ))}
          </ul>
        </section>
        {logFor && <DeliveryLog endpointId={logFor} onClose={() => setLogFor(null)} />}
      </div>
    </section>
  );
}

function AddEndpoint({ onCreated, onError }: { onCreated: (e: { url: string; secret: string }) => void; onError: (e: unknown) => void }) {
  const [url, setUrl] = useState('');
  const [types, setTypes] = useState<string[]>([]);
  const urlId = useId();
  const typesId = useId();
  const submit = async () => {
    try {
      onCreated(await webhooksApi.create({ url: url.trim(), ...(types.length ? { eventTypes: types } : {}) }));
      setUrl('');
      setTypes([]);
    } catch (e) {
      onError(e);
    }
  };
  return (
    <section aria-labelledby="webhook-add" className="panel">
      <h2 id="webhook-add">Add an endpoint</h2>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          void submit();
        }}
      >
        <label className="field" htmlFor={urlId}>
          <span>URL</span>
          <input
            id={urlId}
            type="url"
            required
            value={url}
            onChange={(e) => setUrl(e.target.value)}
            placeholder="https://app.example.com/hooks/golive"
          />
        </label>
        <label className="field" htmlFor={typesId}>
          <span>Event types (none selected: all)</span>
          <select
            id={typesId}
            multiple
            size={6}
            value={types}
            onChange={(e) => setTypes([...e.target.selectedOptions].map((o) => o.value))}
          >
            {WEBHOOK_EVENT_TYPES.map((t) => (
              <option key={t} value={t}>
                {t}
              </option>
            ))}
          </select>
        </label>
        <button type="submit" className="btn btn-primary">
          Add endpoint
        </button>
      </form>
    </section>
  );
}

function DeliveryLog({ endpointId, onClose }: { endpointId: string; onClose: () => void }) {
  const [items, setItems] = useState<WebhookDelivery[] | null>(null);
  const [status, setStatus] = useState('');
  const [error, setError] = useState<string | null>(null);
  const load = useCallback(async () => {
    try {
      setItems((await webhooksApi.deliveries({ endpointId, status })).items);
    } catch (e) {
      setError(describeError(e));
    }
  }, [endpointId, status]);
  useEffect(() => void load(), [load]);
  return (
    <section aria-labelledby="webhook-log" className="panel panel-wide">
      <div className="panel-head">
        <h2 id="webhook-log">Delivery log</h2>
        <select aria-label="Status" value={status} onChange={(e) => setStatus(e.target.value)}>
          <option value="">all</option>
          <option value="pending">pending</option>
          <option value="succeeded">succeeded</option>
          <option value="failed">failed</option>
        </select>
        <button type="button" className="btn btn-small btn-ghost" onClick={onClose}>
          Close
        </button>
      </div>
      {error && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
      {items === null && !error && <p className="muted">Loading…</p>}
      {items && items.length === 0 && <p className="muted">No deliveries.</p>}
      {items && items.length > 0 && (
        <div className="table-wrap">
          <table className="events">
            <thead>
              <tr>
                <th scope="col">Time</th>
                <th scope="col">Event</th>
                <th scope="col">Status</th>
                <th scope="col">Attempts</th>
                <th scope="col">Next attempt</th>
                <th scope="col" />
              </tr>
            </thead>
            <tbody>
              {items.map((d) => (
                <tr key={d.id} data-delivery-id={d.id}>
                  <td>{new Date(d.createdAt).toLocaleString()}</td>
                  <td>
                    {d.eventType}
                    <span className="muted small"> {d.webhookId}</span>
                  </td>
                  <td>{d.status}</td>
                  <td>{d.attempts.map((a) => `${a.statusCode ?? '–'} (${a.durationMs} ms)${a.error ? ` ${a.error}` : ''}`).join('; ')}</td>
                  <td>{d.nextAttemptAt ? new Date(d.nextAttemptAt).toLocaleTimeString() : ''}</td>
                  <td>
                    {d.status !== 'succeeded' && (
                      <button
                        type="button"
                        className="btn btn-small"
                        onClick={() =>
                          void webhooksApi
                            .retry(d.id)
                            .then(load)
                            .catch((e: unknown) => setError(describeError(e)))
                        }
                      >
                        Retry
                      </button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
