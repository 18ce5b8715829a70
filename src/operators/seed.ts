// Start-up accounts: the first admin from ADMIN_EMAIL/ADMIN_PASSWORD, and in
// development a few demo operators whose credentials are printed once. The
// admin's password must pass the policy (password-policy.ts; config.ts checks
// it at start-up in production); the demo accounts' are generated.
import { randomBytes } from 'node:crypto';
import type { Config } from '../config';
import type { OperatorsService } from './operators.service';

export interface SeededAccount {
  email: string;
  password: string;
  roles: string[];
}

export const DEMO_OPERATORS = [
  { name: 'Ana Krasniqi', email: 'ana@vala.example', roles: ['operator'] as const, skills: ['billing', 'general'] },
  { name: 'Besnik Hoxha', email: 'besnik@vala.example', roles: ['operator'] as const, skills: ['technical', 'general'] },
  { name: 'Drita Leka', email: 'drita@vala.example', roles: ['supervisor'] as const, skills: ['general'] },
];

export async function seedAccounts(config: Config, operators: OperatorsService): Promise<SeededAccount[]> {
  const created: SeededAccount[] = [];
  if (config.ADMIN_EMAIL && config.ADMIN_PASSWORD) {
    await operators.ensure({ name: 'Administrator', email: config.ADMIN_EMAIL, password: config.ADMIN_PASSWORD, roles: ['admin'] }, { skipPolicy: !config.isProduction });
  }
  if (config.SEED_DEMO) {
    for (const d of DEMO_OPERATORS) {
      const password = `demo-${randomBytes(4).toString('hex')}`;
      if (await operators.ensure({ ...d, roles: [...d.roles], password }, { skipPolicy: true })) created.push({ email: d.email, password, roles: [...d.roles] });
    }
  }
  return created;
}
