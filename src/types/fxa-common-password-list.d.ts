// fxa-common-password-list ships no types: one function, true for a common password.
declare module 'fxa-common-password-list' {
  const commonPasswords: { test(password: string): boolean };
  export default commonPasswords;
}
