// Authorization matrix of reports: reporting a session, and the admins' queue, × every kind of
// caller in a session (engine and principals: room.ts). Nobody but admins reads reports.
import assert from 'node:assert/strict';
import { aUser } from '../factories.ts';
import { DOMAINS, type DomainOperation } from './domains.ts';
import { as, B, NA, type Report, roomMatrix, row, U } from './room.ts';

type Operation = DomainOperation<'reports'>;

// biome-ignore format: the table is the point
const MATRIX = [
  //                                                        anonymous | viewer     | banned | guest      | cohost     | host       | otherHost  | admin
  row<Operation>('reportSession', 'the session',                      `${U}      | 201        | ${B}   | 201        | 201        | 201        | 201        | 201`),
  row<Operation>('listReports', 'open',                               `${U}      | ${NA}      | ${NA}  | ${NA}      | ${NA}      | ${NA}      | ${NA}      | 200`),
  row<Operation>('resolveReport', 'a viewer’s report',                `${U}      | ${NA}      | ${NA}  | ${NA}      | ${NA}      | ${NA}      | ${NA}      | 200`),
];

roomMatrix<Operation>({
  domain: 'reports',
  rows: MATRIX,
  operations: [...DOMAINS.reports],
  global: ['listReports', 'resolveReport'],
  async cell(room, r, world, { caller, actor, principal, op }) {
    const { client, summarize } = room;
    const s = `/v1/sessions/${world.id}`;
    switch (`${r.operation}:${r.variant}`) {
      case 'reportSession:the session': {
        const res = await client.call<Report>('POST', `${s}/reports`, { ...caller, json: { reason: `matrix ${principal}` } });
        if (res.status === 201) assert.deepEqual([res.body.reporterId, res.body.status], [actor, 'open'], op);
        return summarize(res);
      }
      case 'listReports:open': {
        const res = await client.call<{ reports: Report[] }>('GET', '/v1/admin/reports?status=open', caller);
        if (res.status === 200)
          assert.ok(
            res.body.reports.every((q) => q.status === 'open'),
            op,
          );
        return summarize(res);
      }
      case 'resolveReport:a viewer’s report': {
        const report = await room.make.report(world.id, await aUser('viewer', { id: world.viewerId }), 'resolve me');
        const res = await client.call<Report>('POST', `/v1/admin/reports/${report.id}/resolve`, caller);
        if (res.status === 200) assert.deepEqual([res.body.status, res.body.resolvedBy], ['resolved', actor], op);
        const open = await room.expectStatus<{ reports: Report[] }>(
          200,
          'GET',
          '/v1/admin/reports?status=open&limit=200',
          await as(world.adminId, { admin: true }),
        );
        assert.equal(
          open.body.reports.some((q) => q.id === report.id),
          res.status !== 200,
          `${op}: still open iff refused`,
        );
        return summarize(res);
      }
    }
    throw new Error(`no cell for ${r.operation}:${r.variant}`);
  },
});
