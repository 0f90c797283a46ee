// What the test harnesses (TestStack, UnitApp) check when they stop golive: every error answer's
// code was one its route declares (server/src/http/declared-codes.ts counts the others).
import type { Services } from '../src/services.ts';

/** The answers whose code their route does not declare (golive_undeclared_error_codes_total). */
export async function undeclaredAnswers(services: Services): Promise<string[]> {
  const { values } = await services.metrics.undeclaredErrorCodes.get();
  return values.filter((v) => v.value > 0).map((v) => `${v.labels.method} ${v.labels.route}: ${v.labels.code} (${v.value}×)`);
}

export function assertAllDeclared(undeclared: string[]): void {
  if (undeclared.length > 0) {
    throw new Error(
      `routes answered error codes they do not declare (add each to its route's errors, http/route.ts): ${undeclared.join('; ')}`,
    );
  }
}
