/**
 * Bearer tokens with roles. viewer reads; operator also triggers runs and sends alerts;
 * admin also writes. Tokens come from a YAML file (`tokens: [{name, role, token}]`)
 * or the LIFEBOAT_{ADMIN,OPERATOR,VIEWER}_TOKEN variables. Comparison hashes both
 * sides and checks every token with timingSafeEqual, so timing says nothing about
 * how much of a guess was right or which token it was close to.
 */
import { hash, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { z } from 'zod';
import { ForbiddenError, InvalidError, UnauthorizedError } from '../errors.js';

export const ROLES = ['viewer', 'operator', 'admin'] as const;
export type Role = (typeof ROLES)[number];

export interface Principal {
  name: string;
  role: Role;
}

const tokensFile = z.strictObject({
  tokens: z
    .array(
      z.strictObject({
        name: z.string().min(1),
        role: z.enum(ROLES, {
          error: (i) => `role ${JSON.stringify(i.input)} is not one of ${ROLES.join(', ')}`,
        }),
        token: z
          .string()
          .min(16, 'must be at least 16 characters; generate one with: openssl rand -hex 24'),
      }),
    )
    .min(1, 'list at least one token'),
});

interface Entry extends Principal {
  digest: Buffer;
}

// One-shot hash: every request is authenticated, and createHash().update().digest() costs a third more.
const digest = (s: string): Buffer => hash('sha256', s, 'buffer');

export class TokenBook {
  private readonly entries: Entry[];

  constructor(tokens: readonly (Principal & { token: string })[]) {
    this.entries = tokens.map((t) => ({ name: t.name, role: t.role, digest: digest(t.token) }));
  }

  /** No tokens configured: the server runs open and must bind to loopback only. */
  get open(): boolean {
    return this.entries.length === 0;
  }

  static fromFile(file: string): TokenBook {
    let raw: unknown;
    try {
      raw = parse(readFileSync(file, 'utf8'));
    } catch (err) {
      throw new InvalidError(
        `tokens file ${file} cannot be read: ${err instanceof Error ? err.message : String(err)}`,
      );
    }
    const res = tokensFile.safeParse(raw);
    if (!res.success) {
      const causes = res.error.issues.map((i) => ({
        field: i.path.join('.'),
        message: i.message,
        file,
      }));
      throw new InvalidError(
        `tokens file ${file} is invalid: ${causes.map((c) => `${c.field}: ${c.message}`).join('; ')}`,
        causes,
      );
    }
    return new TokenBook(res.data.tokens);
  }

  static fromEnv(env: NodeJS.ProcessEnv): (Principal & { token: string })[] {
    const out: (Principal & { token: string })[] = [];
    for (const role of ROLES) {
      const token = env[`LIFEBOAT_${role.toUpperCase()}_TOKEN`];
      if (token) out.push({ name: `env-${role}`, role, token });
    }
    return out;
  }

  /** The principal whose token this is, checking every entry in constant time. */
  identify(token: string): Principal | undefined {
    const d = digest(token);
    let found: Entry | undefined;
    for (const e of this.entries) {
      if (timingSafeEqual(d, e.digest) && !found) found = e;
    }
    return found ? { name: found.name, role: found.role } : undefined;
  }

  /**
   * Authenticates an Authorization header: `Bearer <token>`, or `Basic` with the token as
   * password (Alertmanager's basic_auth). Throws 401 for a missing or wrong token.
   */
  authenticate(header: string | undefined): Principal {
    if (this.open) return { name: 'anonymous', role: 'admin' };
    if (!header)
      throw new UnauthorizedError(
        'missing Authorization header; send "Authorization: Bearer <token>"',
      );
    const space = header.indexOf(' ');
    const scheme = header.slice(0, space).toLowerCase();
    const value = header.slice(space + 1).trim();
    let token: string | undefined;
    if (scheme === 'bearer') token = value;
    else if (scheme === 'basic') {
      const decoded = Buffer.from(value, 'base64').toString('utf8');
      token = decoded.slice(decoded.indexOf(':') + 1);
    }
    if (!token)
      throw new UnauthorizedError(
        'unsupported Authorization scheme; use Bearer <token> (or Basic with the token as password)',
      );
    const who = this.identify(token);
    if (!who) throw new UnauthorizedError('the token is not valid');
    return who;
  }
}

/** Throws 403 unless `who` has at least `needed`. */
export function requireRole(who: Principal, needed: Role, action: string): void {
  if (ROLES.indexOf(who.role) < ROLES.indexOf(needed)) {
    throw new ForbiddenError(
      `${action} needs the ${needed} role; token "${who.name}" has ${who.role}`,
    );
  }
}
