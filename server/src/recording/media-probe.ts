import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

export type ProbedStream = { type: 'video' | 'audio' | 'other'; codec: string; width?: number; height?: number };

export type MediaProbe = { durationSec: number; sizeBytes: number; formatName: string; streams: ProbedStream[] };

type FfprobeJson = {
  format?: { duration?: string; size?: string; format_name?: string };
  streams?: { codec_type?: string; codec_name?: string; width?: number; height?: number }[];
};

/** What ffprobe reads from a media file (or URL): container, duration, streams. */
export async function probeMedia(ffprobePath: string, input: string): Promise<MediaProbe> {
  const { stdout } = await run(ffprobePath, ['-v', 'error', '-show_format', '-show_streams', '-of', 'json', input], {
    maxBuffer: 4 * 1024 * 1024,
  });
  const parsed = JSON.parse(stdout) as FfprobeJson;
  return {
    durationSec: Number(parsed.format?.duration ?? Number.NaN),
    sizeBytes: Number(parsed.format?.size ?? 0),
    formatName: parsed.format?.format_name ?? '',
    streams: (parsed.streams ?? []).map((s) => ({
      type: s.codec_type === 'video' || s.codec_type === 'audio' ? s.codec_type : 'other',
      codec: s.codec_name ?? '',
      ...(s.width ? { width: s.width } : {}),
      ...(s.height ? { height: s.height } : {}),
    })),
  };
}
