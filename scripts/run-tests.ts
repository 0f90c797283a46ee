// Runs the suite with node's test runner, in tiers (docs/testing.md):
//   unit         *.unit.test.ts: pure logic, Fastify inject() and in-memory ports; no service started.
//   integration  every other *.test.ts: real PostgreSQL, Redis, livekit-server, versitygw, Chromium.
//   all          both (the default, and what ./golive test runs).
// Before an integration run it checks the real services are there: a missing one is a failure with
// the command that starts it, never a skip.
//   node scripts/run-tests.ts [--tier unit|integration|all] [files...]
import { spawnSync } from 'node:child_process';
import { existsSync, globSync } from 'node:fs';
import { resolve } from 'node:path';
import { assertPortOpen, HOW_TO_START } from '../server/test/services-check.ts';
import { runFile, runPool } from './test-files.ts';

const root = resolve(import.meta.dirname, '..');
const patterns = [
  'server/src/**/*.test.ts',
  'server/test/**/*.test.ts',
  'sdk/src/**/*.test.ts',
  'react/src/**/*.test.ts',
  'e2e/**/*.test.ts',
];
const TIERS = ['unit', 'integration', 'all'] as const;
type Tier = (typeof TIERS)[number];
const isUnit = (file: string) => file.endsWith('.unit.test.ts');

function parseArgs(argv: string[]): { tier: Tier; files: string[] } {
  let tier: Tier = 'all';
  const files: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    const value = arg === '--tier' ? argv[++i] : arg.startsWith('--tier=') ? arg.slice('--tier='.length) : undefined;
    if (arg === '--tier' || arg.startsWith('--tier=')) {
      if (!TIERS.includes(value as Tier)) {
        console.error(`--tier must be one of ${TIERS.join(', ')} (got ${value ?? 'nothing'})`);
        process.exit(64);
      }
      tier = value as Tier;
    } else files.push(arg);
  }
  return { tier, files };
}

const { tier, files: named } = parseArgs(process.argv.slice(2));
const all = named.length > 0 ? named : patterns.flatMap((p) => globSync(p, { cwd: root })).sort();
const files = all.filter((f) => tier === 'all' || (tier === 'unit') === isUnit(f));
if (files.length === 0) {
  console.error(`no ${tier} test files among: ${all.join(' ') || '(none)'}`);
  process.exit(1);
}

const livekit = process.env.GOLIVE_LIVEKIT_BIN ?? resolve(root, '.tools/livekit-1.13.5/livekit-server');
const versitygw = process.env.GOLIVE_VERSITYGW_BIN ?? resolve(root, '.tools/versitygw-1.8.0/versitygw');
// Only the integration tier needs services; a unit run checks nothing and starts nothing.
if (files.some((f) => !isUnit(f))) {
  const problems: string[] = [];
  for (const [port, message] of [
    [5432, HOW_TO_START.postgres],
    [6379, HOW_TO_START.redis],
  ] as const) {
    await assertPortOpen(port, message).catch((error: Error) => problems.push(error.message));
  }
  if (!existsSync(livekit)) problems.push(HOW_TO_START.livekit);
  if (!existsSync(versitygw)) problems.push(HOW_TO_START.versitygw);
  if (['ffmpeg', 'ffprobe'].some((tool) => spawnSync(tool, ['-version'], { stdio: 'ignore' }).status !== 0))
    problems.push(HOW_TO_START.ffmpeg);
  if (spawnSync('promtool', ['--version']).error) problems.push(HOW_TO_START.promtool);
  if (problems.length > 0) {
    console.error(`The integration tests need real services:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    process.exit(1);
  }
}

// The source condition: @golive/sdk and @golive/react resolve to their TypeScript sources, as in
// tsc and Vite; without it Node would look for their built dist/.
// Each file runs in its own process, two at a time (scripts/test-files.ts), with a time limit: a
// hung file is killed and counted as failed, loudly, instead of holding the run. The file runs in
// the runner's own process (--test-isolation=none), so --test-force-exit (a file whose tests have
// ended exits even if a native handle, such as rtc-node's runtime, stays open) cannot drop verdicts
// on their way from a child to the runner, which the runner's own isolation does (nodejs/node#64833:
// lost results, failures included, at exit 0).
const nodeArgs = [
  '--conditions=@golive/source',
  '--test',
  '--test-isolation=none',
  '--test-force-exit',
  '--test-timeout=180000',
  '--test-reporter=spec',
];
const CONCURRENCY = 2;
const FILE_LIMIT_MS = Number(process.env.GOLIVE_TEST_FILE_LIMIT_MS ?? 20 * 60_000);
// GOLIVE_TEST_TIER=unit makes the harness refuse to create a database or start livekit-server, so a
// unit test that quietly needs a service fails saying so instead of passing on this machine only.
const tierEnv = files.every(isUnit) ? { GOLIVE_TEST_TIER: 'unit' } : {};
const env = { ...process.env, ...tierEnv, GOLIVE_LIVEKIT_BIN: livekit, GOLIVE_VERSITYGW_BIN: versitygw };

const outcomes = await runPool(files, CONCURRENCY, (file) => runFile(file, { cwd: root, env, nodeArgs, limitMs: FILE_LIMIT_MS }));
const totals = { tests: 0, pass: 0, fail: 0, cancelled: 0, skipped: 0, todo: 0 };
for (const outcome of outcomes) for (const key of Object.keys(totals) as (keyof typeof totals)[]) totals[key] += outcome.counts[key];
const failed = outcomes.filter((o) => !o.ok);
console.log(
  `\n${'='.repeat(72)}\n${files.length} files: ${Object.entries(totals)
    .map(([k, v]) => `${k} ${v}`)
    .join(', ')}`,
);
for (const o of failed) console.log(`FAILED ${o.file}: ${o.reason}`);
process.exit(failed.length > 0 ? 1 : 0);
