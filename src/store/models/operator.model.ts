import { Connection, Schema, InferSchemaType, Model, Types } from 'mongoose';

export const ROLES = ['operator', 'supervisor', 'marketer', 'admin'] as const;
export type Role = (typeof ROLES)[number];

const operatorSchema = new Schema(
  {
    name: { type: String, required: true },
    email: { type: String, required: true, lowercase: true, trim: true },
    passwordHash: { type: String, required: true },
    roles: { type: [String], enum: ROLES, default: ['operator'] },
    skills: { type: [String], default: [] },
    presence: { type: String, enum: ['offline', 'available', 'busy', 'away'], default: 'offline' },
    maxConcurrent: { type: Number, default: 3 },
    phone: { type: String, default: '' },
    active: { type: Boolean, default: true },
    // Sessions (src/operators/sessions.ts): a token carries the version it was issued under; bumping it
    // (disable, role change, password change) ends every older session. A logout revokes one session by
    // its id, kept here as "<expiry epoch seconds>:<sid>" until the token would have expired anyway.
    sessionVersion: { type: Number, default: 0 },
    revokedSessions: { type: [String], default: [] },
  },
  { timestamps: true },
);
operatorSchema.index({ email: 1 }, { unique: true });

export type OperatorFields = InferSchemaType<typeof operatorSchema>;
export type OperatorDoc = OperatorFields & { _id: Types.ObjectId };

export function operatorModel(conn: Connection): Model<OperatorFields> {
  return conn.models.Operator ?? conn.model('Operator', operatorSchema);
}
