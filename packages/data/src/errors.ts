import { StagesError } from '@stages/common';

/**
 * A driver failure as a StagesError naming the datasource. Connection trouble is DATASOURCE_ERROR (retryable);
 * a unique violation is ALREADY_EXISTS; a timeout is DEADLINE_EXCEEDED; a bad statement is DATASOURCE_ERROR
 * marked not retryable (trying again cannot help). Messages pass through `redact` first: driver messages can
 * carry a connection string.
 */
export function dataError(datasource: string, error: unknown): StagesError {
  if (StagesError.is(error)) return error;
  const e = (error ?? {}) as { code?: unknown; errno?: unknown; message?: unknown; sqlState?: unknown };
  const code = typeof e.code === 'string' ? e.code : undefined;
  const sqlState = typeof e.sqlState === 'string' ? e.sqlState : code;
  const raw = typeof e.message === 'string' ? e.message : String(error);
  const message = `datasource "${datasource}": ${redact(raw)}`;
  const details: Record<string, unknown> = { datasource };
  if (code) details.driverCode = code;

  if (isTimeout(code, raw)) return new StagesError('DEADLINE_EXCEEDED', message, { details, cause: error });
  if (
    code === '23505' ||
    code === 'ER_DUP_ENTRY' ||
    code?.startsWith('SQLITE_CONSTRAINT_UNIQUE') ||
    code === 'SQLITE_CONSTRAINT_PRIMARYKEY'
  ) {
    return new StagesError('ALREADY_EXISTS', message, { details, cause: error });
  }
  if (isConnectionError(code, sqlState, raw))
    return new StagesError('DATASOURCE_ERROR', message, { details, cause: error });
  return new StagesError('DATASOURCE_ERROR', message, { details, retryable: false, cause: error });
}

/** Removes passwords from connection strings and `password=` pairs in a message. */
export function redact(text: string): string {
  return text.replace(/(\w+:\/\/[^:/@\s]*:)[^@\s]*@/g, '$1***@').replace(/(password\s*[=:]\s*)\S+/gi, '$1***');
}

function isTimeout(code: string | undefined, message: string): boolean {
  // 57014: query_canceled (statement_timeout); pg's client-side query_timeout has no code.
  return (
    code === '57014' || code === 'PROTOCOL_SEQUENCE_TIMEOUT' || /query read timeout|timeout exceeded/i.test(message)
  );
}

function isConnectionError(code: string | undefined, sqlState: string | undefined, message: string): boolean {
  if (
    code &&
    /^(ECONN|ETIMEDOUT|EPIPE|EHOSTUNREACH|ENOTFOUND|EAI_AGAIN|PROTOCOL_CONNECTION_LOST|ER_CON_COUNT)/.test(code)
  )
    return true;
  // SQLSTATE class 08 (connection exception), 57P0x (admin shutdown / cannot connect now), 53 (resources).
  if (sqlState && /^(08|57P0|53)/.test(sqlState)) return true;
  if (code === 'SQLITE_BUSY' || code === 'SQLITE_CANTOPEN') return true;
  return /connection terminated|Connection terminated|not queryable|is closed|ECONNREFUSED|the database system is (starting|shutting)/.test(
    message,
  );
}
