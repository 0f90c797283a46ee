import { useContext } from 'react';
import { GoliveContext, type GoliveContextValue } from './golive-context.ts';

/** The client and realtime connection of the nearest <GoliveProvider>; throws, saying so, without one. */
export function useGolive(): GoliveContextValue {
  const value = useContext(GoliveContext);
  if (!value) {
    throw new Error(
      'useGolive: no golive here. Render this component inside <GoliveProvider client={createGoliveClient({ baseUrl, token })}>.',
    );
  }
  return value;
}
