// @golive/react: thin React hooks over @golive/sdk's framework-free session store. Named
// useSession…/useGolive… so that they sit beside LiveKit's own hooks without clashing.

export { GoliveProvider, type GoliveProviderProps } from './GoliveProvider.ts';
export { GoliveContext, type GoliveContextValue, SessionStoreContext } from './golive-context.ts';
export { SessionProvider, type SessionProviderProps } from './SessionProvider.ts';
export { useEnsureSessionStore } from './use-ensure-session-store.ts';
export { useGolive } from './use-golive.ts';
export { type GoliveSessionView, useGoliveSession } from './use-golive-session.ts';
export { type SessionChatView, useSessionChat } from './use-session-chat.ts';
export { useSessionCounters } from './use-session-counters.ts';
export { type SessionIngestView, useSessionIngest } from './use-session-ingest.ts';
export { type SessionParticipantsView, useSessionParticipants } from './use-session-participants.ts';
export { useSessionPermissions } from './use-session-permissions.ts';
export { type SessionReactionsView, useSessionReactions } from './use-session-reactions.ts';
export { type SessionRecordingView, useSessionRecording } from './use-session-recording.ts';
export { useSessionRole } from './use-session-role.ts';
export { type SessionSettingsState, useSessionSettings } from './use-session-settings.ts';
export { useSessionSnapshot } from './use-session-snapshot.ts';
export { type SessionStageView, useSessionStage } from './use-session-stage.ts';
export { useSessionStore } from './use-session-store.ts';
export { type SessionsFeedHandlers, useSessionsFeed } from './use-sessions-feed.ts';
