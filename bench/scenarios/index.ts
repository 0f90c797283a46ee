import { chatScenario } from './chat.ts';
import { eventsScenario } from './events.ts';
import { joinScenario } from './join.ts';
import { mediaScenario } from './media.ts';
import { mediaCapacityScenario } from './media-capacity.ts';
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
  mediaScenario,
  mediaCapacityScenario,
  eventsScenario,
];
