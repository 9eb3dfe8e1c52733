import { StagesError } from '@stages/common';
import type { DataSource } from '../datasource.js';
import { type MysqlOptions, openMysql } from './mysql.js';
import { openPostgres, type PostgresOptions } from './postgres.js';
import { openSqlite, type SqliteOptions } from './sqlite.js';

/** A datasource as config names it: the driver by `type`, or inferred from the URL's scheme. */
export type DataSourceConfig =
  | ({ type: 'postgres' } & PostgresOptions)
  | ({ type: 'sqlite' } & SqliteOptions)
  | ({ type: 'mysql' } & MysqlOptions)
  | ({ type?: undefined } & CommonUrl);

interface CommonUrl {
  name: string;
  url: string;
  [option: string]: unknown;
}

/**
 * Opens a datasource from config. `postgres://`/`postgresql://` -> pg, `mysql://`/`mariadb://` -> mysql2,
 * `sqlite:path` or `sqlite::memory:` -> better-sqlite3. Only the chosen driver package is loaded.
 */
export async function openDataSource(config: DataSourceConfig): Promise<DataSource> {
  const type = config.type ?? typeFromUrl(config);
  switch (type) {
    case 'postgres':
      return openPostgres(config as PostgresOptions);
    case 'mysql':
      return openMysql({
        ...(config as MysqlOptions),
        url: (config as MysqlOptions).url.replace(/^mariadb:/, 'mysql:'),
      });
    case 'sqlite': {
      const options = config as SqliteOptions & { url?: string };
      const filename = options.filename ?? options.url?.replace(/^sqlite:(\/\/)?/, '');
      return openSqlite({ ...options, ...(filename ? { filename } : {}) });
    }
  }
}

function typeFromUrl(config: CommonUrl): 'postgres' | 'mysql' | 'sqlite' {
  const scheme = /^(\w+):/.exec(config.url ?? '')?.[1]?.toLowerCase();
  if (scheme === 'postgres' || scheme === 'postgresql') return 'postgres';
  if (scheme === 'mysql' || scheme === 'mariadb') return 'mysql';
  if (scheme === 'sqlite') return 'sqlite';
  throw new StagesError(
    'CONFIG_INVALID',
    `datasource "${config.name}": cannot tell the driver from the URL scheme "${scheme ?? ''}"`,
    {
      details: { datasource: config.name, field: 'url' },
    },
  );
}
