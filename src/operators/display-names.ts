// Names a customer may not take as their display name: the company's, the
// bot's and any operator's, compared without case, accents, spaces or
// punctuation ("VALA  telecom!" is "Vala Telecom"). Channels call `safe` at
// their edge (web chat user name, SMS/WhatsApp ProfileName, email From name);
// a refused name is stored empty, so operators see the console's neutral
// label ("Customer", or the customer's address). Operator names are read
// with one scan of the operators list at most every `refreshMs`.
import type { OperatorsService } from './operators.service';

/** Lower case, no accents, letters and digits only. */
export function normalizeName(name: string): string {
  return name
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]/gu, '');
}

/** Words that only staff or the system speak as. */
const STAFF_WORDS = ['bot', 'operator', 'agent', 'admin', 'administrator', 'supervisor', 'system', 'support', 'customerservice', 'customersupport'];

export class DisplayNames {
  private operatorNames: { at: number; names: Set<string> } | null = null;
  private loading: Promise<Set<string>> | null = null;
  private readonly reserved: string[];

  constructor(
    private readonly operators: Pick<OperatorsService, 'list'>,
    /** The company's name and the bot's (they may be the same). */
    brandNames: string[],
    private readonly refreshMs = 60_000,
  ) {
    this.reserved = brandNames.map(normalizeName).filter((n) => n.length >= 3);
  }

  /** Whether a customer may show as `name`. */
  async allowed(name: string): Promise<boolean> {
    const n = normalizeName(name);
    if (!n) return true;
    // A brand name anywhere in it ("Vala Telecom Support") reads as us.
    if (this.reserved.some((r) => n.includes(r))) return false;
    if (STAFF_WORDS.includes(n)) return false;
    return !(await this.operatorNameSet()).has(n);
  }

  /** `name`, or '' when a customer may not show as it. */
  async safe(name: string | undefined | null): Promise<string> {
    if (!name) return '';
    return (await this.allowed(name)) ? name : '';
  }

  private async operatorNameSet(): Promise<Set<string>> {
    if (this.operatorNames && Date.now() - this.operatorNames.at < this.refreshMs) return this.operatorNames.names;
    this.loading ??= this.operators
      .list()
      .then((ops) => {
        const names = new Set(ops.map((o) => normalizeName(o.name)).filter(Boolean));
        this.operatorNames = { at: Date.now(), names };
        return names;
      })
      .finally(() => {
        this.loading = null;
      });
    return this.loading;
  }

  /** Forget the cached operator names (after an operator is added or renamed). */
  refresh(): void {
    this.operatorNames = null;
  }
}
