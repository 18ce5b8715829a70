// YAML with positions: parse a source once, then say at which line a field
// sits, so every validation error can name file, line and field.
import YAML, { LineCounter, isMap, isNode, isScalar } from 'yaml';
import type { z } from 'zod';

export type FieldPath = (string | number)[];

export class FlowValidationError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid flows:\n  ${problems.join('\n  ')}`);
  }
}

export class YamlSource {
  private constructor(
    readonly file: string,
    private readonly doc: YAML.Document,
    private readonly lc: LineCounter,
  ) {}

  /** The parsed source, or the YAML errors as problems. */
  static parse(file: string, source: string): { src?: YamlSource; value?: unknown; problems: string[] } {
    const lc = new LineCounter();
    const doc = YAML.parseDocument(source, { lineCounter: lc, prettyErrors: false });
    if (doc.errors.length) {
      return { problems: doc.errors.map((e) => `${file}:${lc.linePos(e.pos[0]).line}: (yaml): bad YAML: ${e.message.split('\n')[0]}`) };
    }
    return { src: new YamlSource(file, doc, lc), value: doc.toJS(), problems: [] };
  }

  /** The line of the deepest part of `p` that exists; for a map entry, the line of its key. */
  line(p: FieldPath): number {
    for (let n = p.length; n >= 0; n--) {
      if (n > 0) {
        const parent = this.doc.getIn(p.slice(0, n - 1), true);
        const pair = isMap(parent) ? parent.items.find((i) => isScalar(i.key) && String(i.key.value) === String(p[n - 1])) : undefined;
        if (pair && isNode(pair.key) && pair.key.range) return this.lc.linePos(pair.key.range[0]).line;
      }
      const node = this.doc.getIn(p.slice(0, n), true);
      if (isNode(node) && node.range) return this.lc.linePos(node.range[0]).line;
    }
    return 1;
  }

  /** "file:line: field: message" — the one shape every flow error has. */
  problem(p: FieldPath, message: string): string {
    return `${this.file}:${this.line(p)}: ${p.join('.') || '(top)'}: ${message}`;
  }

  zodProblems(base: FieldPath, error: z.ZodError): string[] {
    return error.issues.map((i) => this.problem([...base, ...(i.path as FieldPath)], i.message));
  }
}
