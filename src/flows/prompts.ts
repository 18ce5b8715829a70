// Reply texts per language, from prompts/<lang>.yaml. Missing keys fall back
// to English; flow validation makes sure every key a flow uses exists.
import fs from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';

export class Prompts {
  constructor(private readonly byLang: Map<string, Record<string, string>>) {}

  static load(dir: string): Prompts {
    const byLang = new Map<string, Record<string, string>>();
    for (const file of fs.readdirSync(dir).filter((f) => f.endsWith('.yaml'))) {
      const parsed: unknown = YAML.parse(fs.readFileSync(path.join(dir, file), 'utf8'));
      if (!parsed || typeof parsed !== 'object') throw new Error(`${path.join(dir, file)}: expected a map of prompt keys to texts`);
      const texts: Record<string, string> = {};
      for (const [k, v] of Object.entries(parsed)) {
        if (typeof v !== 'string') throw new Error(`${path.join(dir, file)}: ${k}: expected a text`);
        texts[k] = v;
      }
      byLang.set(path.basename(file, '.yaml'), texts);
    }
    if (!byLang.has('en')) throw new Error(`${dir}: en.yaml is required`);
    return new Prompts(byLang);
  }

  languages(): string[] {
    return [...this.byLang.keys()];
  }

  has(lang: string, key: string): boolean {
    return key in (this.byLang.get(lang) ?? {});
  }

  t(lang: string, key: string, vars: Record<string, string | number | boolean> = {}): string {
    const text = this.byLang.get(lang)?.[key] ?? this.byLang.get('en')?.[key] ?? key;
    return this.fill(text, vars);
  }

  /** Fills `{name}` placeholders; unknown ones stay as they are. */
  fill(text: string, vars: Record<string, string | number | boolean>): string {
    return text.replace(/\{(\w+)\}/g, (m, name: string) => (name in vars ? String(vars[name]) : m));
  }
}
