// The contract (schemas of the shared entities and the realtime protocol) lives in the SDK, which
// ships it; the server reads its TypeScript source through this one import, since Node would run
// the package's built JavaScript otherwise and the server needs no SDK build.
export * from '../../sdk/src/contract/index.ts';
