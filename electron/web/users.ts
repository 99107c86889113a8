import { createHash, timingSafeEqual } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { TEAM_ROLES, type TeamRole } from '../../shared/enums.js';
import { CodedError } from '../../shared/errors.js';

/**
 * A team on one server (issue 14): users with their own token and a role, loaded from a JSON
 * file. Roles nest: annotator < reviewer < owner.
 *   { "users": [ { "name": "alice", "role": "annotator", "token": "at least 16 characters" }, ... ] }
 * `tokenSha256` (hex) may replace `token` so the file need not hold the secret itself.
 */
const UserSchema = z
  .object({
    name: z
      .string()
      .trim()
      .min(1)
      .max(100)
      .regex(/^[^\s|]+$/, 'no spaces or |'),
    role: z.enum(TEAM_ROLES),
    token: z.string().min(16, 'tokens need at least 16 characters').optional(),
    tokenSha256: z
      .string()
      .regex(/^[0-9a-f]{64}$/i, 'a hex sha256')
      .optional(),
  })
  .refine((u) => Boolean(u.token) !== Boolean(u.tokenSha256), 'give exactly one of token and tokenSha256');
const UsersFileSchema = z.object({ users: z.array(UserSchema).min(1) });

export interface TeamUser {
  name: string;
  role: TeamRole;
}

export interface TeamUsers {
  /** The user a presented token belongs to, or null. Constant-time per user. */
  identify(token: string | null | undefined): TeamUser | null;
  users: TeamUser[];
}

const sha = (s: string) => createHash('sha256').update(s).digest();

export async function loadUsers(file: string): Promise<TeamUsers> {
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(file, 'utf8'));
  } catch (e) {
    throw new CodedError('invalid_input', `${file}: ${(e as Error).message}`);
  }
  const parsed = UsersFileSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new CodedError('invalid_input', `${file}: ${issue.path.join('.') || '(root)'}: ${issue.message}`);
  }
  const seen = new Set<string>();
  for (const [i, u] of parsed.data.users.entries()) {
    if (seen.has(u.name)) throw new CodedError('invalid_input', `${file}: users.${i}.name: ${u.name} appears twice`);
    seen.add(u.name);
  }
  const entries = parsed.data.users.map((u) => ({
    user: { name: u.name, role: u.role },
    digest: u.token ? sha(u.token) : Buffer.from(u.tokenSha256!, 'hex'),
  }));
  const digests = new Set(entries.map((e) => e.digest.toString('hex')));
  if (digests.size !== entries.length) throw new CodedError('invalid_input', `${file}: two users share a token`);
  return {
    users: entries.map((e) => e.user),
    identify(token) {
      if (!token) return null;
      const d = sha(token);
      let found: TeamUser | null = null;
      for (const e of entries) if (timingSafeEqual(d, e.digest)) found = e.user;
      return found;
    },
  };
}

const RANK: Record<TeamRole, number> = { annotator: 0, reviewer: 1, owner: 2 };

/**
 * The least role each command needs. Anything not listed (new commands included) needs owner:
 * the table fails closed.
 */
const NEEDS: Record<string, TeamRole> = {
  'app.state': 'annotator',
  'team.whoami': 'annotator',
  'team.settings': 'annotator',
  'team.queue': 'annotator',
  'guidelines.get': 'annotator',
  'dataset.stats': 'annotator',
  'samples.list': 'annotator',
  'samples.get': 'annotator',
  'samples.similar': 'annotator',
  'labels.addHuman': 'annotator',
  'labels.retract': 'annotator',
  'jobs.list': 'annotator',
  'model.list': 'annotator',
  'team.adjudicate': 'reviewer',
  'team.agreement': 'reviewer',
  'guidelines.save': 'reviewer',
  'queue.get': 'reviewer',
};

export function requiredRole(command: string): TeamRole {
  return NEEDS[command] ?? 'owner';
}

export function allowed(user: TeamUser, command: string): boolean {
  return RANK[user.role] >= RANK[requiredRole(command)];
}

/** Checks the role and replaces every name the client could claim with the signed-in user's. */
export function authorizeInput(user: TeamUser, command: string, input: unknown): Record<string, unknown> {
  if (!allowed(user, command))
    throw new CodedError(
      'forbidden',
      `${user.name} (${user.role}) may not call ${command}; it needs the ${requiredRole(command)} role`,
    );
  const i = { ...((input ?? {}) as Record<string, unknown>) };
  if (command === 'labels.addHuman' || command === 'labels.retract' || command === 'team.adjudicate')
    i.annotator = user.name;
  if (command === 'guidelines.save') i.author = user.name;
  // An annotator's assigned queue is always their own; reviewers may look at anyone's.
  if (command === 'team.queue' && (user.role === 'annotator' || !i.annotator)) i.annotator = user.name;
  return i;
}

/**
 * Rate limit for wrong tokens, per client address: after `max` failures within `windowMs` the
 * address is refused (429) until the window passes, so tokens cannot be guessed at line speed.
 */
export class BadTokenLimiter {
  private fails = new Map<string, number[]>();
  constructor(
    private readonly max = 10,
    private readonly windowMs = 60_000,
    private readonly now = () => Date.now(),
  ) {}
  blocked(addr: string): boolean {
    const t = this.now();
    const list = (this.fails.get(addr) ?? []).filter((x) => t - x < this.windowMs);
    if (list.length) this.fails.set(addr, list);
    else this.fails.delete(addr);
    return list.length >= this.max;
  }
  fail(addr: string) {
    const list = this.fails.get(addr) ?? [];
    list.push(this.now());
    this.fails.set(addr, list);
  }
}
