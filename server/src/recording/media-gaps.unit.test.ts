// Fast tier: skipped frame periods become gaps, and wall-clock moments land where the video shows them.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MediaGapLog, mediaOffset, readMediaGaps } from './media-gaps.ts';

describe('media gaps', () => {
  it('merges consecutive skipped periods into one gap, and starts a new one after a written period', () => {
    const log = new MediaGapLog(25); // 40 ms periods
    for (const period of [10, 11, 12]) log.skipped(period);
    log.skipped(20);
    assert.deepEqual(log.toJSON(), [
      [400, 120],
      [800, 40],
    ]);
    assert.equal(log.skips, 4);
  });

  it('places wall-clock moments in the video: shifted by the gaps before them, inside a gap at its start', () => {
    const gaps = [
      [1000, 500],
      [3000, 250],
    ] as const;
    assert.equal(mediaOffset(900, gaps), 900, 'before any gap: unchanged');
    assert.equal(mediaOffset(1200, gaps), 1000, 'inside the first gap: where the picture resumes');
    assert.equal(mediaOffset(2000, gaps), 1500, 'after the first gap: 500 ms earlier');
    assert.equal(mediaOffset(5000, gaps), 4250, 'after both');
    assert.equal(mediaOffset(-300, gaps), -300, 'before the recording began');
    assert.equal(mediaOffset(2000, []), 2000);
  });

  it('keeps the total exact past its limit of separate gaps', () => {
    const log = new MediaGapLog(10);
    for (let i = 0; i < 1_200; i++) log.skipped(i * 2); // every other period: 1,200 separate gaps
    const gaps = log.toJSON();
    assert.equal(gaps.length, 1_000);
    assert.equal(
      gaps.reduce((sum, [, length]) => sum + length, 0),
      120_000,
      '1,200 skipped periods of 100 ms',
    );
  });

  it('reads the stored column whether jsonb or text, and anything malformed as no gaps', () => {
    assert.deepEqual(readMediaGaps([[1, 2]]), [[1, 2]]);
    assert.deepEqual(readMediaGaps('[[1,2],[5,6]]'), [
      [1, 2],
      [5, 6],
    ]);
    assert.deepEqual(readMediaGaps('not json'), []);
    assert.deepEqual(
      readMediaGaps([
        [1, 'x'],
        [3, 4],
      ]),
      [[3, 4]],
    );
  });
});
