/** Who is calling. A user comes from the host app's JWT, or from an API key acting for a user. */
export type UserPrincipal = {
  kind: 'user';
  userId: string;
  name: string;
  isAdmin: boolean;
  via: 'jwt' | 'apiKey';
};

/** The host app's backend itself (API key without X-Golive-User): trusted like an admin. */
export type ServicePrincipal = {
  kind: 'service';
  userId: null;
  name: 'service';
  isAdmin: true;
  via: 'apiKey';
};

export type Principal = UserPrincipal | ServicePrincipal;

export const SERVICE_PRINCIPAL: ServicePrincipal = {
  kind: 'service',
  userId: null,
  name: 'service',
  isAdmin: true,
  via: 'apiKey',
};

/** The id recorded as the actor of an action in the audit log. */
export function actorId(principal: Principal): string {
  return principal.kind === 'user' ? principal.userId : 'service';
}
