import { capacityScenario } from './capacity.ts';
import { chatScenario } from './chat.ts';
import { effectsScenario } from './effects.ts';
import { eventsScenario } from './events.ts';
import { ingestScenario } from './ingest.ts';
import { ingestWhipScenario } from './ingest-whip.ts';
import { joinScenario } from './join.ts';
import { mediaScenario } from './media.ts';
import { mediaCapacityScenario } from './media-capacity.ts';
import { recordingScenario } from './recording.ts';
import { sessionStartScenario } from './session-start.ts';
import { stageScenario } from './stage.ts';
import type { Scenario } from './types.ts';
import { webhooksScenario } from './webhooks.ts';

/** Every scenario, in report order. A new one (P3 chat, P4 webhooks, ...) is added here and gets its own report section. */
export const SCENARIOS: readonly Scenario[] = [
  joinScenario,
  sessionStartScenario,
  chatScenario,
  webhooksScenario,
  stageScenario,
  effectsScenario,
  mediaScenario,
  mediaCapacityScenario,
  capacityScenario,
  recordingScenario,
  ingestScenario,
  ingestWhipScenario,
  eventsScenario,
];
