import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';
import { Rpc, Service, StagesError } from '@stages/core';
import { SignJWT } from 'jose';
import { z } from 'zod';
import { ShopInfra } from '../infra/shop-infra.js';
import type { User, UserApi } from './api.js';

const scryptAsync = promisify(scrypt) as (password: string, salt: Buffer, keylen: number) => Promise<Buffer>;

interface UserRow {
  id: string;
  email: string;
  name: string;
  password_hash: string;
}

/** Accounts. Log-in issues an HS256 JWT the gateway verifies, so no instance keeps session state (stage 4). */
@Service({ name: 'user', version: '1.0.0' })
export class UserService implements UserApi {
  readonly #secret: Uint8Array;

  constructor(private readonly infra: ShopInfra) {
    this.#secret = new TextEncoder().encode(infra.settings.jwtSecret);
  }

  @Rpc({
    input: z.object({
      email: z.string().email().toLowerCase(),
      password: z.string().min(6).max(200),
      name: z.string().min(1).max(100),
    }),
  })
  async signUp(req: { email: string; password: string; name: string }): Promise<User> {
    const id = `u${this.infra.ids.nextString()}`;
    const hash = await hashPassword(req.password);
    const result = await this.#db.execute(
      'INSERT INTO users (id, email, name, password_hash, created_at) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (email) DO NOTHING',
      [id, req.email, req.name, hash, Date.now()],
    );
    if (result.rowCount === 0) throw new StagesError('ALREADY_EXISTS', `an account for ${req.email} exists`);
    return { id, email: req.email, name: req.name };
  }

  @Rpc({ input: z.object({ email: z.string().toLowerCase(), password: z.string() }) })
  async logIn(req: { email: string; password: string }) {
    // Read the primary: a sign-up a moment ago may not have reached a replica yet (stage 5).
    const [row] = await this.#db.query<UserRow>('SELECT * FROM users WHERE email = $1', [req.email], { primary: true });
    if (!row || !(await verifyPassword(req.password, row.password_hash))) {
      throw new StagesError('UNAUTHENTICATED', 'wrong email or password');
    }
    const token = await new SignJWT({ name: row.name })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(row.id)
      .setIssuedAt()
      .setExpirationTime('12h')
      .sign(this.#secret);
    return { token, user: { id: row.id, email: row.email, name: row.name } };
  }

  @Rpc({ idempotent: true, input: z.object({ id: z.string().min(1) }) })
  async getUser(req: { id: string }): Promise<User> {
    const [row] = await this.#db.query<UserRow>('SELECT id, email, name FROM users WHERE id = $1', [req.id]);
    if (!row) throw new StagesError('NOT_FOUND', `user ${req.id} not found`);
    return { id: row.id, email: row.email, name: row.name };
  }

  get #db() {
    return this.infra.db('user');
  }
}

export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  return `${salt.toString('hex')}:${(await scryptAsync(password, salt, 32)).toString('hex')}`;
}

async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [salt, hash] = stored.split(':');
  if (!salt || !hash) return false;
  const actual = await scryptAsync(password, Buffer.from(salt, 'hex'), 32);
  return timingSafeEqual(actual, Buffer.from(hash, 'hex'));
}
