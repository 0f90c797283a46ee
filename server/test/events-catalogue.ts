// docs/events.md, read as data: the example body of each event type. Tests hold every real
// delivery against it, so the catalogue stays true.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { WebhookEvent } from '@golive/sdk';

const DOC = resolve(import.meta.dirname, '../../docs/events.md');

/** Each `### <type>` heading followed by a ```json example. */
export function readCatalogue(): Map<string, WebhookEvent> {
  const text = readFileSync(DOC, 'utf8');
  const examples = new Map<string, WebhookEvent>();
  for (const m of text.matchAll(/^### `?(live\.[a-z.]+)`?\s*\n(?:(?!^#)[\s\S])*?```json\n([\s\S]*?)```/gm)) {
    const [, type, json] = m;
    if (!type || !json) continue;
    assert.ok(!examples.has(type), `docs/events.md has two examples of ${type}`);
    examples.set(type, JSON.parse(json) as WebhookEvent);
  }
  return examples;
}

let cached: Map<string, WebhookEvent> | null = null;

const keys = (value: unknown) => Object.keys((value ?? {}) as object).sort();

/**
 * A delivered body has the documented envelope and session, and no detail the catalogue does not
 * show for its type (some are absent in some cases, e.g. a leave the reconciler found).
 */
export function assertBodyMatchesCatalogue(event: WebhookEvent): void {
  cached ??= readCatalogue();
  const example = cached.get(event.type);
  assert.ok(example, `docs/events.md has no example of ${event.type}`);
  assert.deepEqual(keys(event), keys(example), `${event.type}: body keys`);
  assert.deepEqual(keys(event.data), keys(example.data), `${event.type}: data keys`);
  assert.deepEqual(keys(event.data.session), keys(example.data.session), `${event.type}: session keys`);
  // Settings changes carry whichever settings changed; every other type its fixed details.
  if (event.type === 'live.session.settings.changed') return;
  const documented = new Set(keys(example.data.details));
  const extra = keys(event.data.details).filter((k) => !documented.has(k));
  assert.deepEqual(extra, [], `${event.type}: details docs/events.md does not show`);
}
