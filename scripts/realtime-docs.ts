// npm run docs:realtime: rewrites the generated sections of docs/realtime.md from the contract
// (sdk/src/contract). The contract-drift test renders the same text and compares.
import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { CLIENT_MESSAGES, REALTIME_ERRORS, SERVER_EVENTS } from '../sdk/src/contract/index.ts';

export const REALTIME_DOC = resolve(import.meta.dirname, '../docs/realtime.md');

type Schema = {
  $id?: string;
  type?: string;
  const?: unknown;
  enum?: unknown[];
  anyOf?: Schema[];
  items?: Schema;
  properties?: Record<string, Schema>;
  required?: string[];
  patternProperties?: Record<string, Schema>;
};

/** A schema as a TypeScript-like type; `named` stops at schemas with an $id (they are described on their own). */
function typeOf(schema: Schema, named: boolean): string {
  if (named && schema.$id) return schema.$id;
  if (schema.const !== undefined) return `'${String(schema.const)}'`;
  if (schema.enum) return schema.enum.map((v) => `'${String(v)}'`).join(' | ');
  if (schema.anyOf) return schema.anyOf.map((s) => typeOf(s, true)).join(' | ');
  if (schema.type === 'array' && schema.items) return `${wrap(typeOf(schema.items, true))}[]`;
  if (schema.patternProperties) return `{ [key]: ${typeOf(Object.values(schema.patternProperties)[0] ?? {}, true)} }`;
  if (schema.type === 'object') return fields(schema, (s) => typeOf(s, true));
  if (schema.type === 'integer') return 'number';
  return schema.type ?? 'unknown';
}

const wrap = (type: string) => (type.includes(' ') ? `(${type})` : type);

function fields(schema: Schema, render: (s: Schema) => string): string {
  const entries = Object.entries(schema.properties ?? {});
  if (entries.length === 0) return '{}';
  const required = new Set(schema.required ?? []);
  return `{ ${entries.map(([key, s]) => `${key}${required.has(key) ? '' : '?'}: ${render(s)}`).join(', ')} }`;
}

/** A payload in a table cell: an entity by name, else its fields, naming only what is not plain. */
function payloadOf(schema: Schema): string {
  if (schema.$id) return `\`${schema.$id}\``;
  const entries = Object.entries(schema.properties ?? {});
  if (entries.length === 0) return '`{}`';
  const required = new Set(schema.required ?? []);
  const plain = new Set(['string', 'number', 'boolean']);
  const field = ([key, s]: [string, Schema]) => {
    const type = typeOf(s, true);
    const name = `${key}${required.has(key) ? '' : '?'}`;
    return plain.has(type) ? name : `${name}: ${type}`;
  };
  return `\`{ ${entries.map(field).join(', ')} }\``;
}

/** Every named schema a message or event carries, in first-seen order. */
function namedSchemas(): Schema[] {
  const seen = new Map<string, Schema>();
  const visit = (schema: unknown) => {
    if (Array.isArray(schema)) return schema.forEach(visit);
    if (typeof schema !== 'object' || schema === null) return;
    const s = schema as Schema;
    if (s.$id && !seen.has(s.$id)) seen.set(s.$id, s);
    for (const value of Object.values(s)) visit(value);
  };
  for (const m of Object.values(CLIENT_MESSAGES)) visit([m.request, m.result]);
  for (const e of Object.values(SERVER_EVENTS)) visit(e.payload);
  return [...seen.values()];
}

function table(header: string[], rows: string[][]): string {
  const cells = [header, ...rows].map((row) => row.map((cell) => cell.replaceAll('|', '\\|')));
  const widths = header.map((_, i) => Math.max(...cells.map((row) => (row[i] ?? '').length)));
  const line = (row: string[]) => `| ${row.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join(' | ')} |`;
  return [line(cells[0] ?? []), `| ${widths.map((w) => '-'.repeat(w)).join(' | ')} |`, ...cells.slice(1).map(line)].join('\n');
}

/** The generated sections, by marker name. */
export function realtimeSections(): Record<string, string> {
  const requests = table(
    ['event', 'payload', 'ok result', 'what it does'],
    Object.entries(CLIENT_MESSAGES).map(([name, m]) => [`\`${name}\``, payloadOf(m.request), payloadOf(m.result), m.summary]),
  );
  const errors = table(
    ['code', 'when'],
    Object.entries(REALTIME_ERRORS).map(([code, when]) => [`\`${code}\``, when]),
  );
  const events = table(
    ['event', 'payload', 'notes'],
    Object.entries(SERVER_EVENTS).map(([name, e]) => [`\`${name}\``, payloadOf(e.payload), e.notes]),
  );
  const shapes = namedSchemas()
    .map((s) => `- \`${s.$id}\`: \`${fields(s, (f) => typeOf(f, true))}\``)
    .join('\n');
  return { 'realtime-requests': requests, 'realtime-errors': errors, 'realtime-events': events, 'realtime-shapes': shapes };
}

/** The document with every marked section replaced by what the contract gives. */
export function renderRealtimeDoc(current: string): string {
  let text = current;
  for (const [name, body] of Object.entries(realtimeSections())) {
    const start = `<!-- generated:${name} (npm run docs:realtime) -->`;
    const end = `<!-- /generated:${name} -->`;
    const from = text.indexOf(start);
    const to = text.indexOf(end);
    if (from < 0 || to < from) throw new Error(`docs/realtime.md has no ${start} ... ${end} section`);
    text = `${text.slice(0, from + start.length)}\n\n${body}\n\n${text.slice(to)}`;
  }
  return text;
}

if (import.meta.main) {
  writeFileSync(REALTIME_DOC, renderRealtimeDoc(readFileSync(REALTIME_DOC, 'utf8')));
  console.log('wrote docs/realtime.md');
}
