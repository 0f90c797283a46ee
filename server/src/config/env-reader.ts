/** The process environment, or a test's stand-in for it. */
export type Env = Record<string, string | undefined>;

/**
 * Typed readers over the environment. Each bad value adds a problem that names the variable and
 * says how to fix it, and returns the fallback, so one boot reports every problem at once.
 */
export type EnvReader = {
  readonly problems: string[];
  /** The trimmed value; undefined when unset or blank. */
  str(name: string): string | undefined;
  int(name: string, fallback: number, min: number, max: number): number;
  /** true/false/1/0/yes/no. */
  bool(name: string, fallback: boolean): boolean;
  /** A URL with one of the protocols (e.g. 'https:'), trailing slashes removed. */
  url(name: string, protocols: string[]): string | undefined;
  /** One of the allowed words. */
  oneOf<T extends string>(name: string, allowed: readonly T[], fallback: T): T;
};

export function createEnvReader(env: Env, problems: string[] = []): EnvReader {
  const str = (name: string): string | undefined => {
    const value = env[name]?.trim();
    return value === '' ? undefined : value;
  };
  return {
    problems,
    str,
    int(name, fallback, min, max) {
      const raw = str(name);
      if (raw === undefined) return fallback;
      // Digits only: Number() alone would accept "0x1F", "1e3" or "08.0".
      const value = /^-?\d+$/.test(raw) ? Number(raw) : Number.NaN;
      if (!Number.isSafeInteger(value) || value < min || value > max) {
        problems.push(`${name}=${raw} is not valid: set it to a whole number from ${min} to ${max}`);
        return fallback;
      }
      return value;
    },
    bool(name, fallback) {
      const raw = str(name)?.toLowerCase();
      if (raw === undefined) return fallback;
      if (['true', '1', 'yes'].includes(raw)) return true;
      if (['false', '0', 'no'].includes(raw)) return false;
      problems.push(`${name}=${raw} is not valid: set it to true or false`);
      return fallback;
    },
    url(name, protocols) {
      const raw = str(name);
      if (raw === undefined) return undefined;
      try {
        const parsed = new URL(raw);
        if (!protocols.includes(parsed.protocol)) throw new Error('protocol');
        return raw.replace(/\/+$/, '');
      } catch {
        problems.push(`${name} must be a URL starting with ${protocols.map((p) => `${p}//`).join(' or ')}`);
        return undefined;
      }
    },
    oneOf(name, allowed, fallback) {
      const raw = str(name);
      if (raw === undefined) return fallback;
      if ((allowed as readonly string[]).includes(raw)) return raw as (typeof allowed)[number];
      problems.push(`${name}=${raw} is not valid: use one of ${allowed.join(', ')}`);
      return fallback;
    },
  };
}
