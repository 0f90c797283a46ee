// Runs the whole suite with node's test runner, after checking that the real services it needs
// are there. A missing service is a failure with the command that starts it, never a skip.
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

const problems: string[] = [];
for (const [port, message] of [
  [5432, HOW_TO_START.postgres],
  [6379, HOW_TO_START.redis],
] as const) {
  await assertPortOpen(port, message).catch((error: Error) => problems.push(error.message));
}
const livekit = process.env.GOLIVE_LIVEKIT_BIN ?? resolve(root, '.tools/livekit-1.13.5/livekit-server');
if (!existsSync(livekit)) problems.push(HOW_TO_START.livekit);
const versitygw = process.env.GOLIVE_VERSITYGW_BIN ?? resolve(root, '.tools/versitygw-1.8.0/versitygw');
if (!existsSync(versitygw)) problems.push(HOW_TO_START.versitygw);
if (['ffmpeg', 'ffprobe'].some((tool) => spawnSync(tool, ['-version'], { stdio: 'ignore' }).status !== 0))
  problems.push(HOW_TO_START.ffmpeg);
if (spawnSync('promtool', ['--version']).error) problems.push(HOW_TO_START.promtool);
if (problems.length > 0) {
  console.error(`The test suite needs real services:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  process.exit(1);
}

const args = process.argv.slice(2);
const files = args.length > 0 ? args : patterns.flatMap((p) => globSync(p, { cwd: root })).sort();
// The source condition: @golive/sdk and @golive/react resolve to their TypeScript sources, as in
// tsc and Vite; without it Node would look for their built dist/.
const nodeArgs = ['--conditions=@golive/source', '--test', '--test-concurrency=2', '--test-timeout=180000', '--test-reporter=spec'];
const result = spawnSync(process.execPath, [...nodeArgs, ...files], {
  cwd: root,
  stdio: 'inherit',
  env: { ...process.env, GOLIVE_LIVEKIT_BIN: livekit, GOLIVE_VERSITYGW_BIN: versitygw },
});
process.exit(result.status ?? 1);
