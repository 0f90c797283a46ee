import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { availableParallelism, loadavg, release, totalmem } from 'node:os';
import pg from 'pg';
import { ADMIN_DSN, livekitBinary } from '../../server/test/harness.ts';

/** The machine and versions a run measured on, printed at the top of the report. */
export type Environment = {
  date: string;
  cpuModel: string;
  cores: number;
  memoryGiB: number;
  kernel: string;
  /** 1-minute load average when the run started: a busy machine reads high. */
  loadAverageAtStart: number;
  node: string;
  livekitServer: string;
  postgres: string;
  /** golive settings changed for this run with --env (none for published figures). */
  goliveOverrides?: Record<string, string>;
};

export async function describeEnvironment(): Promise<Environment> {
  const cpuinfo = readFileSync('/proc/cpuinfo', 'utf8');
  const cpuModel = /^model name\s*:\s*(.+)$/m.exec(cpuinfo)?.[1]?.trim() ?? 'unknown';
  const livekitServer = execFileSync(livekitBinary(), ['--version'], { encoding: 'utf8' }).trim();
  const client = new pg.Client({ connectionString: ADMIN_DSN });
  await client.connect();
  const { rows } = await client.query<{ server_version: string }>('show server_version');
  await client.end();
  return {
    date: new Date().toISOString(),
    cpuModel,
    cores: availableParallelism(),
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    kernel: release(),
    loadAverageAtStart: Math.round((loadavg()[0] ?? 0) * 100) / 100,
    node: process.version,
    livekitServer,
    postgres: rows[0]?.server_version ?? 'unknown',
  };
}
