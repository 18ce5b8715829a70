// openapi.yaml is the documented public contract: it must parse, and it must
// describe the paths DESIGN.md names as the gateway's public interface.
import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';

describe('openapi.yaml', () => {
  const doc = parse(fs.readFileSync(path.resolve(__dirname, '..', 'openapi.yaml'), 'utf8')) as { openapi: string; paths: Record<string, Record<string, unknown>> };

  it('when read as YAML, then it is an OpenAPI 3 document', () => {
    expect(doc.openapi).toMatch(/^3\./);
  });

  it('when a client looks for the public contract, then every path and method is described', () => {
    const contract: [string, string][] = [
      ['/v3/directline/tokens/generate', 'post'],
      ['/v3/directline/conversations', 'post'],
      ['/v3/directline/conversations/{id}/activities', 'get'],
      ['/v3/directline/conversations/{id}/activities', 'post'],
      ['/api/auth/login', 'post'],
      ['/api/operators', 'post'],
      ['/api/escalations', 'get'],
      ['/api/escalations/{id}/claim', 'post'],
      ['/api/escalations/{id}/transfer', 'post'],
      ['/api/escalations/{id}/resolve', 'post'],
      ['/api/conversations/{id}', 'get'],
      ['/api/conversations/{id}/messages', 'post'],
      ['/api/me/presence', 'put'],
      ['/api/messaging/outbox', 'get'],
    ];
    const missing = contract.filter(([p, m]) => !doc.paths[p]?.[m]).map(([p, m]) => `${m.toUpperCase()} ${p}`);
    expect(missing).toEqual([]);
  });
});
