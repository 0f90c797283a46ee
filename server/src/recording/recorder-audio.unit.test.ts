import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AudioMix } from './recorder-audio.ts';

const RATE = 1000; // 1 sample per ms keeps the arithmetic readable
const samples = (n: number, value: number) => new Int16Array(n).fill(value);
const take = (mix: AudioMix, n: number) => {
  const out = new Int16Array(n);
  mix.mixInto(out);
  return [...out];
};

describe('AudioMix', () => {
  it('is silent with no source, and for a source until it has primeMs queued', () => {
    const mix = new AudioMix({ sampleRate: RATE, primeMs: 30 });
    assert.deepEqual(take(mix, 5), [0, 0, 0, 0, 0]);
    mix.add('a');
    mix.push('a', samples(20, 7));
    assert.deepEqual(take(mix, 5), [0, 0, 0, 0, 0], 'not primed yet');
    mix.push('a', samples(20, 9));
    assert.deepEqual(take(mix, 25), [...Array(20).fill(7), ...Array(5).fill(9)], 'in order, across chunks');
  });

  it('sums sources and clips at the int16 range', () => {
    const mix = new AudioMix({ sampleRate: RATE, primeMs: 1 });
    mix.add('a');
    mix.add('b');
    mix.push('a', samples(4, 1000));
    mix.push('b', samples(4, 234));
    assert.deepEqual(take(mix, 2), [1234, 1234]);
    mix.push('a', samples(2, 30_000));
    mix.push('b', samples(4, 30_000));
    // a still holds 2 x 1000 before its 30,000s; b holds 2 x 234 first.
    assert.deepEqual(take(mix, 4), [1234, 1234, 32767, 32767]);
    // b is 2 samples ahead: its last two 30,000s meet a's two -30,000s.
    mix.push('a', samples(2, -30_000));
    mix.push('b', samples(2, -30_000));
    assert.deepEqual(take(mix, 2), [0, 0]);
    mix.push('a', samples(2, -30_000));
    assert.deepEqual(take(mix, 2), [-32768, -32768]);
  });

  it('a source that runs dry pads with silence, then waits to be primed again', () => {
    const mix = new AudioMix({ sampleRate: RATE, primeMs: 10 });
    mix.add('a');
    mix.push('a', samples(12, 5));
    assert.deepEqual(take(mix, 15), [...Array(12).fill(5), 0, 0, 0]);
    assert.equal(mix.counters.underruns, 1);
    mix.push('a', samples(5, 6));
    assert.deepEqual(take(mix, 3), [0, 0, 0], 'below primeMs again: silent');
  });

  it('drops the oldest samples past maxQueueMs, so a burst adds no lasting delay', () => {
    const mix = new AudioMix({ sampleRate: RATE, primeMs: 1, maxQueueMs: 10 });
    mix.add('a');
    mix.push('a', samples(8, 1));
    mix.push('a', samples(8, 2));
    assert.equal(mix.counters.droppedSamples, 6);
    assert.deepEqual(take(mix, 10), [1, 1, 2, 2, 2, 2, 2, 2, 2, 2]);
  });

  it('ignores samples of a removed source', () => {
    const mix = new AudioMix({ sampleRate: RATE, primeMs: 1 });
    mix.add('a');
    mix.push('a', samples(5, 3));
    mix.remove('a');
    mix.push('a', samples(5, 3));
    assert.equal(mix.sourceCount, 0);
    assert.deepEqual(take(mix, 3), [0, 0, 0]);
  });
});
