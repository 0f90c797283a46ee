// A recorder in a process of its own, for the crash test: it records until it is killed, printing
// one JSON line per event on stdout ({"recorderEvent": ...}); rtc-node's own log lines are
// JSON too but carry no recorderEvent.
import { LocalStorage } from '../src/adapters/storage-local.ts';
import type { EncoderSettings } from '../src/config/storage-config.ts';
import { createLogger } from '../src/logger.ts';
import { Recorder } from '../src/recording/recorder.ts';

export type RecorderChildInput = {
  recordingId: string;
  livekitUrl: string;
  token: string;
  storageDir: string;
  signingSecret: string;
  encoder: EncoderSettings;
  workDir: string;
};

const input = JSON.parse(process.env.GOLIVE_RECORDER_CHILD ?? '{}') as RecorderChildInput;
const say = (event: Record<string, unknown>) => process.stdout.write(`${JSON.stringify({ recorderEvent: true, ...event })}\n`);

const recorder = await Recorder.start({
  recordingId: input.recordingId,
  livekitUrl: input.livekitUrl,
  token: input.token,
  storage: new LocalStorage({ root: input.storageDir, baseUrl: 'http://127.0.0.1:9', signingSecret: input.signingSecret }),
  encoder: input.encoder,
  ffmpegPath: 'ffmpeg',
  workDir: input.workDir,
  logger: createLogger('warn', process.stderr),
});
recorder.onSegmentStored((name) => say({ type: 'segment', name, writtenSec: recorder.writtenSec }));
say({ type: 'started', startedAtMs: recorder.startedAt.getTime(), ffmpegPid: recorder.ffmpegPid });
const outcome = await recorder.ended;
say({ type: 'ended', reason: outcome.reason });
