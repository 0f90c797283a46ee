import type { StoreError } from '@golive/sdk';
import type { EndState } from '../components/StatusScreen.tsx';

/** The screen for a refused join or subscribe, from its stable code. */
export function refusalState(error: StoreError | null): EndState {
  switch (error?.code) {
    case 'SESSION_ENDED':
      return 'ended';
    case 'BANNED':
      return 'banned';
    case 'SESSION_FORBIDDEN':
      return 'forbidden';
    case 'SESSION_NOT_FOUND':
    case 'VALIDATION_FAILED':
      return 'not-found';
    default:
      return 'error';
  }
}
