import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { EncoderSettings } from '../config/storage-config.ts';
import { ffmpegArgs } from './recorder-ffmpeg.ts';
import { parsePlaylist } from './recorder-segments.ts';

const SETTINGS: EncoderSettings = {
  width: 1280,
  height: 720,
  fps: 30,
  preset: 'veryfast',
  crf: 23,
  videoBitrateKbps: null,
  audioBitrateKbps: 96,
  threads: 0,
  segmentSec: 4,
};

const after = (args: string[], flag: string) => args[args.indexOf(flag) + 1];

describe('ffmpegArgs', () => {
  it('raw I420 on stdin and s16le on fd 3 in, H.264 + AAC out as HLS fMP4 segments of segmentSec', () => {
    const args = ffmpegArgs(SETTINGS, '/work/rec1');
    assert.equal(after(args, '-video_size'), '1280x720');
    assert.equal(after(args, '-framerate'), '30');
    assert.deepEqual(
      args.filter((_, i) => args[i - 1] === '-i'),
      ['pipe:0', 'pipe:3'],
    );
    assert.equal(after(args, '-c:v'), 'libx264');
    assert.equal(after(args, '-preset'), 'veryfast');
    assert.equal(after(args, '-crf'), '23');
    assert.equal(after(args, '-c:a'), 'aac');
    assert.equal(after(args, '-hls_segment_type'), 'fmp4');
    assert.equal(after(args, '-hls_time'), '4');
    assert.equal(after(args, '-g'), '60', 'a key frame every 2 s, dividing the 4 s segments');
    assert.equal(after(args, '-hls_segment_filename'), '/work/rec1/seg-%06d.m4s');
    assert.equal(args.at(-1), '/work/rec1/index.m3u8');
    assert.ok(!args.includes('-threads'), 'ffmpeg chooses threads by default');
  });

  it('a bitrate replaces constant quality; odd segment lengths get 1 s key frames; threads when set', () => {
    const args = ffmpegArgs({ ...SETTINGS, videoBitrateKbps: 1500, segmentSec: 3, threads: 2, fps: 24 }, '/w');
    assert.ok(!args.includes('-crf'));
    assert.deepEqual([after(args, '-b:v'), after(args, '-maxrate'), after(args, '-bufsize')], ['1500k', '1500k', '3000k']);
    assert.equal(after(args, '-g'), '24');
    assert.equal(after(args, '-threads'), '2');
  });
});

describe('parsePlaylist', () => {
  it('lists the segment files in order and nothing else', () => {
    const playlist = [
      '#EXTM3U',
      '#EXT-X-VERSION:7',
      '#EXT-X-MAP:URI="init.mp4"',
      '#EXTINF:4.000000,',
      'seg-000000.m4s',
      '#EXTINF:4.000000,',
      'seg-000001.m4s',
      '#EXT-X-ENDLIST',
      '',
    ].join('\n');
    assert.deepEqual(parsePlaylist(playlist), ['seg-000000.m4s', 'seg-000001.m4s']);
    assert.deepEqual(parsePlaylist('#EXTM3U\n'), []);
  });
});
