import type { Kysely } from 'kysely';
import type { Principal } from '../auth/principal.ts';
import type { Database } from '../db/schema.ts';
import { Errors } from '../errors.ts';
import type { Metrics } from '../ops/metrics.ts';
import { authorize, requireUser } from '../policy/policy.ts';
import type { UnitOfWork } from '../work/unit-of-work.ts';
import { addReport } from './telemetry.queries.ts';
import type { TelemetryReport } from './telemetry.schemas.ts';

/** A client's last report may arrive after the session ended (it covers the final seconds). */
const AFTER_END_GRACE_MS = 60_000;

export type TelemetryServiceDeps = { db: Kysely<Database>; work: UnitOfWork; metrics: Metrics };

/**
 * Client WebRTC telemetry: checked, authorized (a participant of the session), added to the
 * session's totals (getSessionStats' `media`) and to the golive_client_* metrics.
 */
export class TelemetryService {
  readonly #deps: TelemetryServiceDeps;

  constructor(deps: TelemetryServiceDeps) {
    this.#deps = deps;
  }

  async report(principal: Principal, sessionId: string, report: TelemetryReport): Promise<void> {
    const user = requireUser(principal);
    assertConsistent(report);
    const facts = await this.#deps.work.read(sessionId, { subjects: [user.userId] });
    authorize(user, { action: 'telemetry.send' }, facts);
    const endedAt = facts.row.ended_at ? new Date(facts.row.ended_at).getTime() : null;
    if (endedAt !== null && Date.now() - endedAt > AFTER_END_GRACE_MS) throw new Errors.sessionEnded(sessionId);
    await addReport(this.#deps.db, sessionId, user.userId, report);
    this.#observe(report);
  }

  #observe(report: TelemetryReport): void {
    const m = this.#deps.metrics.client;
    const labels = { direction: report.direction };
    m.bytes.inc(labels, report.bytes);
    m.packets.inc(labels, report.packets);
    m.packetsLost.inc(labels, report.packetsLost);
    m.bitrate.observe(labels, (report.bytes * 8) / report.intervalMs);
    m.connectAttempts.inc(labels, report.connectAttempts ?? 0);
    m.connectFailures.inc(labels, report.connectFailures ?? 0);
    if (report.direction !== 'receive') return;
    const decoded = report.framesDecoded ?? 0;
    const dropped = report.framesDropped ?? 0;
    m.framesDecoded.inc(labels, decoded);
    m.framesDropped.inc(labels, dropped);
    if (decoded + dropped > 0) m.droppedFrameRatio.observe(dropped / (decoded + dropped));
    m.freezes.inc(labels, report.freezes ?? 0);
    m.freezeSeconds.inc(labels, (report.freezeMs ?? 0) / 1000);
    if (report.timeToFirstFrameMs !== undefined) m.timeToFirstFrame.observe(report.timeToFirstFrameMs / 1000);
  }
}

/** What the schema alone cannot say: fields that must agree with each other. */
function assertConsistent(report: TelemetryReport): void {
  const fail = (message: string) => {
    throw new Errors.validationFailed(message);
  };
  if ((report.connectFailures ?? 0) > (report.connectAttempts ?? 0)) fail('body.connectFailures must not exceed body.connectAttempts');
  if ((report.freezeMs ?? 0) > report.intervalMs) fail('body.freezeMs must not exceed body.intervalMs');
  if (report.direction === 'send') {
    const receiveOnly = (['framesDecoded', 'framesDropped', 'freezes', 'freezeMs', 'timeToFirstFrameMs'] as const).filter(
      (field) => report[field] !== undefined,
    );
    if (receiveOnly.length > 0)
      fail(
        `${receiveOnly.map((f) => `body.${f}`).join(', ')}: only reports with direction "receive" carry frames, freezes and first-frame times`,
      );
  }
}
