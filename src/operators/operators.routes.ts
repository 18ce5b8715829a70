// Sign-in and sign-out, and operator administration: add, change (active,
// roles, skills, name) and set passwords. Changes that take rights away end
// the operator's open sessions (operators.service.ts, sessions.ts).
import { Router } from 'express';
import { z } from 'zod';
import { ROLES } from '../store/models/operator.model';
import type { OperatorsService } from './operators.service';
import { toPublic } from './operators.service';
import { authenticate, requireRole, session } from './auth';
import { NotFoundError, TooManyRequestsError, UnauthorizedError } from '../infra/errors';
import type { LoginThrottle } from './login-throttle';
import { MIN_PASSWORD_LENGTH } from './password-policy';

const loginSchema = z.object({ email: z.string().min(3).max(320), password: z.string().min(1).max(200) });
const newOperatorSchema = z.object({
  name: z.string().trim().min(1).max(200),
  email: z.email().max(320),
  password: z.string().min(MIN_PASSWORD_LENGTH, `at least ${MIN_PASSWORD_LENGTH} characters`).max(200),
  roles: z.array(z.enum(ROLES)).min(1).default(['operator']),
  skills: z.array(z.string().trim().min(1).max(50)).max(50).default([]),
  phone: z.string().max(30).optional(),
});

const patchSchema = z
  .object({
    active: z.boolean().optional(),
    roles: z.array(z.enum(ROLES)).min(1).optional(),
    skills: z.array(z.string().trim().min(1).max(50)).max(50).optional(),
    name: z.string().trim().min(1).max(200).optional(),
  })
  .strict();
const passwordSchema = z.object({ password: z.string().min(MIN_PASSWORD_LENGTH, `at least ${MIN_PASSWORD_LENGTH} characters`).max(200), currentPassword: z.string().max(200).optional() });

const presenceSchema = z.object({ presence: z.enum(['available', 'busy', 'away']) });

export function operatorsRoutes(operators: OperatorsService, throttle: LoginThrottle): Router {
  const r = Router();

  r.post('/auth/login', async (req, res) => {
    const { email, password } = loginSchema.parse(req.body);
    // Over the limit the password is not even checked: a right one is refused like a wrong one.
    const decision = await throttle.begin(email, req.ip ?? 'unknown');
    if (!decision.allowed) {
      res.set('Retry-After', String(decision.retryAfterSeconds));
      throw new TooManyRequestsError('too many failed sign-in attempts; try again later');
    }
    let session: Awaited<ReturnType<OperatorsService['login']>>;
    try {
      session = await operators.login(email, password);
    } catch (err) {
      await (err instanceof UnauthorizedError ? decision.attempt.failed() : decision.attempt.abandoned());
      throw err;
    }
    await decision.attempt.succeeded();
    res.json({ token: session.token, operator: toPublic(session.operator) });
  });

  r.use(authenticate(operators));

  // Ends this session only; its token gets 401 from now on, on every instance within SESSION_CHECK_CACHE_MS.
  r.post('/auth/logout', async (req, res) => {
    await operators.logout(session(req));
    res.status(204).end();
  });

  r.get('/me', async (req, res) => {
    const op = await operators.get(session(req).operatorId);
    if (!op) throw new NotFoundError('operator not found');
    res.json(toPublic(op));
  });

  // The operator's own presence, as colleagues see it when they transfer (offline comes from closing the console).
  r.put('/me/presence', async (req, res) => {
    const { presence } = presenceSchema.parse(req.body);
    await operators.setPresence(session(req).operatorId, presence);
    res.json({ presence });
  });

  r.post('/operators', requireRole('admin'), async (req, res) => {
    const input = newOperatorSchema.parse(req.body);
    const op = await operators.create(input);
    res.status(201).json({ id: String(op._id) });
  });

  r.patch('/operators/:id', requireRole('admin'), async (req, res) => {
    const patch = patchSchema.parse(req.body);
    res.json(toPublic(await operators.update(String(req.params.id), patch, session(req))));
  });

  // An admin sets anyone's password; anyone may change their own with the current one. Older sessions end.
  r.post('/operators/:id/password', async (req, res) => {
    const { password, currentPassword } = passwordSchema.parse(req.body);
    await operators.setPassword(String(req.params.id), password, session(req), currentPassword);
    res.status(204).end();
  });

  r.get('/operators', requireRole('supervisor'), async (_req, res) => {
    res.json((await operators.list()).map(toPublic));
  });

  return r;
}
