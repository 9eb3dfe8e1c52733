import { parseArgs } from 'node:util';
import { CAPABILITIES, type Capability, MODES, type Mode } from './options.js';
import { ScaffoldError } from './scaffold-error.js';

/** What the command line said; anything left undefined is asked for (or defaulted with --yes). */
export interface ParsedArgs {
  name?: string;
  dir?: string;
  mode?: Mode;
  capabilities?: Capability[];
  yes: boolean;
  help: boolean;
  /** Directory of `npm pack` tarballs of @stages/* to install from instead of the registry. */
  localPackages?: string;
}

export const USAGE = `Usage: npm create stages-service <name> [-- options]
       create-stages-service <name> [options]

Options:
  --mode idl|json          IDL (.proto, callable from any gRPC client) or JSON over gRPC (default json)
  --with cache,data,events capabilities to wire in (default none)
  --dir <path>             where to write (default ./<name>; must be missing or empty)
  --yes, -y                take defaults instead of asking
  --local-packages <dir>   depend on the @stages/* tarballs in <dir>, copied to vendor/ (offline builds)
  --help, -h               this text`;

export function parseCommandLine(argv: readonly string[]): ParsedArgs {
  let values: ReturnType<typeof parse>['values'];
  let positionals: string[];
  try {
    ({ values, positionals } = parse(argv));
  } catch (error) {
    throw new ScaffoldError(`${(error as Error).message}\n\n${USAGE}`, 2);
  }
  if (positionals.length > 1) throw new ScaffoldError(`one name expected, got ${positionals.join(' ')}\n\n${USAGE}`, 2);
  const parsed: ParsedArgs = { yes: values.yes === true, help: values.help === true };
  if (positionals[0] !== undefined) parsed.name = positionals[0];
  if (values.dir !== undefined) parsed.dir = values.dir;
  if (values['local-packages'] !== undefined) parsed.localPackages = values['local-packages'];
  if (values.mode !== undefined) parsed.mode = parseMode(values.mode);
  if (values.with !== undefined) parsed.capabilities = parseCapabilities(values.with);
  return parsed;
}

function parse(argv: readonly string[]) {
  return parseArgs({
    args: [...argv],
    allowPositionals: true,
    strict: true,
    options: {
      mode: { type: 'string' },
      with: { type: 'string' },
      dir: { type: 'string' },
      'local-packages': { type: 'string' },
      yes: { type: 'boolean', short: 'y' },
      help: { type: 'boolean', short: 'h' },
    },
  });
}

export function parseMode(text: string): Mode {
  const mode = text.trim().toLowerCase();
  if ((MODES as readonly string[]).includes(mode)) return mode as Mode;
  throw new ScaffoldError(`--mode must be one of ${MODES.join(', ')}; got "${text}"`, 2);
}

/** `cache,data` -> ['cache', 'data']; `none` or empty -> []. Unknown names are refused, not ignored. */
export function parseCapabilities(text: string): Capability[] {
  const names = text
    .split(/[,\s]+/)
    .map((s) => s.trim().toLowerCase())
    .filter((s) => s !== '' && s !== 'none');
  const unknown = names.filter((s) => !(CAPABILITIES as readonly string[]).includes(s));
  if (unknown.length > 0) {
    throw new ScaffoldError(`unknown capability ${unknown.join(', ')}; choose from ${CAPABILITIES.join(', ')}`, 2);
  }
  return CAPABILITIES.filter((c) => names.includes(c));
}
