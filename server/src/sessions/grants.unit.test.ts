// Unit tests of the pure role logic: who joins as what, and exactly which LiveKit grants each role gets.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TrackSource } from 'livekit-server-sdk';
import type { StageRole } from '../db/schema.ts';
import {
  grantFor,
  isCountedViewer,
  isOnStage,
  type JoinFacts,
  type ParticipantRole,
  participantState,
  RECORDER_ROLE,
  ROLE_ATTRIBUTE,
  recorderGrant,
  resolveJoinRole,
} from './grants.ts';

const facts = (overrides: Partial<JoinFacts>): JoinFacts => ({
  isHost: false,
  isAllowlisted: false,
  isAdmin: false,
  stageRole: null,
  mode: 'broadcast',
  visibility: 'public',
  ...overrides,
});

const STAGE_ROLES: Array<StageRole | null> = [null, 'cohost', 'guest', 'viewer'];
const MODES = ['broadcast', 'interactive'] as const;
const VISIBILITIES = ['public', 'private'] as const;

describe('resolveJoinRole', () => {
  it('the host is always host, whatever else is true', () => {
    for (const mode of MODES)
      for (const visibility of VISIBILITIES)
        for (const stageRole of STAGE_ROLES)
          for (const isAdmin of [false, true])
            for (const isAllowlisted of [false, true]) {
              const f = facts({ isHost: true, isAdmin, isAllowlisted, stageRole, mode, visibility });
              assert.equal(resolveJoinRole(f), 'host', JSON.stringify(f));
            }
  });

  it('an outsider of a private session may not join, and a leftover stage role does not let them in', () => {
    for (const mode of MODES)
      for (const stageRole of STAGE_ROLES) {
        const f = facts({ visibility: 'private', mode, stageRole });
        assert.equal(resolveJoinRole(f), null, JSON.stringify(f));
      }
  });

  // One row per case that matters: [description, facts, expected role].
  const cases: Array<[string, Partial<JoinFacts>, ParticipantRole | null]> = [
    ['anyone on a public broadcast', {}, 'viewer'],
    ['anyone on a public interactive session', { mode: 'interactive' }, 'viewer'],
    ['a public viewer approved on stage', { stageRole: 'guest' }, 'guest'],
    ['a public viewer made co-host', { stageRole: 'cohost' }, 'cohost'],
    ['a public guest moved back to viewer', { stageRole: 'viewer' }, 'viewer'],
    [
      'allowlisted in a private interactive session (two-way task session)',
      { visibility: 'private', mode: 'interactive', isAllowlisted: true },
      'guest',
    ],
    [
      'allowlisted in a private broadcast (one-way task session)',
      { visibility: 'private', mode: 'broadcast', isAllowlisted: true },
      'viewer',
    ],
    ['allowlisted in a public interactive session', { mode: 'interactive', isAllowlisted: true }, 'guest'],
    ['allowlisted in a public broadcast', { isAllowlisted: true }, 'viewer'],
    [
      'allowlisted, interactive, demoted to viewer',
      { visibility: 'private', mode: 'interactive', isAllowlisted: true, stageRole: 'viewer' },
      'viewer',
    ],
    ['allowlisted, broadcast, approved on stage', { visibility: 'private', isAllowlisted: true, stageRole: 'guest' }, 'guest'],
    ['allowlisted, made co-host', { visibility: 'private', mode: 'interactive', isAllowlisted: true, stageRole: 'cohost' }, 'cohost'],
    ['an admin on a public session watches hidden', { isAdmin: true }, 'observer'],
    ['an admin on a private session watches hidden', { isAdmin: true, visibility: 'private', mode: 'interactive' }, 'observer'],
    ['an admin put on stage joins as guest, not hidden', { isAdmin: true, visibility: 'private', stageRole: 'guest' }, 'guest'],
    [
      'an admin who is also a named participant joins as that participant',
      { isAdmin: true, visibility: 'private', mode: 'interactive', isAllowlisted: true },
      'guest',
    ],
  ];
  for (const [description, overrides, expected] of cases) {
    it(`${description} → ${expected}`, () => assert.equal(resolveJoinRole(facts(overrides)), expected));
  }
});

const ALL = [TrackSource.CAMERA, TrackSource.MICROPHONE, TrackSource.SCREEN_SHARE, TrackSource.SCREEN_SHARE_AUDIO];

describe('grantFor', () => {
  it('gives the host everything, including roomAdmin', () => {
    assert.deepEqual(grantFor('host'), {
      canSubscribe: true,
      canPublish: true,
      canPublishSources: ALL,
      canPublishData: true,
      roomAdmin: true,
      canUpdateOwnMetadata: false,
    });
  });

  it('gives a co-host the host’s publishing but no roomAdmin (golive moderates for them, so they cannot remove the host)', () => {
    const grant = grantFor('cohost');
    assert.deepEqual(grant, {
      canSubscribe: true,
      canPublish: true,
      canPublishSources: ALL,
      canPublishData: true,
      canUpdateOwnMetadata: false,
    });
    assert.equal('roomAdmin' in grant, false);
    // guestCanPublish restricts guests only.
    assert.deepEqual(grantFor('cohost', { camera: false, microphone: false, screen: false }).canPublishSources, ALL);
  });

  it('maps guestCanPublish to exactly those sources (screen includes its audio)', () => {
    const cases: Array<[{ camera: boolean; microphone: boolean; screen: boolean }, TrackSource[]]> = [
      [{ camera: true, microphone: true, screen: true }, ALL],
      [{ camera: true, microphone: false, screen: false }, [TrackSource.CAMERA]],
      [{ camera: false, microphone: true, screen: false }, [TrackSource.MICROPHONE]],
      [{ camera: false, microphone: false, screen: true }, [TrackSource.SCREEN_SHARE, TrackSource.SCREEN_SHARE_AUDIO]],
      [{ camera: true, microphone: true, screen: false }, [TrackSource.CAMERA, TrackSource.MICROPHONE]],
    ];
    for (const [allowed, sources] of cases) {
      assert.deepEqual(
        grantFor('guest', allowed),
        { canSubscribe: true, canPublish: true, canPublishSources: sources, canPublishData: true, canUpdateOwnMetadata: false },
        JSON.stringify(allowed),
      );
    }
  });

  it('a guest allowed no source cannot publish at all (an empty source list alone would mean "any" to LiveKit)', () => {
    const grant = grantFor('guest', { camera: false, microphone: false, screen: false });
    assert.equal(grant.canPublish, false);
    assert.deepEqual(grant.canPublishSources, []);
  });

  it('a guest defaults to every source', () => {
    assert.deepEqual(grantFor('guest').canPublishSources, ALL);
  });

  it('gives a viewer subscribe and data only', () => {
    assert.deepEqual(grantFor('viewer'), { canSubscribe: true, canPublish: false, canPublishData: true, canUpdateOwnMetadata: false });
  });

  it('hides an observer and lets it neither publish nor send data', () => {
    assert.deepEqual(grantFor('observer'), {
      canSubscribe: true,
      canPublish: false,
      canPublishData: false,
      hidden: true,
      canUpdateOwnMetadata: false,
    });
  });

  it('only the observer is hidden, only the host is room admin, and nobody may rewrite its own metadata (the role lives there)', () => {
    const roles: ParticipantRole[] = ['host', 'cohost', 'guest', 'viewer', 'observer'];
    for (const role of roles) {
      const grant = grantFor(role);
      assert.equal(grant.hidden === true, role === 'observer', `${role} hidden`);
      assert.equal(grant.roomAdmin === true, role === 'host', `${role} roomAdmin`);
      assert.equal(grant.canUpdateOwnMetadata, false, `${role} canUpdateOwnMetadata`);
      assert.equal(grant.canSubscribe, true, `${role} canSubscribe`);
      assert.equal(grant.canPublish, isOnStage(role), `${role} publishes iff on stage`);
      // Room and join are bound at mint time, never here.
      assert.equal(grant.roomJoin, undefined);
      assert.equal(grant.room, undefined);
    }
  });
});

describe('participantState, isCountedViewer, isOnStage', () => {
  it('carries the role in grants, metadata and the role attribute', () => {
    const guestCanPublish = { camera: true, microphone: false, screen: false };
    const state = participantState('guest', 'session-1', guestCanPublish);
    assert.deepEqual(state.grant, grantFor('guest', guestCanPublish));
    assert.deepEqual(JSON.parse(state.metadata), { role: 'guest', sessionId: 'session-1' });
    assert.deepEqual(state.attributes, { [ROLE_ATTRIBUTE]: 'guest' });
    assert.equal(ROLE_ATTRIBUTE, 'golive.role');
  });

  it('counts only visible plain viewers', () => {
    assert.equal(isCountedViewer('viewer', false), true);
    assert.equal(isCountedViewer('viewer', true), false);
    for (const role of ['host', 'cohost', 'guest', 'observer']) assert.equal(isCountedViewer(role, false), false, role);
  });

  it('puts host, co-host and guest on stage, never viewer or observer', () => {
    assert.deepEqual((['host', 'cohost', 'guest', 'viewer', 'observer'] as const).filter(isOnStage), ['host', 'cohost', 'guest']);
  });
});

describe('recorderGrant', () => {
  it('hides the recorder, lets it only subscribe, and sets LiveKit’s recorder flag (the room then reports it is recorded)', () => {
    assert.deepEqual(recorderGrant(), {
      canSubscribe: true,
      canPublish: false,
      canPublishData: false,
      hidden: true,
      recorder: true,
      canUpdateOwnMetadata: false,
    });
    assert.equal(isCountedViewer(RECORDER_ROLE, true), false, 'not in the viewer count');
  });
});
