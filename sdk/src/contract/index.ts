// golive's contract: the TypeBox schemas of the entities HTTP and realtime share and of the
// realtime protocol. The server validates with them and builds /openapi.json from them; the SDK's
// types are Static<> of them; docs/realtime.md's tables are generated from them.
export * from './entities.ts';
export * from './ingest.ts';
export * from './realtime.ts';
export * from './recording.ts';
