import { readFileSync } from 'node:fs';

/** A V8 heap snapshot (.heapsnapshot), as flat arrays: see the `meta` fields for their layout. */
type RawSnapshot = {
  snapshot: {
    meta: { node_fields: string[]; node_types: [string[], ...unknown[]]; edge_fields: string[]; edge_types: [string[], ...unknown[]] };
  };
  nodes: number[];
  edges: number[];
  strings: string[];
};

/**
 * The per-connection objects of a Socket.IO server, told apart by a property each has: three
 * classes are called Socket and two WebSocket.
 */
const CONNECTION_OBJECTS: { label: string; name: string; has?: string[] }[] = [
  { label: 'net.Socket (Node; its TCPWrap is native)', name: 'Socket', has: ['_readableState'] },
  { label: 'ws WebSocket (with its Receiver stream and Sender)', name: 'WebSocket', has: ['_receiver'] },
  { label: 'Engine.IO WebSocket transport', name: 'WebSocket', has: ['perMessageDeflate'] },
  { label: 'Engine.IO Socket (with its heartbeat timer)', name: 'Socket', has: ['transport', 'upgrading'] },
  { label: 'Socket.IO Client (with its decoder)', name: 'Client' },
  { label: 'Socket.IO Socket (handshake, data, listeners)', name: 'Socket', has: ['nsp'] },
  { label: 'HTTP upgrade request (IncomingMessage)', name: 'IncomingMessage' },
  { label: "Engine.IO's upgrade response stand-in", name: 'WebSocketResponse' },
];

export type HeapBreakdown = {
  /** Sum of all objects' self sizes but compiled code's (what the JIT made so far is no viewer's), in bytes. */
  total: number;
  /** Compiled code's self sizes, in bytes. */
  code: number;
  /** Self size by "type:name" (strings and numbers by type only), in bytes. */
  byClass: Map<string, { bytes: number; count: number }>;
  /** For each per-connection object: how many, and the median of what each one alone keeps alive (bytes). */
  connections: { label: string; count: number; medianRetained: number }[];
};

/** Reads a snapshot: self sizes by class, and what each per-connection object dominates. */
export function analyzeHeapSnapshot(file: string): HeapBreakdown {
  const raw = JSON.parse(readFileSync(file, 'utf8')) as RawSnapshot;
  const { meta } = raw.snapshot;
  const nodeFields = meta.node_fields.length;
  const edgeFields = meta.edge_fields.length;
  const [typeAt, nameAt, sizeAt, edgeCountAt] = ['type', 'name', 'self_size', 'edge_count'].map((f) => meta.node_fields.indexOf(f)) as [
    number,
    number,
    number,
    number,
  ];
  const [edgeTypeAt, edgeNameAt, toAt] = ['type', 'name_or_index', 'to_node'].map((f) => meta.edge_fields.indexOf(f)) as [
    number,
    number,
    number,
  ];
  const nodeTypes = meta.node_types[0];
  const edgeTypes = meta.edge_types[0];
  const { nodes, edges, strings } = raw;
  const count = nodes.length / nodeFields;
  const at = (array: number[], i: number) => array[i] as number;
  const typeOf = (n: number) => nodeTypes[at(nodes, n * nodeFields + typeAt)] as string;
  const nameOf = (n: number) => strings[at(nodes, n * nodeFields + nameAt)] as string;
  const sizeOf = (n: number) => at(nodes, n * nodeFields + sizeAt);

  const byClass = new Map<string, { bytes: number; count: number }>();
  let total = 0;
  let code = 0;
  for (let n = 0; n < count; n++) {
    const type = typeOf(n);
    const key = type === 'object' || type === 'closure' || type === 'native' || type === 'array' ? `${type}:${nameOf(n)}` : type;
    const entry = byClass.get(key) ?? { bytes: 0, count: 0 };
    entry.bytes += sizeOf(n);
    entry.count++;
    byClass.set(key, entry);
    if (type === 'code') code += sizeOf(n);
    else total += sizeOf(n);
  }

  // Strong edges in compressed rows, and each node's property names (for telling classes apart).
  const firstEdge = new Uint32Array(count + 1);
  const targets: number[] = [];
  const properties = new Map<number, Set<string>>();
  const watched = new Set(CONNECTION_OBJECTS.map((o) => o.name));
  let e = 0;
  for (let n = 0; n < count; n++) {
    firstEdge[n] = targets.length;
    const edgeCount = at(nodes, n * nodeFields + edgeCountAt);
    const names = watched.has(nameOf(n)) && typeOf(n) === 'object' ? new Set<string>() : null;
    for (let k = 0; k < edgeCount; k++, e += edgeFields) {
      const type = edgeTypes[at(edges, e + edgeTypeAt)];
      if (type === 'weak' || type === 'shortcut') continue;
      targets.push(at(edges, e + toAt) / nodeFields);
      if (names && type === 'property') names.add(strings[at(edges, e + edgeNameAt)] as string);
    }
    if (names) properties.set(n, names);
  }
  firstEdge[count] = targets.length;

  const retained = retainedSizes(count, firstEdge, targets, sizeOf);
  const connections = CONNECTION_OBJECTS.map(({ label, name, has }) => {
    const sizes: number[] = [];
    for (const [n, names] of properties) {
      if (nameOf(n) === name && (has ?? []).every((p) => names.has(p))) sizes.push(retained[n] as number);
    }
    sizes.sort((a, b) => a - b);
    return { label, count: sizes.length, medianRetained: sizes[Math.floor(sizes.length / 2)] ?? 0 };
  });
  return { total, code, byClass, connections };
}

/** Retained size of every node: the dominator tree from node 0 (Cooper, Harvey and Kennedy's iteration). */
function retainedSizes(count: number, firstEdge: Uint32Array, targets: number[], sizeOf: (n: number) => number): Float64Array {
  const postorder: number[] = [];
  const rank = new Int32Array(count).fill(-1);
  const visited = new Uint8Array(count);
  const stack: [number, number][] = [[0, firstEdge[0] as number]];
  visited[0] = 1;
  while (stack.length > 0) {
    const top = stack[stack.length - 1] as [number, number];
    const [n, next] = top;
    if (next < (firstEdge[n + 1] as number)) {
      top[1]++;
      const m = targets[next] as number;
      if (!visited[m]) {
        visited[m] = 1;
        stack.push([m, firstEdge[m] as number]);
      }
    } else {
      stack.pop();
      rank[n] = postorder.length;
      postorder.push(n);
    }
  }
  const predecessors: number[][] = Array.from({ length: count }, () => []);
  for (const n of postorder)
    for (let k = firstEdge[n] as number; k < (firstEdge[n + 1] as number); k++) predecessors[targets[k] as number]?.push(n);
  const idom = new Int32Array(count).fill(-1);
  idom[0] = 0;
  const intersect = (a: number, b: number) => {
    while (a !== b) {
      while ((rank[a] as number) < (rank[b] as number)) a = idom[a] as number;
      while ((rank[b] as number) < (rank[a] as number)) b = idom[b] as number;
    }
    return a;
  };
  for (let changed = true; changed; ) {
    changed = false;
    for (let i = postorder.length - 2; i >= 0; i--) {
      const n = postorder[i] as number;
      let dominator = -1;
      for (const p of predecessors[n] ?? []) if (idom[p] !== -1) dominator = dominator === -1 ? p : intersect(p, dominator);
      if (dominator !== -1 && idom[n] !== dominator) {
        idom[n] = dominator;
        changed = true;
      }
    }
  }
  const retained = new Float64Array(count);
  for (const n of postorder) retained[n] = (retained[n] as number) + sizeOf(n);
  for (const n of postorder) if (n !== 0) retained[idom[n] as number] = (retained[idom[n] as number] as number) + (retained[n] as number);
  return retained;
}
