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
// --test-force-exit: a file whose tests have all ended exits even if a native handle (rtc-node's
// runtime after a failed before hook, say) is still open, instead of holding the run until CI's limit.
const nodeArgs = [
  '--conditions=@golive/source',
  '--test',
  '--test-concurrency=2',
  '--test-timeout=180000',
  '--test-force-exit',
  '--test-reporter=spec',
];
// GOLIVE_TEST_TIER=unit makes the harness refuse to create a database or start livekit-server, so a
// unit test that quietly needs a service fails saying so instead of passing on this machine only.
const tierEnv = files.every(isUnit) ? { GOLIVE_TEST_TIER: 'unit' } : {};
const result = spawnSync(process.execPath, [...nodeArgs, ...files], {
  cwd: root,
  stdio: 'inherit',
  env: { ...process.env, ...tierEnv, GOLIVE_LIVEKIT_BIN: livekit, GOLIVE_VERSITYGW_BIN: versitygw },
});
process.exit(result.status ?? 1);
