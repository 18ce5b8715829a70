// What an operator's password must be: at least 12 characters, not one of the
// most common passwords (Mozilla's fxa-common-password-list, the head of a
// public list of a million leaked passwords), not a run of a few repeated
// characters, and not containing the email's local part.
import commonPasswords from 'fxa-common-password-list';
import { ValidationError } from '../infra/errors';

export const MIN_PASSWORD_LENGTH = 12;
/** Fewer distinct characters than this reads as "aaaaaaaaaaaa" or "121212121212". */
const MIN_DISTINCT_CHARACTERS = 5;

/** Why a password is refused, or null when it is acceptable. */
export function passwordProblem(password: string, email: string): string | null {
  if (password.length < MIN_PASSWORD_LENGTH) return `the password needs at least ${MIN_PASSWORD_LENGTH} characters`;
  const lower = password.toLowerCase();
  if (commonPasswords.test(password) || commonPasswords.test(lower)) return 'the password is one of the most common passwords';
  if (new Set(lower).size < MIN_DISTINCT_CHARACTERS) return 'the password repeats too few characters';
  const local = email.split('@')[0]?.trim().toLowerCase() ?? '';
  if (local.length >= 3 && lower.includes(local)) return 'the password must not contain the email address';
  return null;
}

/** Throws a 400 naming the problem. */
export function assertPasswordAcceptable(password: string, email: string): void {
  const problem = passwordProblem(password, email);
  if (problem) throw new ValidationError(problem);
}
