// The vocabulary of cases, without the model: flows validate their prompts
// against it (a status needs a text in every language) without touching
// the store.
export const CASE_TYPES = ['order', 'complaint', 'request'] as const;
export type CaseType = (typeof CASE_TYPES)[number];

export const CASE_STATUSES = ['new', 'in_progress', 'waiting_customer', 'shipped', 'resolved', 'closed', 'cancelled'] as const;
export type CaseStatus = (typeof CASE_STATUSES)[number];

/** Statuses a case never leaves. */
export const FINAL_STATUSES: CaseStatus[] = ['closed', 'cancelled'];

export type CaseFieldValue = string | number | boolean;
