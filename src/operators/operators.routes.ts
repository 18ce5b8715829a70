// Login and operator administration.
import { Router } from 'express';
import { z } from 'zod';
import { ROLES } from './operator.model';
import type { OperatorsService } from './operators.service';
import { toPublic } from './operators.service';
import { authenticate, requireRole, session } from './auth';
import { NotFoundError } from '../infra/errors';

const loginSchema = z.object({ email: z.string().min(3).max(320), password: z.string().min(1).max(200) });
const newOperatorSchema = z.object({
  name: z.string().trim().min(1).max(200),
  email: z.email().max(320),
  password: z.string().min(10, 'at least 10 characters').max(200),
  roles: z.array(z.enum(ROLES)).min(1).default(['operator']),
  skills: z.array(z.string().trim().min(1).max(50)).max(50).default([]),
  phone: z.string().max(30).optional(),
});

export function operatorsRoutes(operators: OperatorsService): Router {
  const r = Router();

  r.post('/auth/login', async (req, res) => {
    const { email, password } = loginSchema.parse(req.body);
    const { token, operator } = await operators.login(email, password);
    res.json({ token, operator: toPublic(operator) });
  });

  r.use(authenticate(operators));

  r.get('/me', async (req, res) => {
    const op = await operators.get(session(req).operatorId);
    if (!op) throw new NotFoundError('operator not found');
    res.json(toPublic(op));
  });

  r.post('/operators', requireRole('admin'), async (req, res) => {
    const input = newOperatorSchema.parse(req.body);
    const op = await operators.create(input);
    res.status(201).json({ id: String(op._id) });
  });

  r.get('/operators', requireRole('supervisor'), async (_req, res) => {
    res.json((await operators.list()).map(toPublic));
  });

  return r;
}
