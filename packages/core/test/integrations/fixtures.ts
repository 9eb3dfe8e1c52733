import {
  Cacheable,
  CacheEvict,
  type DataSource,
  defineApi,
  type EventMessage,
  Events,
  InjectDataSource,
  Rpc,
  Service,
  StagesError,
  Subscribe,
} from '@stages/core';

export interface Note {
  id: string;
  title: string;
}

/** How often each note was loaded from the database: a cache hit does not move it. */
export const loads = new Map<string, number>();
/** What the event handlers saw, by handler. */
export const seen: { handler: string; value: unknown; caller?: string | undefined }[] = [];
/** Progress of the slow handler: started, then its write committed. */
export const slow: string[] = [];

export interface NotesApi {
  add(req: Note): Promise<void>;
  get(req: { id: string }): Promise<Note>;
  rename(req: Note): Promise<void>;
  addSlowly(req: Note): Promise<void>;
}
export const NotesApi = defineApi<NotesApi>('notes');

/** Everything through @stages/core: the default datasource, the app cache and the app's event bus. */
@Service({ name: 'notes' })
export class NotesService {
  #ready: Promise<unknown> | undefined;

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly events: Events,
  ) {}

  @Rpc()
  async add(req: Note): Promise<void> {
    await this.#schema();
    await this.db.execute('INSERT INTO notes (id, title) VALUES ($1, $2)', [req.id, req.title]);
    await this.events.publish('note.added', req, { key: req.id });
  }

  /** Still running when stop() begins: the pool must outlive the drain. */
  @Rpc()
  async addSlowly(req: Note): Promise<void> {
    await new Promise((r) => setTimeout(r, 200));
    await this.add(req);
  }

  @Rpc({ idempotent: true })
  @Cacheable({ namespace: 'note', key: (req: { id: string }) => req.id })
  async get(req: { id: string }): Promise<Note> {
    await this.#schema();
    loads.set(req.id, (loads.get(req.id) ?? 0) + 1);
    const [row] = await this.db.query<Note>('SELECT id, title FROM notes WHERE id = $1', [req.id]);
    if (!row) throw new StagesError('NOT_FOUND', `note ${req.id}`);
    return row;
  }

  @Rpc()
  @CacheEvict({ namespace: 'note', key: (req: Note) => req.id })
  async rename(req: Note): Promise<void> {
    await this.db.execute('UPDATE notes SET title = $2 WHERE id = $1', [req.id, req.title]);
  }

  /** Every instance keeps its own view: each app gets each message. */
  @Subscribe('note.added', { broadcast: true })
  onAddedHere(value: Note) {
    seen.push({ handler: 'onAddedHere', value });
  }

  /** Slow enough to be in flight when stop() begins: unsubscribing waits for it, pools outlive it. */
  @Subscribe('note.slow')
  async onSlow(value: Note) {
    slow.push(`started:${value.id}`);
    await new Promise((r) => setTimeout(r, 200));
    await this.add(value);
    slow.push(`written:${value.id}`);
  }

  #schema() {
    this.#ready ??= this.db.execute('CREATE TABLE IF NOT EXISTS notes (id TEXT PRIMARY KEY, title TEXT NOT NULL)');
    return this.#ready;
  }
}

@Service({ name: 'audit' })
export class AuditService {
  @Rpc({ idempotent: true })
  async count() {
    return seen.length;
  }

  @Subscribe('note.added')
  onAdded(value: Note, message: EventMessage) {
    seen.push({ handler: 'onAdded', value, caller: message.topic });
  }

  @Subscribe('note.poison', { maxAttempts: 2, backoffMs: 10 })
  onPoison(value: { id: string }) {
    seen.push({ handler: 'onPoison', value });
    throw new StagesError('FAILED_PRECONDITION', `cannot take ${value.id}`);
  }
}

/** Asks for a datasource the config does not have. */
@Service({ name: 'broken' })
export class BrokenService {
  constructor(@InjectDataSource('nope') readonly db: DataSource) {}

  @Rpc()
  async ping() {
    return 'pong';
  }
}

/** A worker: only event handlers, nothing to call. It must start, subscribe, and stay out of the registry. */
@Service({ name: 'mailer' })
export class MailerService {
  @Subscribe('note.added', { broadcast: true })
  onAdded(value: Note) {
    seen.push({ handler: 'mailer', value });
  }
}
