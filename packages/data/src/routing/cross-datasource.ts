import { StagesError } from '@stages/common';

/** CROSS_DATASOURCE naming the domains a statement spans, with the start of the statement for the log. */
export function crossDatasource(sql: string, owners: Set<string>): StagesError {
  const list = [...owners];
  return new StagesError(
    'CROSS_DATASOURCE',
    `statement spans datasources ${list.map((o) => `"${o}"`).join(' and ')}; join in code or keep the tables together`,
    {
      details: { datasources: list, statement: sql.slice(0, 200) },
    },
  );
}
