import { isAbsolute, join } from 'node:path';
import type { EnvReader } from './env-reader.ts';

/** An S3-compatible bucket (AWS, versitygw, Ceph, R2, ...). */
export type S3StorageConfig = {
  kind: 's3';
  bucket: string;
  /** Key prefix inside the bucket, without leading or trailing slash ('' for the bucket root). */
  prefix: string;
  /** Endpoint of an S3-compatible server; null for AWS itself. */
  endpoint: string | null;
  region: string;
  /** Both null: the AWS SDK's default credential chain (AWS_* variables, instance role, ...). */
  accessKeyId: string | null;
  secretAccessKey: string | null;
  /** bucket in the path (http://host/bucket/key) instead of the host name; most S3-compatible servers need it. */
  forcePathStyle: boolean;
};

/** Files in a folder, served by golive only through signed, expiring URLs. */
export type LocalStorageConfig = {
  kind: 'local';
  dir: string;
  /** HMAC key of the signed URLs; null: generated once and kept in the data dir. */
  signingSecret: string | null;
};

export type StorageConfig = S3StorageConfig | LocalStorageConfig;

export const X264_PRESETS = ['ultrafast', 'superfast', 'veryfast', 'faster', 'fast', 'medium', 'slow'] as const;
export type X264Preset = (typeof X264_PRESETS)[number];

/** How the recorder encodes (H.264 + AAC). The defaults fit a 2-core machine. */
export type EncoderSettings = {
  /** Output canvas; even numbers (I420). */
  width: number;
  height: number;
  fps: number;
  preset: X264Preset;
  /** Constant quality (0 best … 51 worst); used when videoBitrateKbps is null. */
  crf: number;
  /** A capped bitrate instead of constant quality. */
  videoBitrateKbps: number | null;
  audioBitrateKbps: number;
  /** x264 threads; 0 lets ffmpeg choose. */
  threads: number;
  /** Length of each segment written while recording: what a crash can lose at most, about. */
  segmentSec: number;
};

export type RecordingConfig = {
  /** Recorders one process runs at once; a start past it answers RECORDER_CAPACITY. 0 turns recording off here. */
  maxConcurrent: number;
  encoder: EncoderSettings;
  /** Lifetime of a playback URL. */
  playbackUrlTtlSec: number;
  /** Recordings older than this are deleted by the retention job; 0 keeps them. */
  retentionDays: number;
  ffmpegPath: string;
  ffprobePath: string;
  /** Scratch space for segments being written and files being finalized. */
  workDir: string;
};

const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const S3_SETTINGS = [
  'GOLIVE_S3_ENDPOINT',
  'GOLIVE_S3_REGION',
  'GOLIVE_S3_ACCESS_KEY_ID',
  'GOLIVE_S3_SECRET_ACCESS_KEY',
  'GOLIVE_S3_FORCE_PATH_STYLE',
] as const;

/** GOLIVE_STORAGE_URL=s3://bucket/prefix (+ GOLIVE_S3_*), file:///dir, or nothing: <data dir>/recordings. */
export function readStorageConfig(env: EnvReader, dataDir: string): StorageConfig {
  const { problems, str } = env;
  const raw = str('GOLIVE_STORAGE_URL');
  const signingSecret = str('GOLIVE_STORAGE_SIGNING_SECRET') ?? null;
  if (signingSecret !== null && signingSecret.length < 32) {
    problems.push('GOLIVE_STORAGE_SIGNING_SECRET is shorter than 32 characters: generate one with openssl rand -base64 48');
  }
  const strayS3 = S3_SETTINGS.filter((name) => str(name) !== undefined);
  const local = (dir: string): LocalStorageConfig => {
    if (strayS3.length > 0) {
      problems.push(`${strayS3.join(', ')} only apply to S3: set GOLIVE_STORAGE_URL=s3://bucket/prefix, or remove them`);
    }
    return { kind: 'local', dir, signingSecret };
  };
  if (raw === undefined) return local(join(dataDir, 'recordings'));

  let parsed: URL | null = null;
  try {
    parsed = new URL(raw);
  } catch {}
  if (parsed?.protocol === 'file:') {
    const dir = decodeURIComponent(parsed.pathname);
    if (!isAbsolute(dir) || parsed.host !== '')
      problems.push(`GOLIVE_STORAGE_URL=${raw} must name an absolute folder: file:///var/lib/golive/recordings`);
    return local(dir);
  }
  if (parsed?.protocol !== 's3:') {
    problems.push(
      `GOLIVE_STORAGE_URL=${raw} is not valid: use s3://bucket/prefix for S3, or file:///absolute/folder (unset: files under the data dir)`,
    );
    return local(join(dataDir, 'recordings'));
  }
  const bucket = parsed.hostname;
  if (!BUCKET.test(bucket) || bucket.includes('..')) {
    problems.push(
      `GOLIVE_STORAGE_URL names the bucket "${bucket}": a bucket name is 3 to 63 lowercase letters, digits, dots and hyphens, e.g. s3://golive-recordings/prod`,
    );
  }
  if (parsed.username || parsed.password || parsed.search || parsed.hash || parsed.port) {
    problems.push(
      'GOLIVE_STORAGE_URL holds only s3://bucket/prefix: put credentials in GOLIVE_S3_ACCESS_KEY_ID and GOLIVE_S3_SECRET_ACCESS_KEY',
    );
  }
  const prefix = decodeURIComponent(parsed.pathname).replace(/^\/+|\/+$/g, '');
  if (signingSecret !== null) {
    problems.push(
      'GOLIVE_STORAGE_SIGNING_SECRET only applies to local files: S3 playback URLs are presigned with the S3 credentials, remove it',
    );
  }

  const endpoint = env.url('GOLIVE_S3_ENDPOINT', ['http:', 'https:']) ?? null;
  const region = str('GOLIVE_S3_REGION') ?? 'us-east-1';
  if (!/^[a-z0-9-]{2,32}$/.test(region)) problems.push(`GOLIVE_S3_REGION=${region} is not valid: use a region name such as us-east-1`);
  const accessKeyId = str('GOLIVE_S3_ACCESS_KEY_ID') ?? null;
  const secretAccessKey = str('GOLIVE_S3_SECRET_ACCESS_KEY') ?? null;
  if ((accessKeyId === null) !== (secretAccessKey === null)) {
    problems.push(
      `${accessKeyId === null ? 'GOLIVE_S3_ACCESS_KEY_ID' : 'GOLIVE_S3_SECRET_ACCESS_KEY'} is missing: set GOLIVE_S3_ACCESS_KEY_ID and GOLIVE_S3_SECRET_ACCESS_KEY together (or neither, for the AWS default credentials)`,
    );
  }
  return {
    kind: 's3',
    bucket,
    prefix,
    endpoint,
    region,
    accessKeyId,
    secretAccessKey,
    // A custom endpoint is almost always an S3-compatible server that wants path-style requests.
    forcePathStyle: env.bool('GOLIVE_S3_FORCE_PATH_STYLE', endpoint !== null),
  };
}

export function readRecordingConfig(env: EnvReader, dataDir: string): RecordingConfig {
  const { problems, int, str } = env;
  const width = int('RECORDING_WIDTH', 1280, 160, 3840);
  const height = int('RECORDING_HEIGHT', 720, 90, 2160);
  if (width % 2 !== 0 || height % 2 !== 0) {
    problems.push(`RECORDING_WIDTH and RECORDING_HEIGHT must be even numbers (${width}x${height}): e.g. 1280 and 720`);
  }
  const bitrate = int('RECORDING_VIDEO_BITRATE_KBPS', 0, 0, 50_000);
  if (bitrate > 0 && bitrate < 100)
    problems.push(`RECORDING_VIDEO_BITRATE_KBPS=${bitrate} is too low: use at least 100, or unset it for constant quality`);
  const workDir = str('RECORDING_WORK_DIR') ?? join(dataDir, 'recording-work');
  if (!isAbsolute(workDir)) problems.push(`RECORDING_WORK_DIR=${workDir} must be an absolute folder`);
  return {
    maxConcurrent: int('RECORDING_MAX_CONCURRENT', 2, 0, 64),
    encoder: {
      width,
      height,
      fps: int('RECORDING_FPS', 30, 1, 60),
      preset: env.oneOf('RECORDING_PRESET', X264_PRESETS, 'veryfast'),
      crf: int('RECORDING_CRF', 23, 0, 51),
      videoBitrateKbps: bitrate > 0 ? bitrate : null,
      audioBitrateKbps: int('RECORDING_AUDIO_BITRATE_KBPS', 96, 32, 320),
      threads: int('RECORDING_THREADS', 0, 0, 16),
      segmentSec: int('RECORDING_SEGMENT_SEC', 4, 1, 30),
    },
    playbackUrlTtlSec: int('RECORDING_PLAYBACK_URL_TTL_SEC', 900, 60, 7 * 86_400),
    retentionDays: int('RECORDING_RETENTION_DAYS', 0, 0, 36_500),
    ffmpegPath: str('RECORDING_FFMPEG_PATH') ?? 'ffmpeg',
    ffprobePath: str('RECORDING_FFPROBE_PATH') ?? 'ffprobe',
    workDir,
  };
}
